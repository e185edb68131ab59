using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Npgsql;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Merges are not reversible, and asking costs nothing: a merge's reversal is refused 409 not-reversible without
/// taking the merge's locks, so it neither waits behind the structure lock nor, two at once, deadlocks on it.
/// </summary>
public sealed class MergeReversalTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string NotReversible = "/problems/not-reversible";

    private async Task<Guid> MergeAsync()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(10_000, effectiveOn: "2025-10-01")).Expect(200);
        (await finance.AllocateAsync("VN", "04", 1_000, effectiveOn: "2025-10-02")).Expect(200);
        return (await finance.MergeAsync(["04", "08"], "08", "2026-01-01")).Expect(200).CommandId();
    }

    [Fact]
    public async Task Two_reversals_of_a_merge_at_once_are_both_refused_not_reversible_and_append_nothing()
    {
        var merge = await MergeAsync();
        var eventsBefore = await Service.EventCountAsync();
        using var one = Service.Client(Roles.CentralFinance);
        using var other = Service.Client(Roles.CentralFinance);

        for (var round = 1; round <= 10; round++)
        {
            var answers = await Task.WhenAll(one.ReverseAsync(merge), other.ReverseAsync(merge));

            Assert.All(answers, a => Assert.True(a.Status == 409 && a.ProblemType == NotReversible, $"round {round}: {a}"));
        }
        Assert.Equal(eventsBefore, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_reversal_of_a_merge_is_refused_at_once_while_the_structure_lock_is_held()
    {
        var ct = TestContext.Current.CancellationToken;
        var merge = await MergeAsync();
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        using var finance = Service.Client(Roles.CentralFinance);

        await using var anotherMerge = await FundLockHold.TakeAsync(database, LocalityDirectory.StructureStream, ct);
        var reversal = finance.ReverseAsync(merge);
        var answeredWhileHeld = await Task.WhenAny(reversal, Task.Delay(TimeSpan.FromSeconds(5), ct)) == reversal;
        await anotherMerge.ReleaseAsync();

        Assert.True(answeredWhileHeld, "the merge's reversal waited for the structure lock");
        var answer = await reversal;
        Assert.True(answer.Status == 409 && answer.ProblemType == NotReversible, answer.ToString());
    }
}
