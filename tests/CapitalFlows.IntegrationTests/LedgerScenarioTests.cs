using System.Globalization;
using CapitalFlows.Funds;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The ledger issue's "Done when" scenario, end to end over HTTP: capital entrusted centrally, allocated to
/// provinces and earmarked on the way, passed down to a commune by the province's branch, topped up by the
/// province's People's Committee, and every read agreeing on where it sits.
/// </summary>
public sealed class LedgerScenarioTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Billion = 1_000_000_000;
    private const string PoorHouseholds = "poor-households";
    private const string Students = "students";
    private const string JobCreation = "job-creation";

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private HttpClient HanoiBranch => Service.Client(Roles.BranchOfficer, "01");

    [Fact]
    public async Task The_nation_keeps_what_it_did_not_allocate()
    {
        await Service.RecordLedgerScenarioAsync();

        var vn = await Finance.ReadJsonAsync("/api/localities/VN/capital");

        Assert.Equal("VN", vn.GetProperty("locality").GetString());
        Assert.Equal(ServiceFixture.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), vn.GetProperty("asOf").GetString());
        var own = vn.GetProperty("own");
        Assert.Equal(500 * Billion, own.Vnd("availableVnd"));
        Assert.Equal(0, own.Vnd("loansOutstandingVnd"));
        Assert.Equal(500 * Billion, own.FundAvailable(CentralBudget, General));
        Assert.Single(own.GetProperty("funds").EnumerateArray());
        Assert.Equal(1_020 * Billion, vn.GetProperty("subtree").Vnd("availableVnd"));
    }

    [Fact]
    public async Task Hanoi_holds_its_earmarked_central_budget_and_its_own_local_budget_and_its_subtree_includes_the_commune()
    {
        await Service.RecordLedgerScenarioAsync();

        var hanoi = await HanoiBranch.ReadJsonAsync("/api/localities/01/capital");

        var own = hanoi.GetProperty("own");
        Assert.Equal(270 * Billion, own.Vnd("availableVnd"));
        var funds = own.GetProperty("funds").EnumerateArray()
            .Select(f => (f.GetProperty("source").GetString(), f.GetProperty("programme").GetString(), f.Vnd("availableVnd"), f.Vnd("loansOutstandingVnd")))
            .ToList();
        Assert.Equal(
            [(CentralBudget, PoorHouseholds, 250 * Billion, 0L), (LocalBudget, JobCreation, 20 * Billion, 0L)],
            funds);

        var subtree = hanoi.GetProperty("subtree");
        Assert.Equal(320 * Billion, subtree.Vnd("availableVnd"));
        Assert.Equal(300 * Billion, subtree.FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(20 * Billion, subtree.FundAvailable(LocalBudget, JobCreation));

        var commune = await HanoiBranch.ReadJsonAsync("/api/localities/00004/capital");
        Assert.Equal(50 * Billion, commune.GetProperty("own").FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(50 * Billion, commune.GetProperty("subtree").Vnd("availableVnd"));

        var hcmc = await Finance.ReadJsonAsync("/api/localities/79/capital");
        Assert.Equal(200 * Billion, hcmc.GetProperty("own").FundAvailable(CentralBudget, Students));
    }

    [Fact]
    public async Task The_balance_check_counts_every_inflow_and_finds_it_all_held()
    {
        await Service.RecordLedgerScenarioAsync();

        var check = await Finance.ReadJsonAsync("/api/ledger/balance-check");

        Assert.Equal(1_020 * Billion, check.Vnd("receivedVnd"));
        Assert.Equal(0, check.Vnd("reversedVnd"));
        Assert.Equal(1_020 * Billion, check.Vnd("fundsVnd"));
        Assert.Equal(0, check.Vnd("loansOutstandingVnd"));
        Assert.True(check.GetProperty("balanced").GetBoolean());
    }

    [Fact]
    public async Task Hanoi_allocation_balances_show_what_it_received_passed_down_and_has_left_per_programme()
    {
        await Service.RecordLedgerScenarioAsync();

        var lines = await HanoiBranch.ReadJsonAsync("/api/localities/01/allocations");

        Assert.Equal([PoorHouseholds, JobCreation], lines.EnumerateArray().Select(l => l.GetProperty("programme").GetString()));
        var poor = lines.Line("programme", PoorHouseholds);
        Assert.Equal(300 * Billion, poor.Vnd("receivedVnd"));
        Assert.Equal(50 * Billion, poor.Vnd("passedDownVnd"));
        Assert.Equal(0, poor.Vnd("lentVnd"));
        Assert.Equal(0, poor.Vnd("repaidVnd"));
        Assert.Equal(250 * Billion, poor.Vnd("availableVnd"));
        Assert.Equal(0, poor.GetProperty("utilisation").GetDouble());
        var jobs = lines.Line("programme", JobCreation);
        Assert.Equal(20 * Billion, jobs.Vnd("receivedVnd"));
        Assert.Equal(0, jobs.Vnd("passedDownVnd"));
        Assert.Equal(20 * Billion, jobs.Vnd("availableVnd"));
    }

    [Fact]
    public async Task The_national_summary_totals_by_source_province_and_programme_and_lists_the_34_provinces()
    {
        await Service.RecordLedgerScenarioAsync();

        var summary = await Finance.ReadJsonAsync("/api/capital/summary");

        Assert.Equal(1_020 * Billion, summary.Vnd("totalVnd"));
        Assert.Equal(1_020 * Billion, summary.Vnd("availableVnd"));
        Assert.Equal(0, summary.Vnd("loansOutstandingVnd"));

        var bySource = summary.GetProperty("bySource");
        Assert.Equal(1_000 * Billion, bySource.Line("code", CentralBudget).Vnd("totalVnd"));
        Assert.Equal(20 * Billion, bySource.Line("code", LocalBudget).Vnd("totalVnd"));
        Assert.Equal(0, bySource.Line("code", "charity").Vnd("totalVnd"));
        Assert.Equal(0, bySource.Line("code", "mobilised").Vnd("totalVnd"));

        var byProvince = summary.GetProperty("byProvince");
        Assert.Equal(34, byProvince.GetArrayLength());
        Assert.Equal(34, byProvince.EnumerateArray().Select(p => p.GetProperty("code").GetString()).Distinct().Count());
        var hanoi = byProvince.Line("code", "01");
        Assert.Equal(320 * Billion, hanoi.Vnd("totalVnd"));
        Assert.Equal(320 * Billion, hanoi.Vnd("availableVnd"));
        Assert.Equal("Thành phố Hà Nội", hanoi.GetProperty("name").GetString());
        Assert.Equal(200 * Billion, byProvince.Line("code", "79").Vnd("totalVnd"));
        Assert.Equal(520 * Billion, byProvince.EnumerateArray().Sum(p => p.Vnd("totalVnd")));

        var byProgramme = summary.GetProperty("byProgramme");
        Assert.Equal(500 * Billion, byProgramme.Line("code", General).Vnd("totalVnd"));
        Assert.Equal(300 * Billion, byProgramme.Line("code", PoorHouseholds).Vnd("totalVnd"));
        Assert.Equal(200 * Billion, byProgramme.Line("code", Students).Vnd("totalVnd"));
        Assert.Equal(20 * Billion, byProgramme.Line("code", JobCreation).Vnd("totalVnd"));
        Assert.Equal(1_020 * Billion, byProgramme.EnumerateArray().Sum(p => p.Vnd("totalVnd")));
    }

    [Fact]
    public async Task Recalling_from_the_commune_returns_the_capital_to_the_province_and_nets_it_out_of_both_allocation_balances()
    {
        await Service.RecordLedgerScenarioAsync();

        (await HanoiBranch.RecallAsync("00004", "01", 10 * Billion, CentralBudget, PoorHouseholds)).Expect(200);

        var commune = (await HanoiBranch.ReadJsonAsync("/api/localities/00004/allocations")).Line("programme", PoorHouseholds);
        Assert.Equal(40 * Billion, commune.Vnd("receivedVnd"));
        Assert.Equal(0, commune.Vnd("passedDownVnd"));
        Assert.Equal(40 * Billion, commune.Vnd("availableVnd"));

        var hanoi = (await HanoiBranch.ReadJsonAsync("/api/localities/01/allocations")).Line("programme", PoorHouseholds);
        Assert.Equal(300 * Billion, hanoi.Vnd("receivedVnd"));
        Assert.Equal(40 * Billion, hanoi.Vnd("passedDownVnd"));
        Assert.Equal(260 * Billion, hanoi.Vnd("availableVnd"));

        var capital = await HanoiBranch.ReadJsonAsync("/api/localities/01/capital");
        Assert.Equal(260 * Billion, capital.GetProperty("own").FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(280 * Billion, capital.GetProperty("own").Vnd("availableVnd"));
        Assert.Equal(320 * Billion, capital.GetProperty("subtree").Vnd("availableVnd"));
        Assert.Equal(40 * Billion, (await HanoiBranch.ReadJsonAsync("/api/localities/00004/capital")).GetProperty("own").Vnd("availableVnd"));

        var check = await Finance.ReadJsonAsync("/api/ledger/balance-check");
        Assert.Equal(1_020 * Billion, check.Vnd("receivedVnd"));
        Assert.True(check.GetProperty("balanced").GetBoolean());
        Assert.Equal(1 + 2 + 2 + 2 + 1 + 2, await Service.EventCountAsync());
    }

    [Fact]
    public async Task An_allocation_answers_with_its_command_id_when_it_was_recorded_its_effective_date_and_two_events()
    {
        (await Finance.EntrustCentralBudgetAsync(1_000 * Billion)).Expect(200);
        var commandId = Guid.NewGuid();
        var before = DateTimeOffset.UtcNow;

        var answer = (await Finance.AllocateAsync("VN", "01", 300 * Billion, toProgramme: PoorHouseholds, commandId: commandId)).Expect(200);

        var after = DateTimeOffset.UtcNow;
        Assert.Equal(commandId, answer.Json.GetProperty("commandId").GetGuid());
        var recordedAt = answer.Json.GetProperty("recordedAt").GetDateTimeOffset();
        Assert.InRange(recordedAt, before.AddSeconds(-1), after.AddSeconds(1));
        Assert.Equal(ServiceFixture.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), answer.Json.GetProperty("effectiveOn").GetString());
        Assert.Equal(2, answer.Json.GetProperty("events").GetInt32());
    }

    [Fact]
    public async Task An_allocation_given_an_effective_date_answers_with_that_date()
    {
        var threeDaysAgo = ServiceFixture.Today.AddDays(-3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var twoDaysAgo = ServiceFixture.Today.AddDays(-2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var entrusted = (await Finance.EntrustCentralBudgetAsync(1_000 * Billion, effectiveOn: threeDaysAgo)).Expect(200);
        Assert.Equal(threeDaysAgo, entrusted.Json.GetProperty("effectiveOn").GetString());
        Assert.Equal(1, entrusted.Json.GetProperty("events").GetInt32());

        var answer = (await Finance.AllocateAsync("VN", "01", 300 * Billion, effectiveOn: twoDaysAgo)).Expect(200);

        Assert.Equal(twoDaysAgo, answer.Json.GetProperty("effectiveOn").GetString());
        Assert.Equal(2, answer.Json.GetProperty("events").GetInt32());
    }

    [Fact]
    public async Task Every_event_records_who_caused_it_the_command_the_correlation_id_and_both_dates()
    {
        (await Finance.EntrustCentralBudgetAsync(1_000 * Billion)).Expect(200);
        var commandId = Guid.NewGuid();
        using var branch = HanoiBranch;
        (await Finance.AllocateAsync("VN", "01", 300 * Billion, toProgramme: PoorHouseholds)).Expect(200);
        var store = Service.Host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var lastBefore = await session.Events.QueryAllRawEvents().MaxAsync(e => e.Sequence, TestContext.Current.CancellationToken);
        branch.DefaultRequestHeaders.Add("X-Correlation-ID", "corr-123");

        var answer = (await branch.AllocateAsync("01", "00004", 50 * Billion, CentralBudget, PoorHouseholds, commandId: commandId)).Expect(200);

        var events = (await session.Events.QueryAllRawEvents().Where(e => e.Sequence > lastBefore).ToListAsync(TestContext.Current.CancellationToken))
            .OrderBy(e => e.Sequence)
            .ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(["01/central-budget/poor-households", "00004/central-budget/poor-households"], events.Select(e => e.StreamKey));
        var recordedAt = answer.Json.GetProperty("recordedAt").GetDateTimeOffset();
        foreach (var e in events)
        {
            Assert.Equal("corr-123", e.CorrelationId);
            Assert.Equal("dev-branch-officer-01", e.UserName);
            Assert.NotNull(e.Headers);
            Assert.Equal(commandId.ToString(), Header(e, "commandId"));
            Assert.Equal("dev-branch-officer-01", Header(e, "sub"));
            Assert.Equal("Development branch-officer 01", Header(e, "name"));
            Assert.Equal(Roles.BranchOfficer, Header(e, "role"));
            Assert.Equal(recordedAt, RecordedAtHeader(e));
        }

        var allocated = Assert.IsType<CapitalAllocated>(events[0].Data);
        Assert.Equal(ServiceFixture.Today, allocated.EffectiveOn);
        Assert.Equal(50 * Billion, allocated.AmountVnd);
        var received = Assert.IsType<AllocationReceived>(events[1].Data);
        Assert.Equal(ServiceFixture.Today, received.EffectiveOn);
        Assert.Equal(("01", "00004"), (received.From, received.To));
    }

    [Fact]
    public async Task Without_a_correlation_header_an_event_still_records_a_correlation_id()
    {
        (await Finance.EntrustCentralBudgetAsync(1_000 * Billion)).Expect(200);

        var store = Service.Host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var entrusted = Assert.Single(await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey != LocalityDirectory.StructureStream).ToListAsync(TestContext.Current.CancellationToken));
        Assert.False(string.IsNullOrWhiteSpace(entrusted.CorrelationId));
        Assert.Equal(Roles.CentralFinance, Header(entrusted, "role"));
        Assert.NotNull(RecordedAtHeader(entrusted));
        Assert.Equal(ServiceFixture.Today, Assert.IsType<CentralBudgetEntrusted>(entrusted.Data).EffectiveOn);
    }

    /// <summary>
    /// The <c>recordedAt</c> header: stored as an ISO-8601 string, which Marten's serialiser may read back as a
    /// <see cref="DateTime"/>; either way it is the same instant.
    /// </summary>
    private static DateTimeOffset? RecordedAtHeader(IEvent e) =>
        e.Headers is { } headers && headers.TryGetValue("recordedAt", out var value)
            ? value switch
            {
                DateTimeOffset instant => instant,
                DateTime { Kind: DateTimeKind.Unspecified } time => new DateTimeOffset(time, TimeSpan.Zero),
                DateTime time => new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero),
                _ => DateTimeOffset.Parse(value?.ToString() ?? "", CultureInfo.InvariantCulture),
            }
            : null;

    private static string? Header(IEvent e, string name) =>
        e.Headers is { } headers && headers.TryGetValue(name, out var value) ? value?.ToString() : null;
}
