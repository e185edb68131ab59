using CapitalFlows.Funds;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The guarantee (DOMAIN.md invariants 1, 2, 4 and 5): commands racing on the same fund queue instead of
/// clashing, so every command the money covers succeeds, the others are refused as insufficient funds, and
/// no fund is ever negative.
/// </summary>
public sealed class ConcurrencyTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long TenMillion = 10_000_000;
    private const string InsufficientFunds = "/problems/insufficient-funds";
    private static readonly string[] HanoiCommunes = ["00004", "00008", "00025", "00070"];

    [Fact]
    public async Task Two_hundred_concurrent_allocations_against_one_fund_that_covers_one_hundred_give_exactly_one_hundred_successes_and_one_hundred_insufficient_funds()
    {
        for (var round = 1; round <= 3; round++)
        {
            if (round > 1) await Service.ResetAsync();
            await RaceTwoHundredAllocationsForOneHundredAsync(round);
        }
    }

    private async Task RaceTwoHundredAllocationsForOneHundredAsync(int round)
    {
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(100 * TenMillion)).Expect(200);
        var clients = Enumerable.Range(0, 4).Select(_ => Service.Client(Roles.CentralFinance)).ToArray();
        try
        {
            var answers = await RaceAsync(Enumerable.Range(0, 200)
                .Select(i => (Func<Task<Answer>>)(() => clients[i % clients.Length].AllocateAsync("VN", "01", TenMillion))));

            var outcomes = answers.GroupBy(a => (a.Status, a.Status == 200 ? null : a.ProblemType)).ToDictionary(g => g.Key, g => g.Count());
            Assert.True(
                outcomes.Count == 2 && outcomes.GetValueOrDefault((200, null)) == 100 && outcomes.GetValueOrDefault((409, InsufficientFunds)) == 100,
                $"Round {round}: expected 100 × 200 and 100 × 409 insufficient-funds, got "
                + string.Join(", ", outcomes.Select(o => $"{o.Value} × {o.Key.Status} {o.Key.Item2}"))
                + Environment.NewLine + "e.g. " + answers.FirstOrDefault(a => a.Status is not (200 or 409)));
            Assert.All(answers.Where(a => a.Status == 200), a => Assert.Equal(2, a.Json.GetProperty("events").GetInt32()));
            Assert.Equal(100, answers.Where(a => a.Status == 200).Select(a => a.Json.GetProperty("commandId").GetGuid()).Distinct().Count());

            var nation = (await finance.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own");
            Assert.Equal(0, nation.FundAvailable(CentralBudget, General));
            Assert.Equal(0, nation.Vnd("availableVnd"));
            var hanoi = (await finance.ReadJsonAsync("/api/localities/01/capital")).GetProperty("own");
            Assert.Equal(100 * TenMillion, hanoi.FundAvailable(CentralBudget, General));
            Assert.Equal(1 + (2 * 100), await Service.EventCountAsync());
            var check = await finance.ReadJsonAsync("/api/ledger/balance-check");
            Assert.Equal(100 * TenMillion, check.Vnd("receivedVnd"));
            Assert.Equal(100 * TenMillion, check.Vnd("fundsVnd"));
            Assert.True(check.GetProperty("balanced").GetBoolean());
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    [Fact]
    public async Task A_mixed_race_of_allocations_and_recalls_through_one_province_never_takes_a_fund_below_zero_and_conserves_the_total()
    {
        const long entrusted = 100 * TenMillion;
        using var finance = Service.Client(Roles.CentralFinance);
        using var branch = Service.Client(Roles.BranchOfficer, "01");
        (await finance.EntrustCentralBudgetAsync(entrusted)).Expect(200);
        (await finance.AllocateAsync("VN", "01", 40 * TenMillion)).Expect(200);
        foreach (var commune in HanoiCommunes)
            (await branch.AllocateAsync("01", commune, 5 * TenMillion)).Expect(200);
        var expected = new Dictionary<string, long>(StringComparer.Ordinal) { ["VN"] = 60 * TenMillion, ["01"] = 20 * TenMillion };
        foreach (var commune in HanoiCommunes) expected[commune] = 5 * TenMillion;
        var eventsBefore = await Service.EventCountAsync();

        // Demand on 01 (60 × 10M recalled to VN, 80 × 10M passed to communes) exceeds all it can ever hold
        // (20M + 60 × 10M from VN + 80 × 5M back from communes): some movements must be refused.
        var movements = new List<Movement>();
        for (var i = 0; i < 60; i++)
        {
            movements.Add(new Movement(finance, IsRecall: false, "VN", "01", TenMillion));
            movements.Add(new Movement(finance, IsRecall: true, "01", "VN", TenMillion));
        }

        for (var i = 0; i < 20; i++)
        {
            foreach (var commune in HanoiCommunes)
            {
                movements.Add(new Movement(branch, IsRecall: false, "01", commune, TenMillion));
                movements.Add(new Movement(branch, IsRecall: true, commune, "01", TenMillion / 2));
            }
        }

        var answers = await RaceAsync(movements.Select(m => (Func<Task<Answer>>)m.SendAsync));

        var unexpected = answers.Where(a => a.Status != 200 && !(a.Status == 409 && a.ProblemType == InsufficientFunds)).ToList();
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} answers other than 200 or 409 insufficient-funds, e.g. {unexpected.FirstOrDefault()}");
        var accepted = movements.Zip(answers).Where(x => x.Second.Status == 200).Select(x => x.First).ToList();
        Assert.True(accepted.Count < movements.Count, "the race was meant to refuse some movements: 01 cannot cover them all");
        Assert.Contains(accepted, m => !m.IsRecall && m.From == "VN");
        Assert.Contains(accepted, m => m.IsRecall && m.To == "01");
        foreach (var movement in accepted)
        {
            expected[movement.From] -= movement.AmountVnd;
            expected[movement.To] += movement.AmountVnd;
        }

        var store = Service.Host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var funds = await session.Query<Fund>().ToListAsync(TestContext.Current.CancellationToken);
        Assert.All(funds, f => Assert.True(f.AvailableVnd >= 0, $"fund {f.Id} holds {f.AvailableVnd}"));
        Assert.Equal(
            expected.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => ($"{e.Key}/central-budget/general", e.Value)),
            funds.OrderBy(f => f.Locality, StringComparer.Ordinal).Select(f => (f.Id, f.AvailableVnd)));
        Assert.Equal(entrusted, funds.Sum(f => f.AvailableVnd));
        Assert.Equal(eventsBefore + (2 * accepted.Count), await Service.EventCountAsync());
        await AssertNoFundWasEverNegativeAsync(session);

        var check = await finance.ReadJsonAsync("/api/ledger/balance-check");
        Assert.Equal(entrusted, check.Vnd("receivedVnd"));
        Assert.Equal(entrusted, check.Vnd("fundsVnd"));
        Assert.True(check.GetProperty("balanced").GetBoolean());
        var hanoi = await branch.ReadJsonAsync("/api/localities/01/capital");
        Assert.Equal(expected["01"], hanoi.GetProperty("own").Vnd("availableVnd"));
        Assert.Equal(expected["01"] + HanoiCommunes.Sum(c => expected[c]), hanoi.GetProperty("subtree").Vnd("availableVnd"));
        Assert.Equal(entrusted, (await finance.ReadJsonAsync("/api/capital/summary")).Vnd("totalVnd"));
    }

    [Fact]
    public async Task Two_hundred_concurrent_entrustments_into_the_same_fund_all_succeed()
    {
        const long amountVnd = 1_000_000;
        var clients = Enumerable.Range(0, 4).Select(_ => Service.Client(Roles.CentralFinance)).ToArray();
        try
        {
            var answers = await RaceAsync(Enumerable.Range(0, 200)
                .Select(i => (Func<Task<Answer>>)(() => clients[i % clients.Length].EntrustCentralBudgetAsync(amountVnd))));

            var refused = answers.Where(a => a.Status != 200).ToList();
            Assert.True(refused.Count == 0, $"{refused.Count} of 200 entrustments were not accepted, e.g. {refused.FirstOrDefault()}");
            Assert.Equal(200, await Service.EventCountAsync());
            var nation = (await clients[0].ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own");
            Assert.Equal(200 * amountVnd, nation.FundAvailable(CentralBudget, General));
            var check = await clients[0].ReadJsonAsync("/api/ledger/balance-check");
            Assert.Equal(200 * amountVnd, check.Vnd("receivedVnd"));
            Assert.True(check.GetProperty("balanced").GetBoolean());
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    /// <summary>Starts every request at once (each on its own task, released together) and waits for all.</summary>
    private static async Task<Answer[]> RaceAsync(IEnumerable<Func<Task<Answer>>> requests)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = requests.Select(request => Task.Run(async () =>
        {
            await start.Task;
            return await request();
        })).ToArray();
        start.SetResult();
        return await Task.WhenAll(running);
    }

    /// <summary>Replays every fund's stream in order: at no point of history did a fund hold less than zero.</summary>
    private static async Task AssertNoFundWasEverNegativeAsync(IQuerySession session)
    {
        var events = await session.Events.QueryAllRawEvents().ToListAsync(TestContext.Current.CancellationToken);
        foreach (var stream in events.Where(e => e.StreamKey != LocalityDirectory.StructureStream).GroupBy(e => e.StreamKey))
        {
            long balance = 0;
            foreach (var e in stream.OrderBy(e => e.Version))
            {
                balance += e.Data switch
                {
                    CentralBudgetEntrusted x => x.AmountVnd,
                    AllocationReceived x => x.AmountVnd,
                    RecallReceived x => x.AmountVnd,
                    CapitalAllocated x => -x.AmountVnd,
                    CapitalRecalled x => -x.AmountVnd,
                    var other => throw new Xunit.Sdk.XunitException($"unexpected event {other.GetType().Name}"),
                };
                Assert.True(balance >= 0, $"fund {stream.Key} went to {balance} at version {e.Version}");
            }
        }
    }

    private sealed record Movement(HttpClient Client, bool IsRecall, string From, string To, long AmountVnd)
    {
        public Task<Answer> SendAsync() =>
            IsRecall ? Client.RecallAsync(From, To, AmountVnd) : Client.AllocateAsync(From, To, AmountVnd);
    }
}
