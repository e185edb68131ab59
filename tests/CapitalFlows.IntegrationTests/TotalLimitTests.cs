using System.Globalization;
using System.Text.Json;
using Marten.Events;
using CapitalFlows.Funds;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Totals never wrap (API.md, Trust). The store is brought near the limit behind the service's back (events appended
/// through Marten, so the inline projections hold them as they would hold commands' events; reaching 9×10^18 with
/// inflows of at most 10^15 would take 9,000 commands): an inflow up to the limit is accepted, the next one is 409
/// total-limit with nothing appended, and the reads answer 200 with exact figures — the gross inflows in the balance
/// check and today's daily row pass what a 64-bit integer holds.
/// </summary>
public sealed class TotalLimitTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Limit = 9_000_000_000_000_000_000;
    private const long FourQuintillion = 4_000_000_000_000_000_000;
    private const long MaxInflow = 1_000_000_000_000_000;
    private const string TotalLimit = "/problems/total-limit";

    /// <summary>
    /// Mobilised 4×10^18, reversed, mobilised 4×10^18 again; entrusted 4×10^18; 01 tops up 0.999×10^18: the nation
    /// holds 10^15 below the limit, and 12.999×10^18 has come in gross.
    /// </summary>
    private async Task BringTheNationNearTheLimitAsync()
    {
        var today = ServiceFixture.Today;
        await using var session = Service.Host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        var mobilised = new FundKey("VN", Sources.Mobilised, General).StreamKey;
        session.Events.Append(mobilised,
            new MobilisedCapitalReceived(General, FourQuintillion, "bonds", "TP-1", today),
            new InflowReversed(Guid.NewGuid(), "VN", Sources.Mobilised, General, FourQuintillion, "Entered twice", today),
            new MobilisedCapitalReceived(General, FourQuintillion, "bonds", "TP-2", today));
        session.Events.Append(new FundKey("VN", Sources.CentralBudget, General).StreamKey,
            new CentralBudgetEntrusted(General, FourQuintillion, "QĐ-1", today));
        session.Events.Append(new FundKey("01", Sources.LocalBudget, General).StreamKey,
            new LocalBudgetToppedUp("01", General, Limit - (2 * FourQuintillion) - MaxInflow, "NQ-1", today));
        await session.SaveChangesAsync();
    }

    [Fact]
    public async Task An_inflow_up_to_the_limit_is_accepted_and_the_next_one_is_refused_total_limit_appending_nothing()
    {
        await BringTheNationNearTheLimitAsync();
        using var finance = Service.Client(Roles.CentralFinance);
        using var committee = Service.Client(Roles.PeopleCommittee, "79");

        (await finance.EntrustCentralBudgetAsync(MaxInflow, programme: "students")).Expect(200);
        var eventsAtTheLimit = await Service.EventCountAsync();

        Answer[] refused =
        [
            await finance.EntrustCentralBudgetAsync(1),
            await finance.PostJsonAsync("/api/capital/mobilisations", new { commandId = Guid.NewGuid(), amountVnd = 1, instrument = "bonds", reference = "TP-3" }),
            await committee.TopUpLocalBudgetAsync("79", 1),
            await finance.PostJsonAsync("/api/capital/charity-donations", new { commandId = Guid.NewGuid(), locality = "01", amountVnd = 1 }),
        ];

        Assert.All(refused, a => Assert.True(a.Status == 409 && a.ProblemType == TotalLimit, a.ToString()));
        Assert.Equal(eventsAtTheLimit, await Service.EventCountAsync());
        // Money moving inside the bank is not an inflow: it is not held to the limit.
        (await finance.AllocateAsync("VN", "01", MaxInflow, programme: "students")).Expect(200);
    }

    [Fact]
    public async Task At_the_limit_the_capital_allocations_summary_balance_check_and_daily_flows_answer_exact_figures()
    {
        await BringTheNationNearTheLimitAsync();
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(MaxInflow)).Expect(200);

        var nation = await finance.ReadJsonAsync("/api/localities/VN/capital");
        Assert.Equal(Limit, nation.GetProperty("subtree").Vnd("availableVnd"));
        Assert.Equal(Limit - (Limit - (2 * FourQuintillion) - MaxInflow), nation.GetProperty("own").Vnd("availableVnd"));
        var summary = await finance.ReadJsonAsync("/api/capital/summary");
        Assert.Equal(Limit, summary.Vnd("totalVnd"));
        var allocations = await finance.ReadJsonAsync("/api/localities/VN/allocations");
        Assert.Equal((2 * FourQuintillion) + MaxInflow, allocations.Line("programme", General).Vnd("receivedVnd"));

        var check = await finance.ReadJsonAsync("/api/ledger/balance-check");
        Assert.Equal("13000000000000000000", check.GetProperty("receivedVnd").GetRawText());
        Assert.Equal(FourQuintillion, check.Vnd("reversedVnd"));
        Assert.Equal(Limit, check.Vnd("fundsVnd"));
        Assert.True(check.GetProperty("balanced").GetBoolean(), check.ToString());

        await Service.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));
        var today = ServiceFixture.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var day = (await finance.ReadJsonAsync($"/api/capital/daily?from={today}&to={today}")).EnumerateArray().Single();
        Assert.Equal("13000000000000000000", day.GetProperty("inflowsVnd").GetRawText());
        Assert.Equal(FourQuintillion, day.GetProperty("inflowsReversedVnd").GetInt64());
        Assert.Equal(JsonValueKind.Number, day.GetProperty("inflowsVnd").ValueKind);
    }
}
