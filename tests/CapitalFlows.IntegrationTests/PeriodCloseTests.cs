using System.Globalization;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// API.md second edition, "Period close" (DOMAIN invariant 10): after <c>POST /api/periods/close</c> no command
/// may take effect on or before the closed date, reversals included (409 period-closed, nothing appended); closes
/// only move forward; only central finance closes.
/// </summary>
public sealed class PeriodCloseTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Billion = 1_000_000_000;
    private static readonly DateOnly Through = ServiceFixture.Today.AddDays(-10);

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static Task<Answer> CloseAsync(HttpClient client, object? through, Guid? commandId = null) =>
        client.PostJsonAsync("/api/periods/close", through is null
            ? new Dictionary<string, object> { ["commandId"] = commandId ?? Guid.NewGuid() }
            : new Dictionary<string, object> { ["commandId"] = commandId ?? Guid.NewGuid(), ["through"] = through });

    private static Task<Answer> TopUpAsync(HttpClient client, DateOnly effectiveOn) =>
        client.PostJsonAsync("/api/capital/local-budget-top-ups", new
        {
            commandId = Guid.NewGuid(), locality = "01", amountVnd = 5 * Billion, decisionRef = "NQ-HĐND", effectiveOn = Date(effectiveOn),
        });

    private static Task<Answer> ReverseAsync(HttpClient client, Guid reversed, DateOnly effectiveOn) =>
        client.PostJsonAsync("/api/reversals", new
        {
            commandId = Guid.NewGuid(), reversedCommandId = reversed, reason = "Entered in error", effectiveOn = Date(effectiveOn),
        });

    [Fact]
    public async Task After_a_close_a_top_up_and_a_reversal_effective_on_the_closed_date_are_refused_and_the_day_after_is_accepted()
    {
        var entrustment = (await Finance.EntrustCentralBudgetAsync(20 * Billion, effectiveOn: Date(Through.AddDays(-1)))).Expect(200).Json
            .GetProperty("commandId").GetGuid();
        (await CloseAsync(Finance, Date(Through))).Expect(200);
        var before = await Service.EventCountAsync();

        var topUp = (await TopUpAsync(Finance, Through)).Expect(409);
        var reversal = (await ReverseAsync(Finance, entrustment, Through)).Expect(409);
        var backDated = (await TopUpAsync(Finance, new DateOnly(1900, 1, 1))).Expect(409);

        foreach (var refused in new[] { topUp, reversal, backDated })
        {
            Assert.Equal("/problems/period-closed", refused.ProblemType);
            Assert.Equal(Date(Through), refused.Json.GetProperty("closedThrough").GetString());
        }
        Assert.Equal(before, await Service.EventCountAsync());

        (await TopUpAsync(Finance, Through.AddDays(1))).Expect(200);
        (await ReverseAsync(Finance, entrustment, Through.AddDays(1))).Expect(200);
        var nation = (await Finance.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own");
        Assert.Equal(0, nation.FundAvailable(CentralBudget, General));
    }

    [Fact]
    public async Task A_close_is_recorded_as_an_event_and_its_retry_gets_the_first_answer()
    {
        var before = await Service.EventCountAsync();
        var commandId = Guid.NewGuid();

        var first = (await CloseAsync(Finance, Date(Through), commandId)).Expect(200);
        var retry = (await CloseAsync(Finance, Date(Through), commandId)).Expect(200);
        var reused = (await CloseAsync(Finance, Date(Through.AddDays(1)), commandId)).Expect(409);

        Assert.Equal(first.Body, retry.Body);
        Assert.Equal("/problems/command-id-reused", reused.ProblemType);
        Assert.Equal(before + 1, await Service.EventCountAsync());
        var events = await Finance.GetAnswerAsync("/api/events?format=ndjson");
        Assert.Contains("\"PeriodClosed\"", events.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Closes_only_move_forward_and_a_refused_close_names_the_closed_date()
    {
        (await CloseAsync(Finance, Date(Through))).Expect(200);
        var before = await Service.EventCountAsync();

        var backward = (await CloseAsync(Finance, Date(Through.AddDays(-1)))).Expect(409);
        var same = (await CloseAsync(Finance, Date(Through))).Expect(409);

        foreach (var refused in new[] { backward, same })
        {
            Assert.Equal("/problems/period-closed", refused.ProblemType);
            Assert.Equal(Date(Through), refused.Json.GetProperty("closedThrough").GetString());
        }
        Assert.Equal(before, await Service.EventCountAsync());

        (await CloseAsync(Finance, Date(Through.AddDays(1)))).Expect(200);
        Assert.Equal("/problems/period-closed", (await TopUpAsync(Finance, Through.AddDays(1))).Expect(409).ProblemType);
    }

    [Theory]
    [InlineData(null, "through")]
    [InlineData("1/2/2026", "through")]
    [InlineData("2026-02-30", "through")]
    [InlineData("tomorrow", "through")]
    public async Task A_missing_or_malformed_through_is_400_and_appends_nothing(string? through, string field)
    {
        var before = await Service.EventCountAsync();

        var answer = (await CloseAsync(Finance, through)).Expect(400);

        Assert.Equal("/problems/validation", answer.ProblemType);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.Body);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_future_through_is_400()
    {
        var answer = (await CloseAsync(Finance, Date(ServiceFixture.Today.AddDays(1)))).Expect(400);

        Assert.True(answer.Json.GetProperty("errors").TryGetProperty("through", out _), answer.Body);
        Assert.Equal(0, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_close_without_a_commandId_is_400()
    {
        var answer = (await Finance.PostJsonAsync("/api/periods/close", new { through = Date(Through) })).Expect(400);

        Assert.True(answer.Json.GetProperty("errors").TryGetProperty("commandId", out _), answer.Body);
    }

    [Theory]
    [InlineData(Roles.BranchOfficer, "01")]
    [InlineData(Roles.PeopleCommittee, "01")]
    [InlineData(Roles.Analyst, null)]
    public async Task Only_central_finance_closes_a_period(string role, string? locality)
    {
        using var client = Service.Client(role, locality);

        var answer = (await CloseAsync(client, Date(Through))).Expect(403);

        Assert.Equal("/problems/forbidden", answer.ProblemType);
        Assert.Equal(0, await Service.EventCountAsync());
        (await TopUpAsync(Finance, Through)).Expect(200);
    }
}
