using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Loans.DrawingDown;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;

namespace CapitalFlows.Tests;

public sealed class DrawingDownTests
{
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();
    private static readonly ProgrammeCatalogue Programmes = ProgrammeCatalogue.LoadEmbedded();
    private static readonly DateOnly Today = new(2026, 12, 5);
    private static readonly DateOnly Earlier = new(2025, 8, 1);
    private static readonly DateOnly On = new(2025, 9, 15);

    private static readonly Guid LoanId = Guid.Parse("6f1c2a4e-0b7d-4c55-9a31-2d8e5f7a9b10");
    private static readonly FundKey HaNoiPoor = new("01", Sources.CentralBudget, "poor-households");

    /// <summary>Hà Nội's poor-households central-budget fund, holding 500 million received from the nation.</summary>
    private static Fund HaNoiPoorHolding500Million() => Given.Fund(HaNoiPoor,
        new AllocationReceived("VN", "01", Sources.CentralBudget, "poor-households", "poor-households", 500_000_000, "QD-1", Earlier));

    private static DrawDownLoan Command(long amountVnd, string locality = "01", string programme = "poor-households") =>
        new(Guid.NewGuid(), LoanId, locality, Sources.CentralBudget, programme, amountVnd, "HH-0042", "womens-union", "SG-7", 60, null);

    private static Decision Decide(DrawDownLoan command, LedgerState state) =>
        DrawDownLoanEndpoint.Decide(command, LoanId, state, On, Localities);

    [Fact]
    public void Drawing_down_from_a_funded_programme_fund_lends_from_the_fund_and_opens_the_loan_stream()
    {
        var decision = Decide(Command(80_000_000), Given.Ledger(Given.States(HaNoiPoorHolding500Million())));

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [
                new StreamEvent("01/central-budget/poor-households",
                    new CapitalLent(LoanId, "01", Sources.CentralBudget, "poor-households", 80_000_000, On)),
                new StreamEvent(LoanId.ToString(),
                    new LoanDrawnDown(LoanId, "01", Sources.CentralBudget, "poor-households", 80_000_000, "HH-0042", "womens-union", "SG-7", 60, On)),
            ],
            decision.Events);
        Assert.Equal(LoanId, decision.LoanId);
    }

    [Fact]
    public void After_a_drawdown_the_fund_holds_less_by_the_principal_and_the_loan_owes_all_of_it()
    {
        var decision = Decide(Command(80_000_000), Given.Ledger(Given.States(HaNoiPoorHolding500Million())));

        var fund = HaNoiPoorHolding500Million().Evolve(decision.Events[0].Event);
        var loan = Given.Loan(decision.Events[1].Event);
        Assert.Equal(420_000_000, fund.AvailableVnd);
        Assert.Equal(80_000_000, fund.LoansOutstandingVnd);
        Assert.Equal(LoanId.ToString(), loan.Id);
        Assert.Equal(80_000_000, loan.OutstandingVnd);
        Assert.Equal(LoanStatus.Active, loan.Status);
        Assert.Equal(On, loan.DrawnOn);
    }

    [Fact]
    public void Drawing_down_exactly_what_the_fund_holds_is_allowed()
    {
        const long poorHouseholdsCap = 100_000_000;
        var fund = Given.Fund(HaNoiPoor,
            new AllocationReceived("VN", "01", Sources.CentralBudget, "poor-households", "poor-households", poorHouseholdsCap, "QD-1", Earlier));

        var decision = Decide(Command(poorHouseholdsCap), Given.Ledger(Given.States(fund)));

        Assert.Null(decision.Refusal);
        Assert.Equal(0, fund.Evolve(decision.Events[0].Event).AvailableVnd);
    }

    [Fact]
    public void Drawing_down_more_than_the_fund_holds_is_refused_as_insufficient_funds_and_appends_nothing()
    {
        var fund = Given.Fund(HaNoiPoor,
            new AllocationReceived("VN", "01", Sources.CentralBudget, "poor-households", "poor-households", 50_000_000, "QD-1", Earlier));

        var decision = Decide(Command(50_000_001), Given.Ledger(Given.States(fund)));

        Assert.Equal("/problems/insufficient-funds", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal?.Status);
        Assert.Empty(decision.Events);
        Assert.Null(decision.LoanId);
    }

    [Fact]
    public void Drawing_down_from_a_fund_whose_money_is_already_lent_is_refused_as_insufficient_funds()
    {
        var fund = HaNoiPoorHolding500Million().Evolve(
            new CapitalLent(Guid.NewGuid(), "01", Sources.CentralBudget, "poor-households", 450_000_000, Earlier));

        var decision = Decide(Command(60_000_000), Given.Ledger(Given.States(fund)));

        Assert.Equal("/problems/insufficient-funds", decision.Refusal?.Type);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Drawing_down_with_a_loan_id_already_in_use_is_refused_as_a_validation_error_on_loanId()
    {
        var existing = Given.Loan(
            new LoanDrawnDown(LoanId, "01", Sources.CentralBudget, "poor-households", 10_000_000, "HH-0001", "farmers-association", null, 36, Earlier));

        var decision = Decide(Command(80_000_000), Given.Ledger(Given.States(HaNoiPoorHolding500Million()), [existing]));

        Assert.Equal("/problems/validation", decision.Refusal?.Type);
        Assert.Equal(400, decision.Refusal?.Status);
        var errors = Assert.IsType<IReadOnlyDictionary<string, string[]>>(decision.Refusal?.Extensions["errors"], exactMatch: false);
        Assert.True(errors.ContainsKey("loanId"));
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Drawing_down_in_a_province_merged_on_2025_07_01_is_refused_as_locality_closed_naming_its_successor()
    {
        var yenBaiPoor = Given.Fund(new FundKey("10", Sources.CentralBudget, "poor-households"),
            new AllocationReceived("VN", "10", Sources.CentralBudget, "poor-households", "poor-households", 500_000_000, "QD-1", new DateOnly(2025, 6, 1)));

        var decision = Decide(Command(80_000_000, locality: "10"), Given.Ledger(Given.States(yenBaiPoor)));

        Assert.Equal("/problems/locality-closed", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal?.Status);
        Assert.Equal("15", decision.Refusal?.Extensions["successor"]);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void General_capital_is_not_lendable()
    {
        var refusal = LendingRules.RefuseIfNotLendable(Programme.General, 10_000_000, 12, Today, Programmes);

        Assert.Equal("/problems/not-lendable", refusal?.Type);
        Assert.Equal(400, refusal?.Status);
    }

    [Fact]
    public void A_poor_households_loan_above_its_100_million_cap_is_refused_as_programme_limit()
    {
        var refusal = LendingRules.RefuseIfNotLendable("poor-households", 150_000_000, 60, Today, Programmes);

        Assert.Equal("/problems/programme-limit", refusal?.Type);
        Assert.Equal(400, refusal?.Status);
    }

    [Fact]
    public void A_poor_households_loan_of_exactly_its_cap_and_longest_term_is_lendable()
    {
        Assert.Null(LendingRules.RefuseIfNotLendable("poor-households", 100_000_000, 120, Today, Programmes));
    }

    [Fact]
    public void A_term_above_the_programmes_longest_is_refused_as_programme_limit()
    {
        var refusal = LendingRules.RefuseIfNotLendable("poor-households", 50_000_000, 121, Today, Programmes);

        Assert.Equal("/problems/programme-limit", refusal?.Type);
        Assert.Equal(400, refusal?.Status);
    }

    [Fact]
    public void A_clean_water_loan_just_above_its_25_million_cap_is_refused_as_programme_limit()
    {
        var refusal = LendingRules.RefuseIfNotLendable("clean-water-sanitation", 25_000_001, 60, Today, Programmes);

        Assert.Equal("/problems/programme-limit", refusal?.Type);
    }

    [Fact]
    public void A_clean_water_loan_of_20_million_is_judged_by_the_cap_of_its_effective_date()
    {
        var before = LendingRules.RefuseIfNotLendable("clean-water-sanitation", 20_000_000, 60, new DateOnly(2024, 6, 1), Programmes);
        var lastDayOfOldCap = LendingRules.RefuseIfNotLendable("clean-water-sanitation", 20_000_000, 60, new DateOnly(2024, 9, 1), Programmes);
        var firstDayOfNewCap = LendingRules.RefuseIfNotLendable("clean-water-sanitation", 20_000_000, 60, new DateOnly(2024, 9, 2), Programmes);

        Assert.Equal("/problems/programme-limit", before?.Type);
        Assert.Contains("10000000", before?.Detail, StringComparison.Ordinal);
        Assert.Equal("/problems/programme-limit", lastDayOfOldCap?.Type);
        Assert.Null(firstDayOfNewCap);
        Assert.Null(LendingRules.RefuseIfNotLendable("clean-water-sanitation", 20_000_000, 60, new DateOnly(2024, 10, 1), Programmes));
    }

    [Fact]
    public void The_post_prison_programme_does_not_lend_before_it_opened_on_1_August_2023()
    {
        var before = LendingRules.RefuseIfNotLendable("post-prison-reintegration", 50_000_000, 36, new DateOnly(2023, 7, 31), Programmes);

        Assert.Equal("/problems/not-lendable", before?.Type);
        Assert.Contains("2023-08-01", before?.Detail, StringComparison.Ordinal);
        Assert.Null(LendingRules.RefuseIfNotLendable("post-prison-reintegration", 50_000_000, 36, new DateOnly(2023, 8, 1), Programmes));
    }

    [Fact]
    public void Every_programme_but_general_has_a_cap_and_a_term_today()
    {
        Assert.All(Programmes.All.Where(p => p.Code != Programme.General), p =>
        {
            Assert.NotNull(p.RulesOn(Today));
            Assert.NotNull(p.MaxLoanVnd);
            Assert.NotNull(p.MaxTermMonths);
        });
        Assert.Null(Programmes.Find(Programme.General)!.RulesOn(Today));
    }

    [Fact]
    public void A_student_loan_is_capped_at_4_million_a_month_for_six_years_of_study()
    {
        Assert.Null(LendingRules.RefuseIfNotLendable("students", 288_000_000, 144, Today, Programmes));
        Assert.Equal("/problems/programme-limit", LendingRules.RefuseIfNotLendable("students", 288_000_001, 144, Today, Programmes)?.Type);
        Assert.Equal("/problems/programme-limit", LendingRules.RefuseIfNotLendable("students", 100_000_000, 145, Today, Programmes)?.Type);
    }
}
