using System.Globalization;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// API.md, <c>POST /api/reversals</c> and "Reversals follow the money": a reversal appends compensating events
/// that undo one earlier movement, obeys the same invariants as any movement (no fund below zero, effective
/// dates never backwards), and refuses what may not be undone; a refusal appends nothing.
/// </summary>
public sealed class ReversalTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Million = 1_000_000;
    private const long Billion = 1_000_000_000;
    private const string Commune = "00004";

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private HttpClient HanoiBranch => Service.Client(Roles.BranchOfficer, "01");

    [Fact]
    public async Task Reversing_an_entrustment_lowers_the_nations_fund_and_the_balance_check_shows_it_reversed_and_balanced()
    {
        await Service.RecordLedgerScenarioAsync();
        var entrustment = (await Finance.EntrustCentralBudgetAsync(5 * Billion, Students)).Expect(200).CommandId();

        var reversal = (await Finance.ReverseAsync(entrustment)).Expect(200);

        Assert.Equal(1, reversal.Json.GetProperty("events").GetInt32());
        var nation = (await Finance.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own");
        Assert.Equal(0, nation.FundAvailable(CentralBudget, Students));
        Assert.Equal(500 * Billion, nation.FundAvailable(CentralBudget, General));
        var check = await Finance.ReadJsonAsync("/api/ledger/balance-check");
        Assert.Equal(1_025 * Billion, check.Vnd("receivedVnd"));
        Assert.Equal(5 * Billion, check.Vnd("reversedVnd"));
        Assert.Equal(1_020 * Billion, check.Vnd("fundsVnd"));
        Assert.True(check.GetProperty("balanced").GetBoolean());
        Assert.Equal(1_020 * Billion, (await Finance.ReadJsonAsync("/api/capital/summary")).Vnd("totalVnd"));
    }

    [Fact]
    public async Task Reversing_a_top_up_takes_it_out_of_the_Peoples_Committees_statement()
    {
        await Service.RecordLedgerScenarioAsync();
        using var committee = Service.Client(Roles.PeopleCommittee, "01");
        var topUp = (await committee.TopUpLocalBudgetAsync("01", 3 * Billion, JobCreation)).Expect(200).CommandId();

        (await Finance.ReverseAsync(topUp)).Expect(200);

        var statement = await committee.ReadJsonAsync("/api/localities/01/entrusted-funds");
        Assert.Equal(20 * Billion, statement.Vnd("entrustedVnd"));
        Assert.Equal(20 * Billion, statement.Vnd("availableVnd"));
        var check = await Finance.ReadJsonAsync("/api/ledger/balance-check");
        Assert.Equal(1_023 * Billion, check.Vnd("receivedVnd"));
        Assert.Equal(3 * Billion, check.Vnd("reversedVnd"));
        Assert.True(check.GetProperty("balanced").GetBoolean());
    }

    [Fact]
    public async Task Reversing_an_allocation_returns_the_money_to_the_parent()
    {
        await Service.RecordLedgerScenarioAsync();
        var allocation = (await Finance.AllocateAsync("VN", "79", 10 * Billion, CentralBudget, General, toProgramme: Students))
            .Expect(200).CommandId();

        var reversal = (await Finance.ReverseAsync(allocation)).Expect(200);

        Assert.Equal(2, reversal.Json.GetProperty("events").GetInt32());
        var nation = (await Finance.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own");
        Assert.Equal(500 * Billion, nation.FundAvailable(CentralBudget, General));
        var hcmc = (await Finance.ReadJsonAsync("/api/localities/79/capital")).GetProperty("own");
        Assert.Equal(200 * Billion, hcmc.FundAvailable(CentralBudget, Students));
        var students = (await Finance.ReadJsonAsync("/api/localities/79/allocations")).Line("programme", Students);
        Assert.Equal(200 * Billion, students.Vnd("receivedVnd"));
        Assert.Equal(200 * Billion, students.Vnd("availableVnd"));
        var passedDown = (await Finance.ReadJsonAsync("/api/localities/VN/allocations")).Line("programme", General);
        Assert.Equal(500 * Billion, passedDown.Vnd("passedDownVnd"));
        Assert.True((await Finance.ReadJsonAsync("/api/ledger/balance-check")).GetProperty("balanced").GetBoolean());
    }

    [Fact]
    public async Task Reversing_a_branchs_allocation_to_a_commune_returns_the_money_to_the_province()
    {
        await Service.RecordLedgerScenarioAsync();
        var allocation = (await HanoiBranch.AllocateAsync("01", "00008", 7 * Billion, CentralBudget, PoorHouseholds)).Expect(200).CommandId();

        (await Finance.ReverseAsync(allocation)).Expect(200);

        Assert.Equal(250 * Billion, (await HanoiBranch.ReadJsonAsync("/api/localities/01/capital")).GetProperty("own").FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(0, (await HanoiBranch.ReadJsonAsync("/api/localities/00008/capital")).GetProperty("own").Vnd("availableVnd"));
    }

    [Fact]
    public async Task Reversing_an_allocation_whose_money_the_child_already_lent_is_insufficient_funds_and_appends_nothing()
    {
        await Service.RecordLedgerScenarioAsync();
        var allocation = (await HanoiBranch.AllocateAsync("01", "00008", 100 * Million, CentralBudget, PoorHouseholds)).Expect(200).CommandId();
        (await HanoiBranch.DrawDownAsync("00008", CentralBudget, PoorHouseholds, 60 * Million)).Expect(201);
        var eventsBefore = await Service.EventCountAsync();

        (await Finance.ReverseAsync(allocation)).ExpectProblem(409, InsufficientFunds);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        Assert.Equal(40 * Million, (await HanoiBranch.ReadJsonAsync("/api/localities/00008/capital")).GetProperty("own").FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(
            (250 * Billion) - (100 * Million),
            (await HanoiBranch.ReadJsonAsync("/api/localities/01/capital")).GetProperty("own").FundAvailable(CentralBudget, PoorHouseholds));
    }

    [Fact]
    public async Task Reversing_an_allocation_whose_money_the_child_passed_down_is_insufficient_funds_and_appends_nothing()
    {
        await Service.RecordLedgerScenarioAsync();
        var allocation = (await Finance.AllocateAsync("VN", "01", 10 * Billion, CentralBudget, General, toProgramme: Students)).Expect(200).CommandId();
        (await HanoiBranch.AllocateAsync("01", "00008", 6 * Billion, CentralBudget, Students)).Expect(200);
        var eventsBefore = await Service.EventCountAsync();

        (await Finance.ReverseAsync(allocation)).ExpectProblem(409, InsufficientFunds);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        Assert.Equal(4 * Billion, (await HanoiBranch.ReadJsonAsync("/api/localities/01/capital")).GetProperty("own").FundAvailable(CentralBudget, Students));
        Assert.Equal(490 * Billion, (await Finance.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own").FundAvailable(CentralBudget, General));
    }

    [Theory]
    [InlineData("the movement again")]
    [InlineData("the reversal")]
    public async Task A_reversed_movement_and_a_reversal_are_not_reversible_and_nothing_is_appended(string target)
    {
        await Service.RecordLedgerScenarioAsync();
        var entrustment = (await Finance.EntrustCentralBudgetAsync(5 * Billion)).Expect(200).CommandId();
        var reversal = (await Finance.ReverseAsync(entrustment)).Expect(200).CommandId();
        var eventsBefore = await Service.EventCountAsync();

        (await Finance.ReverseAsync(target == "the reversal" ? reversal : entrustment)).ExpectProblem(409, NotReversible);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        var check = await Finance.ReadJsonAsync("/api/ledger/balance-check");
        Assert.Equal(5 * Billion, check.Vnd("reversedVnd"));
        Assert.True(check.GetProperty("balanced").GetBoolean());
    }

    [Fact]
    public async Task A_drawdown_with_repayments_is_reversible_only_after_its_repayments_are_reversed_latest_first()
    {
        await Service.RecordLedgerScenarioAsync();
        var drawdown = await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 100 * Million);
        var loanId = drawdown.LoanId();
        var first = (await HanoiBranch.RepayAsync(loanId, 30 * Million)).Expect(200).CommandId();
        var second = (await HanoiBranch.RepayAsync(loanId, 20 * Million)).Expect(200).CommandId();
        var eventsBefore = await Service.EventCountAsync();
        var refusedReversal = Guid.NewGuid();

        (await Finance.ReverseAsync(drawdown.CommandId(), refusedReversal)).ExpectProblem(409, NotReversible);
        (await Finance.ReverseAsync(first)).ExpectProblem(409, NotReversible);
        Assert.Equal(eventsBefore, await Service.EventCountAsync());

        (await Finance.ReverseAsync(second)).Expect(200);
        Assert.Equal(70 * Million, (await HanoiBranch.ReadLoanAsync(loanId)).Vnd("outstandingVnd"));
        (await Finance.ReverseAsync(drawdown.CommandId())).ExpectProblem(409, NotReversible);
        (await Finance.ReverseAsync(first)).Expect(200);
        var beforeDrawdownReversal = await HanoiBranch.ReadLoanAsync(loanId);
        Assert.Equal((0L, 100 * Million, "active"), (beforeDrawdownReversal.Vnd("repaidVnd"), beforeDrawdownReversal.Vnd("outstandingVnd"), beforeDrawdownReversal.GetProperty("status").GetString()));

        // A refused command leaves no trace: its id may be used again.
        (await Finance.ReverseAsync(drawdown.CommandId(), refusedReversal)).Expect(200);

        var loan = await HanoiBranch.ReadLoanAsync(loanId);
        Assert.Equal("reversed", loan.GetProperty("status").GetString());
        Assert.Equal(0, loan.Vnd("outstandingVnd"));
        Assert.Equal(100 * Million, loan.Vnd("principalVnd"));
        var own = (await HanoiBranch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own");
        Assert.Equal(50 * Billion, own.FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(0, own.FundOutstanding(CentralBudget, PoorHouseholds));
        var allocations = (await HanoiBranch.ReadJsonAsync($"/api/localities/{Commune}/allocations")).Line("programme", PoorHouseholds);
        Assert.Equal((0L, 0L, 50 * Billion), (allocations.Vnd("lentVnd"), allocations.Vnd("repaidVnd"), allocations.Vnd("availableVnd")));
        var check = await Finance.ReadJsonAsync("/api/ledger/balance-check");
        Assert.Equal(0, check.Vnd("loansOutstandingVnd"));
        Assert.Equal(0, check.Vnd("reversedVnd"));
        Assert.True(check.GetProperty("balanced").GetBoolean());
        Assert.Equal(eventsBefore + (2 * 3), await Service.EventCountAsync());
        (await HanoiBranch.RepayAsync(loanId, 1 * Million)).ExpectProblem(409, OverRepayment);
        (await Finance.ReverseAsync(drawdown.CommandId())).ExpectProblem(409, NotReversible);
    }

    [Fact]
    public async Task Reversing_the_repayment_that_repaid_a_loan_makes_it_active_again()
    {
        await Service.RecordLedgerScenarioAsync();
        var loanId = (await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 100 * Million)).LoanId();
        var repayment = (await HanoiBranch.RepayAsync(loanId, 100 * Million)).Expect(200).CommandId();
        Assert.Equal("repaid", (await HanoiBranch.ReadLoanAsync(loanId)).GetProperty("status").GetString());

        (await Finance.ReverseAsync(repayment)).Expect(200);

        var loan = await HanoiBranch.ReadLoanAsync(loanId);
        Assert.Equal(("active", 100 * Million), (loan.GetProperty("status").GetString(), loan.Vnd("outstandingVnd")));
        Assert.Equal(
            (50 * Billion) - (100 * Million),
            (await HanoiBranch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own").FundAvailable(CentralBudget, PoorHouseholds));
        Assert.True((await Finance.ReadJsonAsync("/api/ledger/balance-check")).GetProperty("balanced").GetBoolean());
    }

    [Theory]
    [InlineData("never used")]
    [InlineData("a refused command")]
    public async Task An_unknown_reversed_command_id_is_not_found_and_nothing_is_appended(string which)
    {
        await Service.RecordLedgerScenarioAsync();
        var unknown = Guid.NewGuid();
        if (which == "a refused command")
            (await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 100 * Million, commandId: unknown, termMonths: 500))
                .ExpectProblem(400, ProgrammeLimit);
        var eventsBefore = await Service.EventCountAsync();

        (await Finance.ReverseAsync(unknown)).ExpectProblem(404, NotFound);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData(Roles.BranchOfficer, "01")]
    [InlineData(Roles.PeopleCommittee, "01")]
    [InlineData(Roles.Analyst, null)]
    public async Task Only_central_finance_may_reverse(string role, string? locality)
    {
        await Service.RecordLedgerScenarioAsync();
        var allocation = (await HanoiBranch.AllocateAsync("01", "00008", 7 * Billion, CentralBudget, PoorHouseholds)).Expect(200).CommandId();
        var eventsBefore = await Service.EventCountAsync();
        using var client = Service.Client(role, locality);

        (await client.ReverseAsync(allocation)).ExpectProblem(403, Forbidden);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        Assert.Equal(7 * Billion, (await HanoiBranch.ReadJsonAsync("/api/localities/00008/capital")).GetProperty("own").Vnd("availableVnd"));
    }

    [Theory]
    [InlineData(5, 409)]
    [InlineData(4, 409)]
    [InlineData(3, 200)]
    [InlineData(0, 200)]
    public async Task A_reversal_dated_before_the_last_movement_of_a_fund_it_touches_is_effective_date_too_early(int daysAgo, int status)
    {
        using var finance = Finance;
        var entrustment = (await finance.EntrustCentralBudgetAsync(10 * Billion, effectiveOn: DaysAgo(10))).Expect(200).CommandId();
        (await finance.EntrustCentralBudgetAsync(5 * Billion, effectiveOn: DaysAgo(8))).Expect(200);
        (await finance.AllocateAsync("VN", "01", 1 * Billion, effectiveOn: DaysAgo(3))).Expect(200);
        var eventsBefore = await Service.EventCountAsync();

        var answer = await finance.ReverseAsync(entrustment, effectiveOn: DaysAgo(daysAgo));

        if (status == 409)
        {
            answer.ExpectProblem(409, EffectiveDateTooEarly);
            Assert.Equal(eventsBefore, await Service.EventCountAsync());
        }
        else
        {
            answer.Expect(200);
            Assert.Equal(DaysAgo(daysAgo), answer.Json.GetProperty("effectiveOn").GetString());
            Assert.Equal(eventsBefore + 1, await Service.EventCountAsync());
            Assert.Equal(4 * Billion, (await finance.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own").FundAvailable(CentralBudget, General));
        }
    }

    [Fact]
    public async Task A_reversal_of_a_repayment_dated_before_the_loans_last_movement_is_effective_date_too_early()
    {
        await Service.RecordLedgerScenarioAsync();
        var loanId = (await HanoiBranch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 100 * Million, effectiveOn: DaysAgo(0))).LoanId();
        var repayment = (await HanoiBranch.RepayAsync(loanId, 10 * Million)).Expect(200).CommandId();
        var eventsBefore = await Service.EventCountAsync();

        (await Finance.ReverseAsync(repayment, effectiveOn: DaysAgo(1))).ExpectProblem(409, EffectiveDateTooEarly);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        Assert.Equal(90 * Million, (await HanoiBranch.ReadLoanAsync(loanId)).Vnd("outstandingVnd"));
    }

    private static string DaysAgo(int days) =>
        ServiceFixture.Today.AddDays(-days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
