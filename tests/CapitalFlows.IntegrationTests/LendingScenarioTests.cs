using System.Globalization;
using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The lending issue's "Done when", on top of the ledger scenario: Hà Nội's branch lends commune 00004's
/// poor-households money through the Women's Union, a borrower repays, and 01's People's Committee sees its
/// local budget lent out through job-creation loans; every read agrees on where the money sits.
/// </summary>
public sealed class LendingScenarioTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Million = 1_000_000;
    private const long Billion = 1_000_000_000;
    private const string Commune = "00004";

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private HttpClient HanoiBranch => Service.Client(Roles.BranchOfficer, "01");

    private HttpClient HanoiCommittee => Service.Client(Roles.PeopleCommittee, "01");

    [Fact]
    public async Task Forty_poor_households_loans_of_one_hundred_million_from_commune_00004_are_all_drawn_and_leave_46_billion_available()
    {
        await Service.RecordLedgerScenarioAsync();
        var eventsBefore = await Service.EventCountAsync();

        var answers = new List<Answer>();
        for (var i = 1; i <= 40; i++)
            answers.Add(await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 100 * Million, Borrower(i)));

        Assert.All(answers, a => Assert.Equal(201, a.Status));
        Assert.All(answers, a => Assert.Equal(2, a.Json.GetProperty("events").GetInt32()));
        Assert.Equal(40, answers.Select(a => a.LoanId()).Distinct().Count());
        Assert.All(answers, a => Assert.True(Guid.TryParse(a.LoanId(), out _), $"loanId {a.LoanId()} is not a UUID"));
        Assert.Equal(eventsBefore + 80, await Service.EventCountAsync());

        var own = (await HanoiBranch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own");
        Assert.Equal(46 * Billion, own.FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(4 * Billion, own.FundOutstanding(CentralBudget, PoorHouseholds));
        Assert.Equal(46 * Billion, own.Vnd("availableVnd"));
        Assert.Equal(4 * Billion, own.Vnd("loansOutstandingVnd"));

        var loan = await HanoiBranch.ReadLoanAsync(answers[6].LoanId());
        Assert.Equal(answers[6].LoanId(), loan.GetProperty("loanId").GetString());
        Assert.Equal(Commune, loan.GetProperty("locality").GetString());
        Assert.Equal(CentralBudget, loan.GetProperty("source").GetString());
        Assert.Equal(PoorHouseholds, loan.GetProperty("programme").GetString());
        Assert.Equal(100 * Million, loan.Vnd("principalVnd"));
        Assert.Equal(0, loan.Vnd("repaidVnd"));
        Assert.Equal(100 * Million, loan.Vnd("outstandingVnd"));
        Assert.Equal("active", loan.GetProperty("status").GetString());
        Assert.Equal(WomensUnion, loan.GetProperty("entrustedOrganisation").GetString());
        Assert.Equal(Borrower(7), loan.GetProperty("borrowerRef").GetString());
        Assert.Equal(60, loan.GetProperty("termMonths").GetInt32());
        Assert.Equal(Today, loan.GetProperty("drawnOn").GetString());
    }

    [Theory]
    [InlineData(150_000_000, 60)]
    [InlineData(100_000_001, 60)]
    [InlineData(100_000_000, 121)]
    public async Task A_poor_households_loan_above_the_programme_caps_is_refused_as_a_programme_limit_and_appends_nothing(long amountVnd, int termMonths)
    {
        await Service.RecordLedgerScenarioAsync();
        var eventsBefore = await Service.EventCountAsync();

        (await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, amountVnd, termMonths: termMonths))
            .ExpectProblem(400, ProgrammeLimit);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        var own = (await HanoiBranch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own");
        Assert.Equal(50 * Billion, own.FundAvailable(CentralBudget, PoorHouseholds));
    }

    [Fact]
    public async Task A_loan_at_the_programme_caps_is_lent()
    {
        await Service.RecordLedgerScenarioAsync();

        var loanId = (await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 100 * Million, termMonths: 120)).LoanId();

        Assert.Equal(120, (await HanoiBranch.ReadLoanAsync(loanId)).GetProperty("termMonths").GetInt32());
    }

    [Fact]
    public async Task A_repayment_lowers_what_is_outstanding_and_returns_the_money_to_the_fund_it_came_from()
    {
        var lent = await RecordLendingAsync(repay: false);

        var answer = (await HanoiBranch.RepayAsync(lent.PoorHouseholds[0], 30 * Million)).Expect(200);

        Assert.Equal(70 * Million, answer.Json.Vnd("outstandingVnd"));
        Assert.Equal(2, answer.Json.GetProperty("events").GetInt32());
        var loan = await HanoiBranch.ReadLoanAsync(lent.PoorHouseholds[0]);
        Assert.Equal(100 * Million, loan.Vnd("principalVnd"));
        Assert.Equal(30 * Million, loan.Vnd("repaidVnd"));
        Assert.Equal(70 * Million, loan.Vnd("outstandingVnd"));
        Assert.Equal("active", loan.GetProperty("status").GetString());
        var own = (await HanoiBranch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own");
        Assert.Equal(46_030 * Million, own.FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(3_970 * Million, own.FundOutstanding(CentralBudget, PoorHouseholds));
        var other = await HanoiBranch.ReadLoanAsync(lent.PoorHouseholds[1]);
        Assert.Equal(100 * Million, other.Vnd("outstandingVnd"));
    }

    [Fact]
    public async Task The_Peoples_Committee_of_01_sees_its_local_budget_lent_out_through_job_creation_loans()
    {
        await RecordLendingAsync(repay: true);

        var statement = await HanoiCommittee.ReadJsonAsync("/api/localities/01/entrusted-funds");

        Assert.Equal("01", statement.GetProperty("locality").GetString());
        Assert.Equal(20 * Billion, statement.Vnd("entrustedVnd"));
        Assert.Equal(2 * Billion, statement.Vnd("lentVnd"));
        Assert.Equal(0, statement.Vnd("repaidVnd"));
        Assert.Equal(2 * Billion, statement.Vnd("outstandingVnd"));
        Assert.Equal(18 * Billion, statement.Vnd("availableVnd"));
        var jobCreation = statement.GetProperty("byProgramme").Line("programme", JobCreation);
        Assert.Equal("Cho vay giải quyết việc làm", jobCreation.GetProperty("programmeName").GetString());
        Assert.Equal((20 * Billion, 2 * Billion, 0L, 2 * Billion, 18 * Billion), Figures(jobCreation));
        Assert.Single(statement.GetProperty("byProgramme").EnumerateArray());
        var thisYear = statement.GetProperty("byYear").EnumerateArray().Single(l => l.GetProperty("year").GetInt32() == ServiceFixture.Today.Year);
        Assert.Equal((20 * Billion, 2 * Billion, 0L, 2 * Billion, 18 * Billion), YearFigures(thisYear));

        var ofThisYear = await HanoiCommittee.ReadJsonAsync(
            $"/api/localities/01/entrusted-funds?year={ServiceFixture.Today.Year.ToString(CultureInfo.InvariantCulture)}");
        Assert.Equal((20 * Billion, 2 * Billion, 0L, 2 * Billion, 18 * Billion), Figures(ofThisYear));
        var ofLastYear = await HanoiCommittee.ReadJsonAsync(
            $"/api/localities/01/entrusted-funds?year={(ServiceFixture.Today.Year - 1).ToString(CultureInfo.InvariantCulture)}");
        Assert.Equal((0L, 0L, 0L, 0L, 0L), Figures(ofLastYear));
    }

    [Fact]
    public async Task The_job_creation_loans_come_out_of_01s_local_budget_and_leave_its_central_budget_alone()
    {
        await RecordLendingAsync(repay: true);

        var own = (await HanoiBranch.ReadJsonAsync("/api/localities/01/capital")).GetProperty("own");

        Assert.Equal(18 * Billion, own.FundAvailable(LocalBudget, JobCreation));
        Assert.Equal(2 * Billion, own.FundOutstanding(LocalBudget, JobCreation));
        Assert.Equal(250 * Billion, own.FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(0, own.FundOutstanding(CentralBudget, PoorHouseholds));
        Assert.Equal(268 * Billion, own.Vnd("availableVnd"));
        Assert.Equal(2 * Billion, own.Vnd("loansOutstandingVnd"));
    }

    [Fact]
    public async Task The_allocations_of_00004_show_what_was_lent_and_repaid_and_the_utilisation()
    {
        await RecordLendingAsync(repay: true);

        var allocations = await HanoiBranch.ReadJsonAsync($"/api/localities/{Commune}/allocations");

        var poor = allocations.Line("programme", PoorHouseholds);
        Assert.Equal(50 * Billion, poor.Vnd("receivedVnd"));
        Assert.Equal(0, poor.Vnd("passedDownVnd"));
        Assert.Equal(4 * Billion, poor.Vnd("lentVnd"));
        Assert.Equal(30 * Million, poor.Vnd("repaidVnd"));
        Assert.Equal(46_030 * Million, poor.Vnd("availableVnd"));
        Assert.Equal(3_970.0 / 50_000.0, poor.GetProperty("utilisation").GetDouble(), 1e-12);
        Assert.Single(allocations.EnumerateArray());

        var hanoi = (await HanoiBranch.ReadJsonAsync("/api/localities/01/allocations")).Line("programme", JobCreation);
        Assert.Equal(20 * Billion, hanoi.Vnd("receivedVnd"));
        Assert.Equal(2 * Billion, hanoi.Vnd("lentVnd"));
        Assert.Equal(18 * Billion, hanoi.Vnd("availableVnd"));
        Assert.Equal(0.1, hanoi.GetProperty("utilisation").GetDouble(), 1e-12);
    }

    [Fact]
    public async Task The_balance_check_stays_balanced_counting_loans_outstanding_and_the_capital_summary_counts_them()
    {
        await RecordLendingAsync(repay: true);
        const long outstanding = (4 * Billion) - (30 * Million) + (2 * Billion);

        var check = await Finance.ReadJsonAsync("/api/ledger/balance-check");
        Assert.Equal(1_020 * Billion, check.Vnd("receivedVnd"));
        Assert.Equal(0, check.Vnd("reversedVnd"));
        Assert.Equal(outstanding, check.Vnd("loansOutstandingVnd"));
        Assert.Equal((1_020 * Billion) - outstanding, check.Vnd("fundsVnd"));
        Assert.True(check.GetProperty("balanced").GetBoolean());

        var summary = await Finance.ReadJsonAsync("/api/capital/summary");
        Assert.Equal(1_020 * Billion, summary.Vnd("totalVnd"));
        Assert.Equal(outstanding, summary.Vnd("loansOutstandingVnd"));
        Assert.Equal((1_020 * Billion) - outstanding, summary.Vnd("availableVnd"));
        var hanoi = summary.GetProperty("byProvince").Line("code", "01");
        Assert.Equal(320 * Billion, hanoi.Vnd("totalVnd"));
        Assert.Equal(outstanding, hanoi.Vnd("loansOutstandingVnd"));
        var poor = summary.GetProperty("byProgramme").Line("code", PoorHouseholds);
        Assert.Equal(300 * Billion, poor.Vnd("totalVnd"));
        Assert.Equal((4 * Billion) - (30 * Million), poor.Vnd("loansOutstandingVnd"));
        var local = summary.GetProperty("bySource").Line("code", LocalBudget);
        Assert.Equal(2 * Billion, local.Vnd("loansOutstandingVnd"));
        Assert.Equal(18 * Billion, local.Vnd("availableVnd"));

        var subtree = (await HanoiBranch.ReadJsonAsync("/api/localities/01/capital")).GetProperty("subtree");
        Assert.Equal(outstanding, subtree.Vnd("loansOutstandingVnd"));
        Assert.Equal((320 * Billion) - outstanding, subtree.Vnd("availableVnd"));
    }

    [Fact]
    public async Task A_loan_repaid_in_full_reads_repaid_and_a_further_repayment_is_an_over_repayment_that_appends_nothing()
    {
        var lent = await RecordLendingAsync(repay: true);
        var loanId = lent.PoorHouseholds[0];

        (await HanoiBranch.RepayAsync(loanId, 50 * Million)).Expect(200);
        var last = (await HanoiBranch.RepayAsync(loanId, 20 * Million)).Expect(200);
        Assert.Equal(0, last.Json.Vnd("outstandingVnd"));
        var loan = await HanoiBranch.ReadLoanAsync(loanId);
        Assert.Equal("repaid", loan.GetProperty("status").GetString());
        Assert.Equal(100 * Million, loan.Vnd("repaidVnd"));
        Assert.Equal(0, loan.Vnd("outstandingVnd"));
        var eventsBefore = await Service.EventCountAsync();

        (await HanoiBranch.RepayAsync(loanId, 1)).ExpectProblem(409, OverRepayment);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        Assert.Equal("repaid", (await HanoiBranch.ReadLoanAsync(loanId)).GetProperty("status").GetString());
        var own = (await HanoiBranch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own");
        Assert.Equal(46_100 * Million, own.FundAvailable(CentralBudget, PoorHouseholds));
    }

    [Theory]
    [InlineData(70_000_001)]
    [InlineData(100_000_000)]
    [InlineData(1_000_000_000_000)]
    public async Task A_repayment_above_what_is_outstanding_is_an_over_repayment_and_appends_nothing(long amountVnd)
    {
        var lent = await RecordLendingAsync(repay: true);
        var eventsBefore = await Service.EventCountAsync();

        (await HanoiBranch.RepayAsync(lent.PoorHouseholds[0], amountVnd)).ExpectProblem(409, OverRepayment);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        var loan = await HanoiBranch.ReadLoanAsync(lent.PoorHouseholds[0]);
        Assert.Equal(70 * Million, loan.Vnd("outstandingVnd"));
        Assert.Equal("active", loan.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_drawdown_that_names_its_loan_id_uses_it_and_the_same_loan_id_under_another_command_is_a_validation_error()
    {
        await Service.RecordLedgerScenarioAsync();
        var loanId = Guid.NewGuid();

        var answer = await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 80 * Million, loanId: loanId);

        Assert.Equal(loanId.ToString(), answer.LoanId());
        Assert.Equal(80 * Million, (await HanoiBranch.ReadLoanAsync(loanId.ToString())).Vnd("principalVnd"));
        var eventsBefore = await Service.EventCountAsync();

        var again = (await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 90 * Million, loanId: loanId))
            .ExpectProblem(400, Validation);

        Assert.True(again.Json.GetProperty("errors").TryGetProperty("loanId", out _), again.Body);
        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        Assert.Equal(80 * Million, (await HanoiBranch.ReadLoanAsync(loanId.ToString())).Vnd("principalVnd"));
        var own = (await HanoiBranch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own");
        Assert.Equal((50 * Billion) - (80 * Million), own.FundAvailable(CentralBudget, PoorHouseholds));
    }

    [Fact]
    public async Task A_drawdown_sent_again_with_the_same_command_id_answers_the_same_loan_and_lends_once()
    {
        await Service.RecordLedgerScenarioAsync();
        var commandId = Guid.NewGuid();

        var first = await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 80 * Million, "HN-RETRY", commandId: commandId);
        var eventsAfterFirst = await Service.EventCountAsync();
        var retry = await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 80 * Million, "HN-RETRY", commandId: commandId);

        Assert.Equal(201, retry.Status);
        Assert.Equal(first.Body, retry.Body);
        Assert.Equal(first.LoanId(), retry.LoanId());
        Assert.Equal(eventsAfterFirst, await Service.EventCountAsync());
        var own = (await HanoiBranch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own");
        Assert.Equal((50 * Billion) - (80 * Million), own.FundAvailable(CentralBudget, PoorHouseholds));
    }

    [Theory]
    [InlineData(Roles.CentralFinance, null, "VN", CentralBudget)]
    [InlineData(Roles.BranchOfficer, "01", "01", LocalBudget)]
    [InlineData(Roles.BranchOfficer, "01", Commune, LocalBudget)]
    [InlineData(Roles.BranchOfficer, "01", Commune, CentralBudget)]
    public async Task General_money_is_not_lendable_and_nothing_is_appended(string role, string? scope, string locality, string source)
    {
        await Service.RecordLedgerScenarioAsync();
        using var finance = Finance;
        (await finance.TopUpLocalBudgetAsync("01", 10 * Billion)).Expect(200);
        (await finance.TopUpLocalBudgetAsync(Commune, 1 * Billion)).Expect(200);
        using var client = Service.Client(role, scope);
        var eventsBefore = await Service.EventCountAsync();

        (await client.DrawDownAsync(locality, source, General, 10 * Million)).ExpectProblem(400, NotLendable);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("drawdown")]
    [InlineData("repayment")]
    public async Task A_movement_dated_before_the_last_movement_of_its_fund_is_effective_date_too_early_and_appends_nothing(string movement)
    {
        var lent = await RecordLendingAsync(repay: true);
        var yesterday = ServiceFixture.Today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var eventsBefore = await Service.EventCountAsync();

        var answer = movement == "drawdown"
            ? await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 10 * Million, effectiveOn: yesterday)
            : await HanoiBranch.RepayAsync(lent.PoorHouseholds[1], 10 * Million, effectiveOn: yesterday);

        answer.ExpectProblem(409, EffectiveDateTooEarly);
        Assert.Equal(eventsBefore, await Service.EventCountAsync());
    }

    /// <summary>
    /// The ledger scenario, then 40 poor-households loans of 100M at 00004 and two job-creation loans of 1bn
    /// from 01's local budget; with <paramref name="repay"/>, 30M repaid on the first poor-households loan.
    /// </summary>
    private async Task<Lent> RecordLendingAsync(bool repay)
    {
        await Service.RecordLedgerScenarioAsync();
        using var branch = HanoiBranch;
        var poor = new List<string>();
        for (var i = 1; i <= 40; i++)
            poor.Add((await branch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 100 * Million, Borrower(i))).LoanId());
        var jobs = new List<string>();
        for (var i = 1; i <= 2; i++)
            jobs.Add((await branch.DrawDownAsync("01", LocalBudget, JobCreation, 1 * Billion, $"JOB-{i:D2}", termMonths: 36)).LoanId());
        if (repay)
            (await branch.RepayAsync(poor[0], 30 * Million)).Expect(200);
        return new Lent(poor, jobs);
    }

    private static string Borrower(int i) => $"HN-00004-{i:D3}";

    private static string Today => ServiceFixture.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static (long, long, long, long, long) YearFigures(JsonElement line) =>
        (line.Vnd("entrustedInYearVnd"), line.Vnd("lentInYearVnd"), line.Vnd("repaidInYearVnd"),
            line.Vnd("outstandingAtYearEndVnd"), line.Vnd("availableAtYearEndVnd"));

    private static (long, long, long, long, long) Figures(JsonElement line) =>
        (line.Vnd("entrustedVnd"), line.Vnd("lentVnd"), line.Vnd("repaidVnd"), line.Vnd("outstandingVnd"), line.Vnd("availableVnd"));

    private sealed record Lent(IReadOnlyList<string> PoorHouseholds, IReadOnlyList<string> JobCreation);
}
