using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Loans.Repaying;
using CapitalFlows.Localities;
using CapitalFlows.Security;

namespace CapitalFlows.Tests;

public sealed class RepayingTests
{
    private static readonly DateOnly Earlier = new(2025, 8, 1);
    private static readonly DateOnly Drawn = new(2025, 8, 20);
    private static readonly DateOnly On = new(2025, 9, 15);

    private static readonly Guid LoanId = Guid.Parse("0c8d3f7e-52a1-4b6e-8f90-1a2b3c4d5e6f");
    private static readonly Guid FirstRepaymentId = Guid.Parse("11111111-1111-4111-8111-111111111111");
    private static readonly FundKey BaDinhCharityStudents = new("00004", Sources.Charity, "students");

    private static readonly LoanDrawnDown Drawdown80Million =
        new(LoanId, "00004", Sources.Charity, "students", 80_000_000, "ST-2025-17", "youth-union", null, 48, Drawn);

    /// <summary>Ba Đình's charity fund for students: 200 million donated, 80 million of it lent on the loan.</summary>
    private static Fund BaDinhFundAfterTheDrawdown() => Given.Fund(BaDinhCharityStudents,
        new CharityDonationReceived("00004", "students", 200_000_000, "Quỹ Vì người nghèo", null, Earlier),
        new CapitalLent(LoanId, "00004", Sources.Charity, "students", 80_000_000, Drawn));

    private static RepayLoan Repayment(long amountVnd, Guid? repaymentId = null) => new(repaymentId ?? Guid.NewGuid(), amountVnd, null);

    private static Decision Decide(RepayLoan command, Loan loan) =>
        RepayLoanEndpoint.Decide(command, loan, Given.States(BaDinhFundAfterTheDrawdown()), On);

    [Fact]
    public void A_repayment_lowers_the_loan_and_returns_the_money_to_the_fund_the_loan_came_from()
    {
        var repaymentId = Guid.NewGuid();

        var decision = Decide(Repayment(30_000_000, repaymentId), Given.Loan(Drawdown80Million));

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [
                new StreamEvent(LoanId.ToString(), new LoanRepaid(LoanId, repaymentId, 30_000_000, On)),
                new StreamEvent("00004/charity/students",
                    new RepaymentReceived(LoanId, repaymentId, "00004", Sources.Charity, "students", 30_000_000, On)),
            ],
            decision.Events);
        Assert.Equal(50_000_000, decision.OutstandingVnd);
    }

    [Fact]
    public void After_a_repayment_the_fund_holds_it_again_and_the_loan_owes_that_much_less()
    {
        var decision = Decide(Repayment(30_000_000), Given.Loan(Drawdown80Million));

        var fund = BaDinhFundAfterTheDrawdown().Evolve(decision.Events[1].Event);
        var loan = Given.Loan(Drawdown80Million, decision.Events[0].Event);
        Assert.Equal(150_000_000, fund.AvailableVnd);
        Assert.Equal(50_000_000, fund.LoansOutstandingVnd);
        Assert.Equal(50_000_000, loan.OutstandingVnd);
        Assert.Equal(LoanStatus.Active, loan.Status);
    }

    [Fact]
    public void Repaying_exactly_what_is_outstanding_leaves_nothing_outstanding_and_the_loan_repaid()
    {
        var loan = Given.Loan(Drawdown80Million, new LoanRepaid(LoanId, FirstRepaymentId, 30_000_000, Drawn));

        var decision = Decide(Repayment(50_000_000), loan);

        Assert.Null(decision.Refusal);
        Assert.Equal(0, decision.OutstandingVnd);
        var after = loan.Evolve(decision.Events[0].Event);
        Assert.Equal(LoanStatus.Repaid, after.Status);
        Assert.Equal(0, after.OutstandingVnd);
        Assert.Equal(80_000_000, after.RepaidVnd);
    }

    [Fact]
    public void Repaying_more_than_is_outstanding_is_refused_as_over_repayment_and_appends_nothing()
    {
        var loan = Given.Loan(Drawdown80Million, new LoanRepaid(LoanId, FirstRepaymentId, 30_000_000, Drawn));

        var decision = Decide(Repayment(50_000_001), loan);

        Assert.Equal("/problems/over-repayment", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal?.Status);
        Assert.Empty(decision.Events);
        Assert.Null(decision.OutstandingVnd);
    }

    [Fact]
    public void Repaying_more_than_the_principal_of_a_new_loan_is_refused_as_over_repayment()
    {
        var decision = Decide(Repayment(80_000_001), Given.Loan(Drawdown80Million));

        Assert.Equal("/problems/over-repayment", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal?.Status);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Repaying_a_loan_that_is_already_repaid_is_refused_as_over_repayment()
    {
        var repaid = Given.Loan(Drawdown80Million, new LoanRepaid(LoanId, FirstRepaymentId, 80_000_000, Drawn));

        var decision = Decide(Repayment(1), repaid);

        Assert.Equal("/problems/over-repayment", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal?.Status);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Repaying_a_loan_whose_drawdown_was_reversed_is_refused_as_over_repayment()
    {
        var reversed = Given.Loan(Drawdown80Million, new LoanDrawdownReversed(LoanId, Guid.NewGuid(), 80_000_000, "Entered twice", Drawn));

        var decision = Decide(Repayment(1), reversed);

        Assert.Equal("/problems/over-repayment", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal?.Status);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void A_loan_whose_only_repayment_was_reversed_can_be_repaid_again_in_full()
    {
        var loan = Given.Loan(Drawdown80Million,
            new LoanRepaid(LoanId, FirstRepaymentId, 80_000_000, Drawn),
            new LoanRepaymentReversed(LoanId, FirstRepaymentId, 80_000_000, "Cheque bounced", Drawn));

        var decision = Decide(Repayment(80_000_000), loan);

        Assert.Null(decision.Refusal);
        Assert.Equal(0, decision.OutstandingVnd);
    }

    [Fact]
    public void A_branch_officer_is_refused_under_the_locks_when_the_loan_is_no_longer_in_scope_there_and_nothing_is_decided()
    {
        // The endpoint let Ba Đình's branch officer in on the loan it found; by the time the command held its locks, the
        // loan read there sat in another province (as after a merge).
        var localities = LocalityDirectory.LoadEmbedded();
        var officer = new Caller("bo-1", "Trần Thị B", Roles.BranchOfficer, "01");
        var decided = 0;
        Decision DecideOn(Loan loan)
        {
            decided++;
            return Decide(Repayment(30_000_000), loan);
        }

        var inHaNoi = LoanInRoute.InScope(officer, On, localities, Given.Loan(Drawdown80Million), DecideOn);
        var movedAway = LoanInRoute.InScope(officer, On, localities, Given.Loan(Drawdown80Million) with { Locality = "79" }, DecideOn);

        Assert.Null(inHaNoi.Refusal);
        Assert.Equal(403, movedAway.Refusal?.Status);
        Assert.Empty(movedAway.Events);
        Assert.Equal(1, decided);
    }
}
