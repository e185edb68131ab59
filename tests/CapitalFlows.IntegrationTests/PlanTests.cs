using System.Globalization;
using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Credit plans and local capital plans over HTTP (API.md, second edition, Plans and credit quality): actual against
/// plan for province 01 this year, on both time axes, invariant 12 (also under concurrency), bad input, roles and scope.
/// </summary>
public sealed class PlanTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Million = 1_000_000;
    private const string PlanExceedsParent = "/problems/plan-exceeds-parent";
    private static readonly int Year = ServiceFixture.Today.Year;
    private static readonly string LastYearDecember = $"{Year - 1}-12";
    private static readonly string NewYearsDay = $"{Year}-01-01";

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private HttpClient Branch => Service.Client(Roles.BranchOfficer, "01");

    private HttpClient Committee => Service.Client(Roles.PeopleCommittee, "01");

    private static Task<Answer> PlanAsync(HttpClient client, string locality, long outstanding, long disbursement, int? year = null, string programme = PoorHouseholds) =>
        client.PostJsonAsync("/api/credit-plans", new
        {
            commandId = Guid.NewGuid(),
            year = year ?? Year,
            locality,
            programme,
            outstandingTargetVnd = outstanding,
            disbursementTargetVnd = disbursement,
            decisionRef = "QĐ-NHCS kế hoạch tín dụng",
        });

    private static Task<Answer> LocalPlanAsync(HttpClient client, string locality, long amountVnd) =>
        client.PostJsonAsync("/api/local-capital-plans", new
        {
            commandId = Guid.NewGuid(),
            year = Year,
            locality,
            amountVnd,
            decisionRef = "NQ-HĐND kế hoạch vốn ủy thác",
        });

    /// <summary>
    /// Last December: 600m for poor households reaches Hà Nội and its communes 00004 and 00008, and 80m is lent in
    /// 00004; the committee entrusts 1bn of local budget. This year: 50m lent in 00004, 70m and 40m in 00008 on New
    /// Year's Day; today 30m of last year's loan and 10m of the 70m are repaid, and the committee entrusts 5bn.
    /// Outstanding now 80 − 30 + 50 + 70 − 10 + 40 = 200m; lent this year 50 + 70 + 40 = 160m; entrusted this year 5bn.
    /// </summary>
    private async Task RecordHanoiHistoryAsync()
    {
        (await Finance.EntrustCentralBudgetAsync(1_000 * Million, PoorHouseholds, effectiveOn: $"{LastYearDecember}-01")).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 600 * Million, programme: PoorHouseholds, effectiveOn: $"{LastYearDecember}-02")).Expect(200);
        (await Finance.AllocateAsync("01", "00004", 300 * Million, programme: PoorHouseholds, effectiveOn: $"{LastYearDecember}-03")).Expect(200);
        (await Finance.AllocateAsync("01", "00008", 200 * Million, programme: PoorHouseholds, effectiveOn: $"{LastYearDecember}-03")).Expect(200);
        var lastYears = (await Branch.DrawDownAsync("00004", CentralBudget, PoorHouseholds, 80 * Million, effectiveOn: $"{LastYearDecember}-10")).LoanId();
        (await Committee.PostJsonAsync("/api/capital/local-budget-top-ups", new
        {
            commandId = Guid.NewGuid(), locality = "01", amountVnd = 1_000 * Million, decisionRef = "NQ-HĐND", effectiveOn = $"{LastYearDecember}-15",
        })).Expect(200);

        (await Branch.DrawDownAsync("00004", CentralBudget, PoorHouseholds, 50 * Million, effectiveOn: NewYearsDay)).Expect(201);
        var seventy = (await Branch.DrawDownAsync("00008", CentralBudget, PoorHouseholds, 70 * Million, effectiveOn: NewYearsDay)).LoanId();
        (await Branch.DrawDownAsync("00008", CentralBudget, PoorHouseholds, 40 * Million, effectiveOn: NewYearsDay)).Expect(201);
        (await Branch.RepayAsync(lastYears, 30 * Million)).Expect(200);
        (await Branch.RepayAsync(seventy, 10 * Million)).Expect(200);
        (await Committee.TopUpLocalBudgetAsync("01", 5_000 * Million)).Expect(200);
    }

    private static (long? Target, long Actual, double? Pct) Figures(JsonElement achievement) => (
        achievement.GetProperty("targetVnd").ValueKind == JsonValueKind.Null ? null : achievement.Vnd("targetVnd"),
        achievement.Vnd("actualVnd"),
        achievement.GetProperty("pct").ValueKind == JsonValueKind.Null ? null : achievement.GetProperty("pct").GetDouble());

    private static string At(DateTimeOffset instant) =>
        Uri.EscapeDataString(instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));

    [Fact]
    public async Task The_plan_of_01_this_year_sets_its_targets_beside_the_actuals_of_the_log()
    {
        await RecordHanoiHistoryAsync();
        (await PlanAsync(Finance, "VN", 10_000 * Million, 5_000 * Million)).Expect(200);
        (await PlanAsync(Finance, "01", 400 * Million, 200 * Million)).Expect(200);
        (await PlanAsync(Branch, "00004", 150 * Million, 100 * Million)).Expect(200);
        (await LocalPlanAsync(Committee, "01", 4_000 * Million)).Expect(200);

        var plan = await Service.Client(Roles.Analyst).ReadJsonAsync($"/api/localities/01/plan?year={Year}");

        Assert.Equal("Thành phố Hà Nội", plan.GetProperty("localityName").GetString());
        Assert.Equal(Year, plan.GetProperty("year").GetInt32());
        var poor = Assert.Single(plan.GetProperty("programmes").EnumerateArray());
        Assert.Equal(PoorHouseholds, poor.GetProperty("programme").GetString());
        Assert.Equal((400 * Million, 200 * Million, 50.0), Figures(poor.GetProperty("outstanding")));
        Assert.Equal((200 * Million, 160 * Million, 80.0), Figures(poor.GetProperty("disbursement")));
        Assert.Equal((400 * Million, 200 * Million, 50.0), Figures(plan.GetProperty("total").GetProperty("outstanding")));
        var local = plan.GetProperty("localCapital");
        Assert.Equal((4_000 * Million, 5_000 * Million, 125.0), (local.Vnd("plannedVnd"), local.Vnd("entrustedVnd"), local.GetProperty("pct").GetDouble()));

        // The same outstanding as the capital read of Hà Nội's subtree.
        var capital = await Finance.ReadJsonAsync("/api/localities/01/capital");
        Assert.Equal(capital.GetProperty("subtree").FundOutstanding(CentralBudget, PoorHouseholds), poor.GetProperty("outstanding").Vnd("actualVnd"));

        // A commune's plan against its own loans: 00004 has 50m of last year's 80m and this year's 50m outstanding.
        var baDinh = await Branch.ReadJsonAsync($"/api/localities/00004/plan?year={Year}");
        var row = Assert.Single(baDinh.GetProperty("programmes").EnumerateArray());
        Assert.Equal((150 * Million, 100 * Million, 66.7), Figures(row.GetProperty("outstanding")));
        Assert.Equal((100 * Million, 50 * Million, 50.0), Figures(row.GetProperty("disbursement")));

        var provinces = await Finance.ReadJsonAsync($"/api/capital/plans?year={Year}");
        var rows = provinces.GetProperty("provinces").EnumerateArray().ToList();
        Assert.Equal(34, rows.Count);
        var hanoi = rows.Single(r => r.GetProperty("locality").GetString() == "01");
        Assert.Equal((400 * Million, 200 * Million, 50.0), Figures(hanoi.GetProperty("outstanding")));
        Assert.Equal((200 * Million, 160 * Million, 80.0), Figures(hanoi.GetProperty("disbursement")));
        Assert.Equal(125.0, hanoi.GetProperty("localCapital").GetProperty("pct").GetDouble());
        var hue = rows.Single(r => r.GetProperty("locality").GetString() == "46");
        Assert.Equal((null, 0L, null), Figures(hue.GetProperty("outstanding")));
    }

    [Fact]
    public async Task Last_year_as_of_its_end_counts_last_years_lending_only()
    {
        await RecordHanoiHistoryAsync();

        var plan = await Finance.ReadJsonAsync($"/api/localities/01/plan?year={Year - 1}&asOf={Year}-{ServiceFixture.Today:MM-dd}");

        Assert.Equal($"{Year - 1}-12-31", plan.GetProperty("asOf").GetString());
        var poor = Assert.Single(plan.GetProperty("programmes").EnumerateArray());
        Assert.Equal((null, 80 * Million, null), Figures(poor.GetProperty("outstanding")));
        Assert.Equal((null, 80 * Million, null), Figures(poor.GetProperty("disbursement")));
        Assert.Equal(1_000 * Million, plan.GetProperty("localCapital").Vnd("entrustedVnd"));
    }

    [Fact]
    public async Task A_plan_adjusted_later_is_not_seen_as_known_at_an_instant_before_the_adjustment()
    {
        await RecordHanoiHistoryAsync();
        (await PlanAsync(Finance, "01", 400 * Million, 200 * Million)).Expect(200);
        (await LocalPlanAsync(Finance, "01", 4_000 * Million)).Expect(200);
        await Task.Delay(20, TestContext.Current.CancellationToken);
        var before = DateTimeOffset.UtcNow;
        await Task.Delay(20, TestContext.Current.CancellationToken);
        var adjusted = (await PlanAsync(Finance, "01", 500 * Million, 250 * Million)).Expect(200);
        (await LocalPlanAsync(Committee, "01", 10_000 * Million)).Expect(200);

        var then = await Finance.ReadJsonAsync($"/api/localities/01/plan?year={Year}&knownAt={At(before)}");
        var now = await Finance.ReadJsonAsync($"/api/localities/01/plan?year={Year}");

        Assert.Equal((400 * Million, 200 * Million, 50.0), Figures(then.GetProperty("total").GetProperty("outstanding")));
        Assert.Equal(4_000 * Million, then.GetProperty("localCapital").Vnd("plannedVnd"));
        Assert.Equal((500 * Million, 200 * Million, 40.0), Figures(now.GetProperty("total").GetProperty("outstanding")));
        Assert.Equal(50.0, now.GetProperty("localCapital").GetProperty("pct").GetDouble());

        // Both the plan and its adjustment stay in the log, the adjustment with the targets it replaced.
        var log = (await Finance.GetAnswerAsync("/api/events")).Expect(200).Body;
        Assert.Contains("CreditPlanSet", log, StringComparison.Ordinal);
        Assert.Contains("CreditPlanAdjusted", log, StringComparison.Ordinal);
        Assert.Contains("\"previousOutstandingTargetVnd\":400000000", log, StringComparison.Ordinal);
        Assert.Contains("LocalCapitalPlanAdjusted", log, StringComparison.Ordinal);
        Assert.Equal(1, adjusted.Json.GetProperty("events").GetInt32());
    }

    [Fact]
    public async Task A_child_above_what_its_parent_leaves_and_a_parent_below_its_children_are_refused_and_append_nothing()
    {
        (await PlanAsync(Finance, "01", 400 * Million, 200 * Million)).Expect(200);
        (await PlanAsync(Branch, "00004", 300 * Million, 100 * Million)).Expect(200);
        var count = await Service.EventCountAsync();

        (await PlanAsync(Branch, "00008", 100 * Million + 1, 100 * Million)).ExpectProblem(409, PlanExceedsParent);
        (await PlanAsync(Finance, "01", 300 * Million, 100 * Million - 1)).ExpectProblem(409, PlanExceedsParent);
        (await PlanAsync(Finance, "VN", 399 * Million, 200 * Million)).ExpectProblem(409, PlanExceedsParent);
        Assert.Equal(count, await Service.EventCountAsync());

        // What is left is allowed, to the đồng; a parent raised makes room.
        (await PlanAsync(Branch, "00008", 100 * Million, 100 * Million)).Expect(200);
        (await PlanAsync(Finance, "01", 500 * Million, 300 * Million)).Expect(200);
        (await PlanAsync(Branch, "00008", 200 * Million, 200 * Million)).Expect(200);
    }

    [Fact]
    public async Task Communes_racing_for_what_their_province_leaves_never_add_up_to_more_than_its_plan()
    {
        (await PlanAsync(Finance, "01", 100 * Million, 100 * Million)).Expect(200);
        string[] communes = ["00004", "00008", "00025", "00070", "00082", "00091", "00097", "00103", "00118", "00127"];

        var answers = await AllAtOnceAsync(communes.Select(c => (Func<Task<Answer>>)(() => PlanAsync(Branch, c, 20 * Million, 10 * Million))));

        Assert.Equal($"5 × 200, 5 × 409 {PlanExceedsParent}", Tally(answers));
    }

    [Fact]
    public async Task A_province_lowered_while_its_communes_are_planned_never_ends_below_them()
    {
        (await PlanAsync(Finance, "01", 100 * Million, 100 * Million)).Expect(200);
        (await PlanAsync(Branch, "00004", 50 * Million, 50 * Million)).Expect(200);

        var answers = await AllAtOnceAsync([
            () => PlanAsync(Finance, "01", 60 * Million, 60 * Million),
            () => PlanAsync(Branch, "00008", 40 * Million, 40 * Million),
        ]);

        // Whichever came first, the other is judged on what it left: exactly one of them is refused.
        Assert.Equal($"1 × 200, 1 × 409 {PlanExceedsParent}", Tally(answers));
    }

    public static TheoryData<string, object> BadCreditPlans => new()
    {
        { "year", new { commandId = Guid.NewGuid(), year = 1999, locality = "01", programme = PoorHouseholds, outstandingTargetVnd = 1, disbursementTargetVnd = 1, decisionRef = "QĐ" } },
        { "year", new { commandId = Guid.NewGuid(), year = Year + 2, locality = "01", programme = PoorHouseholds, outstandingTargetVnd = 1, disbursementTargetVnd = 1, decisionRef = "QĐ" } },
        { "year", new { commandId = Guid.NewGuid(), locality = "01", programme = PoorHouseholds, outstandingTargetVnd = 1, disbursementTargetVnd = 1, decisionRef = "QĐ" } },
        { "outstandingTargetVnd", new { commandId = Guid.NewGuid(), year = Year, locality = "01", programme = PoorHouseholds, outstandingTargetVnd = -1, disbursementTargetVnd = 1, decisionRef = "QĐ" } },
        { "disbursementTargetVnd", new { commandId = Guid.NewGuid(), year = Year, locality = "01", programme = PoorHouseholds, outstandingTargetVnd = 1, disbursementTargetVnd = -5, decisionRef = "QĐ" } },
        { "locality", new { commandId = Guid.NewGuid(), year = Year, locality = "99999", programme = PoorHouseholds, outstandingTargetVnd = 1, disbursementTargetVnd = 1, decisionRef = "QĐ" } },
        { "programme", new { commandId = Guid.NewGuid(), year = Year, locality = "01", programme = "lottery", outstandingTargetVnd = 1, disbursementTargetVnd = 1, decisionRef = "QĐ" } },
        { "programme", new { commandId = Guid.NewGuid(), year = Year, locality = "01", programme = General, outstandingTargetVnd = 1, disbursementTargetVnd = 1, decisionRef = "QĐ" } },
        { "decisionRef", new { commandId = Guid.NewGuid(), year = Year, locality = "01", programme = PoorHouseholds, outstandingTargetVnd = 1, disbursementTargetVnd = 1 } },
        { "commandId", new { year = Year, locality = "01", programme = PoorHouseholds, outstandingTargetVnd = 1, disbursementTargetVnd = 1, decisionRef = "QĐ" } },
        { "decisonRef", new { commandId = Guid.NewGuid(), year = Year, locality = "01", programme = PoorHouseholds, outstandingTargetVnd = 1, disbursementTargetVnd = 1, decisionRef = "QĐ", decisonRef = "QĐ" } },
        { "year", new { commandId = Guid.NewGuid(), year = "2026", locality = "01", programme = PoorHouseholds, outstandingTargetVnd = 1, disbursementTargetVnd = 1, decisionRef = "QĐ" } },
        { "year", new { commandId = Guid.NewGuid(), year = 1e12, locality = "01", programme = PoorHouseholds, outstandingTargetVnd = 1, disbursementTargetVnd = 1, decisionRef = "QĐ" } },
        { "outstandingTargetVnd", new { commandId = Guid.NewGuid(), year = Year, locality = "01", programme = PoorHouseholds, outstandingTargetVnd = 1_000_000_000_000_001, disbursementTargetVnd = 1, decisionRef = "QĐ" } },
    };

    [Theory]
    [MemberData(nameof(BadCreditPlans))]
    public async Task A_bad_credit_plan_is_400_naming_the_field_and_appends_nothing(string field, object body)
    {
        var count = await Service.EventCountAsync();

        var answer = (await Finance.PostJsonAsync("/api/credit-plans", body)).ExpectProblem(400, Validation);

        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.Body);
        Assert.Equal(count, await Service.EventCountAsync());
    }

    public static TheoryData<string, object> BadLocalCapitalPlans => new()
    {
        { "amountVnd", new { commandId = Guid.NewGuid(), year = Year, locality = "01", amountVnd = -1, decisionRef = "NQ" } },
        { "year", new { commandId = Guid.NewGuid(), year = 1990, locality = "01", amountVnd = 1, decisionRef = "NQ" } },
        { "locality", new { commandId = Guid.NewGuid(), year = Year, locality = "00004", amountVnd = 1, decisionRef = "NQ" } },
        { "locality", new { commandId = Guid.NewGuid(), year = Year, locality = "VN", amountVnd = 1, decisionRef = "NQ" } },
        { "decisionRef", new { commandId = Guid.NewGuid(), year = Year, locality = "01", amountVnd = 1, decisionRef = " " } },
    };

    [Theory]
    [MemberData(nameof(BadLocalCapitalPlans))]
    public async Task A_bad_local_capital_plan_is_400_naming_the_field_and_appends_nothing(string field, object body)
    {
        var count = await Service.EventCountAsync();

        var answer = (await Finance.PostJsonAsync("/api/local-capital-plans", body)).ExpectProblem(400, Validation);

        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.Body);
        Assert.Equal(count, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_plan_is_not_a_movement_and_is_not_reversed()
    {
        var plan = (await PlanAsync(Finance, "01", 1, 1)).Expect(200);
        var count = await Service.EventCountAsync();

        (await Finance.ReverseAsync(plan.CommandId())).ExpectProblem(409, NotReversible);
        Assert.Equal(count, await Service.EventCountAsync());
    }

    [Fact]
    public async Task Plans_for_a_merged_province_are_refused_as_locality_closed_and_append_nothing()
    {
        var count = await Service.EventCountAsync();

        // 02 Hà Giang was merged into 08 Tuyên Quang on 2025-07-01.
        (await PlanAsync(Finance, "02", 1, 1)).ExpectProblem(409, "/problems/locality-closed");
        (await LocalPlanAsync(Finance, "02", 1)).ExpectProblem(409, "/problems/locality-closed");
        Assert.Equal(count, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("year=1999")]
    [InlineData("year=abc")]
    [InlineData("asOf=2026-13-01")]
    [InlineData("knownAt=yesterday")]
    public async Task A_bad_plan_read_is_400(string query)
    {
        (await Finance.GetAnswerAsync($"/api/localities/01/plan?{query}")).ExpectProblem(400, Validation);
        (await Finance.GetAnswerAsync($"/api/capital/plans?{query}")).ExpectProblem(400, Validation);
    }

    [Fact]
    public async Task Roles_and_scope_are_refused_with_403_and_append_nothing()
    {
        var count = await Service.EventCountAsync();

        // A committee does not set credit plans; a branch officer plans communes only, and only its own province's.
        (await PlanAsync(Committee, "01", 1, 1)).ExpectProblem(403, Forbidden);
        (await PlanAsync(Branch, "01", 1, 1)).ExpectProblem(403, Forbidden);
        (await PlanAsync(Branch, "25747", 1, 1)).ExpectProblem(403, Forbidden);
        // A committee plans its own province's local capital; a branch officer none.
        (await LocalPlanAsync(Service.Client(Roles.PeopleCommittee, "79"), "01", 1)).ExpectProblem(403, Forbidden);
        (await LocalPlanAsync(Branch, "01", 1)).ExpectProblem(403, Forbidden);
        (await PlanAsync(Service.Client(Roles.Analyst), "01", 1, 1)).ExpectProblem(403, Forbidden);
        Assert.Equal(count, await Service.EventCountAsync());

        // Reads: scope as capital; every province's row is for central finance and analysts.
        (await Service.Client(Roles.PeopleCommittee, "79").GetAnswerAsync("/api/localities/01/plan")).ExpectProblem(403, Forbidden);
        (await Branch.GetAnswerAsync("/api/capital/plans")).ExpectProblem(403, Forbidden);
        (await Committee.GetAnswerAsync("/api/capital/plans")).ExpectProblem(403, Forbidden);
        (await Committee.GetAnswerAsync("/api/localities/01/plan")).Expect(200);
        (await Service.Client(Roles.Analyst).GetAnswerAsync("/api/capital/plans")).Expect(200);
    }
}
