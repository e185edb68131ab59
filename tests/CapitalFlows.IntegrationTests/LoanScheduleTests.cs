using System.Globalization;
using System.Text.Json;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Issue 12 over HTTP: a loan's repayment schedule and the principal overdue on it (a reading, on both time axes),
/// extensions and write-offs with their reversals, and the balance check with written-off principal per source.
/// </summary>
public sealed class LoanScheduleTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Million = 1_000_000;
    private const long Billion = 1_000_000_000;

    private static readonly DateOnly VnToday = VietnamCalendar.Today(TimeProvider.System);

    /// <summary>Drawn nine months ago, so its first instalment (at six months) fell due three months ago.</summary>
    private static readonly DateOnly Drawn = VnToday.AddMonths(-9);

    private static readonly DateOnly FirstDue = Drawn.AddMonths(6);

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private HttpClient Branch => Service.Client(Roles.BranchOfficer, "01");

    private static string D(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Poor-households capital at 01 from before the drawdown, and a 24-month loan of 60 million repaid every 6 months.</summary>
    private async Task<string> DrawTheLoanAsync(int termMonths = 24, long amountVnd = 60 * Million)
    {
        (await Finance.EntrustCentralBudgetAsync(10 * Billion, PoorHouseholds, effectiveOn: D(Drawn.AddDays(-2)))).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 1 * Billion, CentralBudget, PoorHouseholds, effectiveOn: D(Drawn.AddDays(-1)))).Expect(200);
        return (await Branch.DrawDownAsync("01", CentralBudget, PoorHouseholds, amountVnd, termMonths: termMonths, effectiveOn: D(Drawn))).LoanId();
    }

    private Task<JsonElement> LoanAsync(string loanId, string query = "") => Branch.ReadJsonAsync($"/api/loans/{loanId}{query}");

    private static Task<Answer> ExtendAsync(HttpClient client, string loanId, object body) => client.PostJsonAsync($"/api/loans/{loanId}/extensions", body);

    private static Task<Answer> WriteOffAsync(HttpClient client, string loanId, object body) => client.PostJsonAsync($"/api/loans/{loanId}/write-offs", body);

    [Fact]
    public async Task A_loan_shows_its_schedule_maturity_and_nothing_overdue_before_an_instalment_falls_due()
    {
        var loanId = await DrawTheLoanAsync(termMonths: 15);

        var loan = await LoanAsync(loanId, $"?asOf={D(FirstDue)}");

        var schedule = loan.GetProperty("schedule").EnumerateArray().ToList();
        Assert.Equal([D(Drawn.AddMonths(6)), D(Drawn.AddMonths(12)), D(Drawn.AddMonths(15))], schedule.Select(i => i.GetProperty("dueOn").GetString()));
        Assert.Equal([20 * Million, 20 * Million, 20 * Million], schedule.Select(i => i.Vnd("principalVnd")));
        Assert.All(schedule, i => Assert.Equal(0, i.Vnd("paidVnd")));
        Assert.Equal(D(Drawn.AddMonths(15)), loan.GetProperty("maturityOn").GetString());
        Assert.Equal(0, loan.Vnd("overdueVnd"));
        Assert.Equal(0, loan.Vnd("writtenOffVnd"));
    }

    [Fact]
    public async Task A_loan_that_misses_an_instalment_is_overdue_from_the_day_after_it_fell_due_and_not_before_as_of_both_dates()
    {
        var loanId = await DrawTheLoanAsync();
        var beforeRepayment = DateTimeOffset.UtcNow;
        await Task.Delay(50, TestContext.Current.CancellationToken);
        var late = FirstDue.AddDays(10);
        var repaid = (await Branch.RepayAsync(loanId, 10 * Million, effectiveOn: D(late))).Expect(200);

        Assert.Equal(0, (await LoanAsync(loanId, $"?asOf={D(FirstDue)}")).Vnd("overdueVnd"));
        Assert.Equal(15 * Million, (await LoanAsync(loanId, $"?asOf={D(FirstDue.AddDays(1))}")).Vnd("overdueVnd"));
        Assert.Equal(5 * Million, (await LoanAsync(loanId, $"?asOf={D(late)}")).Vnd("overdueVnd"));
        Assert.Equal(5 * Million, (await LoanAsync(loanId)).Vnd("overdueVnd"));
        // Known before the repayment was recorded, the whole instalment is still overdue today.
        var known = Uri.EscapeDataString(beforeRepayment.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        Assert.Equal(15 * Million, (await LoanAsync(loanId, $"?knownAt={known}")).Vnd("overdueVnd"));
        Assert.Equal(5 * Million, repaid.Json.GetProperty("loan").Vnd("overdueVnd"));
        Assert.Equal([10 * Million, 0, 0, 0], (await LoanAsync(loanId)).GetProperty("schedule").EnumerateArray().Select(i => i.Vnd("paidVnd")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-6)]
    [InlineData(25)]
    public async Task A_repayment_period_of_zero_below_zero_or_above_the_term_is_a_validation_problem_and_appends_nothing(int everyMonths)
    {
        (await Finance.EntrustCentralBudgetAsync(10 * Billion, PoorHouseholds)).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 1 * Billion, CentralBudget, PoorHouseholds)).Expect(200);
        var eventsBefore = await Service.EventCountAsync();

        var answer = await Branch.PostJsonAsync("/api/loans", new
        {
            commandId = Guid.NewGuid(), locality = "01", source = CentralBudget, programme = PoorHouseholds, amountVnd = 10 * Million,
            borrowerRef = "HH-1", entrustedOrganisation = WomensUnion, termMonths = 24, repaymentEveryMonths = everyMonths,
        });

        answer.ExpectProblem(400, Validation);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty("repaymentEveryMonths", out _), answer.ToString());
        Assert.Equal(eventsBefore, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_loan_drawn_with_a_repayment_period_falls_due_by_it_with_the_remainder_at_maturity()
    {
        (await Finance.EntrustCentralBudgetAsync(10 * Billion, PoorHouseholds)).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 1 * Billion, CentralBudget, PoorHouseholds)).Expect(200);

        var answer = await Branch.PostJsonAsync("/api/loans", new
        {
            commandId = Guid.NewGuid(), locality = "01", source = CentralBudget, programme = PoorHouseholds, amountVnd = 10 * Million,
            borrowerRef = "HH-1", entrustedOrganisation = WomensUnion, termMonths = 15, repaymentEveryMonths = 6,
        });

        var loan = await LoanAsync(answer.LoanId());
        Assert.Equal(6, loan.GetProperty("repaymentEveryMonths").GetInt32());
        Assert.Equal([3_333_333, 3_333_333, 3_333_334], loan.GetProperty("schedule").EnumerateArray().Select(i => i.Vnd("principalVnd")));
    }

    [Fact]
    public async Task An_extension_moves_the_unpaid_instalments_and_the_maturity_so_nothing_is_overdue_and_its_reversal_moves_them_back()
    {
        var loanId = await DrawTheLoanAsync();
        Assert.Equal(15 * Million, (await LoanAsync(loanId)).Vnd("overdueVnd"));

        var extended = (await ExtendAsync(Branch, loanId, new { commandId = Guid.NewGuid(), months = 6, reason = "Flood damage" })).Expect(200);

        Assert.Equal(0, extended.Json.GetProperty("loan").Vnd("overdueVnd"));
        var loan = await LoanAsync(loanId);
        Assert.Equal(0, loan.Vnd("overdueVnd"));
        Assert.Equal(D(Drawn.AddMonths(30)), loan.GetProperty("maturityOn").GetString());
        Assert.Equal(D(FirstDue.AddMonths(6)), loan.GetProperty("schedule")[0].GetProperty("dueOn").GetString());

        (await Finance.ReverseAsync(extended.CommandId())).Expect(200);
        Assert.Equal(15 * Million, (await LoanAsync(loanId)).Vnd("overdueVnd"));
        Assert.Equal(D(Drawn.AddMonths(24)), (await LoanAsync(loanId)).GetProperty("maturityOn").GetString());
    }

    [Fact]
    public async Task Extensions_past_the_original_term_are_refused_as_extension_limit_and_append_nothing()
    {
        var loanId = await DrawTheLoanAsync();
        (await ExtendAsync(Branch, loanId, new { commandId = Guid.NewGuid(), months = 20, reason = "Flood damage" })).Expect(200);
        var eventsBefore = await Service.EventCountAsync();

        (await ExtendAsync(Branch, loanId, new { commandId = Guid.NewGuid(), months = 5, reason = "Again" }))
            .ExpectProblem(409, "/problems/extension-limit");

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        (await ExtendAsync(Branch, loanId, new { commandId = Guid.NewGuid(), months = 4, reason = "Again" })).Expect(200);
    }

    [Fact]
    public async Task Bad_extensions_are_refused_and_append_nothing()
    {
        var loanId = await DrawTheLoanAsync();
        var eventsBefore = await Service.EventCountAsync();

        (await ExtendAsync(Branch, loanId, new { commandId = Guid.NewGuid(), months = 0, reason = "x" })).ExpectProblem(400, Validation);
        (await ExtendAsync(Branch, loanId, new { commandId = Guid.NewGuid(), months = -3, reason = "x" })).ExpectProblem(400, Validation);
        (await ExtendAsync(Branch, loanId, new { commandId = Guid.NewGuid(), months = 3 })).ExpectProblem(400, Validation);
        (await ExtendAsync(Branch, loanId, new { commandId = Guid.NewGuid(), months = 3, reason = "x", monts = 3 })).ExpectProblem(400, Validation);
        (await ExtendAsync(Branch, Guid.NewGuid().ToString(), new { commandId = Guid.NewGuid(), months = 3, reason = "x" })).ExpectProblem(404, NotFound);
        using var otherProvince = Service.Client(Roles.BranchOfficer, "79");
        (await ExtendAsync(otherProvince, loanId, new { commandId = Guid.NewGuid(), months = 3, reason = "x" })).ExpectProblem(403, Forbidden);
        using var committee = Service.Client(Roles.PeopleCommittee, "01");
        Assert.Equal(403, (await ExtendAsync(committee, loanId, new { commandId = Guid.NewGuid(), months = 3, reason = "x" })).Status);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_write_off_lowers_outstanding_raises_no_fund_and_keeps_the_balance_check_balanced_per_source()
    {
        var loanId = await DrawTheLoanAsync();
        (await Branch.RepayAsync(loanId, 10 * Million)).Expect(200);
        var availableBefore = (await Branch.ReadJsonAsync("/api/localities/01/capital")).GetProperty("own").FundAvailable(CentralBudget, PoorHouseholds);

        var written = (await WriteOffAsync(Finance, loanId, new { commandId = Guid.NewGuid(), amountVnd = 50 * Million, cause = "death", decisionRef = "QĐ 12/2026" }))
            .Expect(200);

        Assert.Equal(0, written.Json.GetProperty("loan").Vnd("outstandingVnd"));
        Assert.Equal("written-off", written.Json.GetProperty("loan").GetProperty("status").GetString());
        var loan = await LoanAsync(loanId);
        Assert.Equal(50 * Million, loan.Vnd("writtenOffVnd"));
        Assert.Equal(0, loan.Vnd("outstandingVnd"));
        Assert.Equal(0, loan.Vnd("overdueVnd"));
        var own = (await Branch.ReadJsonAsync("/api/localities/01/capital")).GetProperty("own");
        Assert.Equal(availableBefore, own.FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(0, own.FundOutstanding(CentralBudget, PoorHouseholds));
        var allocations = (await Branch.ReadJsonAsync("/api/localities/01/allocations")).EnumerateArray().Single(r => r.GetProperty("programme").GetString() == PoorHouseholds);
        Assert.Equal(50 * Million, allocations.Vnd("writtenOffVnd"));

        var check = await Finance.ReadJsonAsync("/api/ledger/balance-check");
        Assert.True(check.GetProperty("balanced").GetBoolean(), check.ToString());
        Assert.Equal(50 * Million, check.Vnd("writtenOffVnd"));
        var central = check.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("source").GetString() == CentralBudget);
        Assert.True(central.GetProperty("balanced").GetBoolean());
        Assert.Equal(50 * Million, central.Vnd("writtenOffVnd"));
        Assert.Equal(10 * Billion, central.Vnd("fundsVnd") + central.Vnd("loansOutstandingVnd") + 50 * Million);

        // As of the day before, nothing was written off.
        var yesterday = await LoanAsync(loanId, $"?asOf={D(VnToday.AddDays(-1))}");
        Assert.Equal(0, yesterday.Vnd("writtenOffVnd"));
    }

    [Fact]
    public async Task A_write_off_is_reversible_while_it_is_the_loans_latest_movement()
    {
        var loanId = await DrawTheLoanAsync();
        var written = (await WriteOffAsync(Finance, loanId, new { commandId = Guid.NewGuid(), amountVnd = 20 * Million, cause = "natural-disaster", decisionRef = "QĐ 13/2026" }))
            .Expect(200);

        (await Finance.ReverseAsync(written.CommandId())).Expect(200);

        var loan = await LoanAsync(loanId);
        Assert.Equal(60 * Million, loan.Vnd("outstandingVnd"));
        Assert.Equal("active", loan.GetProperty("status").GetString());
        Assert.True((await Finance.ReadJsonAsync("/api/ledger/balance-check")).GetProperty("balanced").GetBoolean());

        var again = (await WriteOffAsync(Finance, loanId, new { commandId = Guid.NewGuid(), amountVnd = 20 * Million, cause = "epidemic", decisionRef = "QĐ 14/2026" })).Expect(200);
        (await Branch.RepayAsync(loanId, 1 * Million)).Expect(200);
        (await Finance.ReverseAsync(again.CommandId())).ExpectProblem(409, NotReversible);
    }

    [Fact]
    public async Task Bad_write_offs_are_refused_and_append_nothing()
    {
        var loanId = await DrawTheLoanAsync();
        var eventsBefore = await Service.EventCountAsync();

        (await WriteOffAsync(Finance, loanId, new { commandId = Guid.NewGuid(), amountVnd = 60 * Million + 1, cause = "death", decisionRef = "QĐ" }))
            .ExpectProblem(409, "/problems/write-off-exceeds-outstanding");
        (await WriteOffAsync(Finance, loanId, new { commandId = Guid.NewGuid(), amountVnd = 1 * Million, cause = "bankruptcy", decisionRef = "QĐ" }))
            .ExpectProblem(400, Validation);
        (await WriteOffAsync(Finance, loanId, new { commandId = Guid.NewGuid(), amountVnd = 0, cause = "death", decisionRef = "QĐ" }))
            .ExpectProblem(400, Validation);
        (await WriteOffAsync(Finance, loanId, new { commandId = Guid.NewGuid(), amountVnd = 1 * Million, cause = "death" }))
            .ExpectProblem(400, Validation);
        (await WriteOffAsync(Finance, Guid.NewGuid().ToString(), new { commandId = Guid.NewGuid(), amountVnd = 1 * Million, cause = "death", decisionRef = "QĐ" }))
            .ExpectProblem(404, NotFound);
        Assert.Equal(403, (await WriteOffAsync(Branch, loanId, new { commandId = Guid.NewGuid(), amountVnd = 1 * Million, cause = "death", decisionRef = "QĐ" })).Status);
        Assert.Equal(eventsBefore, await Service.EventCountAsync());

        (await Branch.RepayAsync(loanId, 60 * Million)).Expect(200);
        var repaidEvents = await Service.EventCountAsync();
        (await WriteOffAsync(Finance, loanId, new { commandId = Guid.NewGuid(), amountVnd = 1, cause = "death", decisionRef = "QĐ" }))
            .ExpectProblem(409, "/problems/write-off-exceeds-outstanding");
        Assert.Equal(repaidEvents, await Service.EventCountAsync());
    }
}
