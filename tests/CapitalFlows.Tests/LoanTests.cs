using CapitalFlows.Funds;
using CapitalFlows.Loans;

namespace CapitalFlows.Tests;

public sealed class LoanTests
{
    private static readonly DateOnly Drawn = new(2025, 8, 20);
    private static readonly DateOnly September = new(2025, 9, 1);
    private static readonly DateOnly October = new(2025, 10, 1);
    private static readonly DateOnly November = new(2025, 11, 1);

    private static readonly Guid LoanId = Guid.Parse("3d6f0a1b-9c2e-4d7f-8a5b-6c1e2f3a4b5d");
    private static readonly Guid First = Guid.Parse("aaaaaaaa-0000-4000-8000-000000000001");
    private static readonly Guid Second = Guid.Parse("bbbbbbbb-0000-4000-8000-000000000002");

    private static readonly LoanDrawnDown Drawdown80Million =
        new(LoanId, "00004", Sources.CentralBudget, "poor-households", 80_000_000, "HH-0042", "farmers-association", "SG-3", 36, Drawn);

    [Fact]
    public void A_new_loan_owes_its_whole_principal_and_is_active()
    {
        var loan = Given.Loan(Drawdown80Million);

        Assert.Equal(LoanId.ToString(), loan.Id);
        Assert.Equal("00004", loan.Locality);
        Assert.Equal(Sources.CentralBudget, loan.Source);
        Assert.Equal("poor-households", loan.Programme);
        Assert.Equal(80_000_000, loan.PrincipalVnd);
        Assert.Equal(0, loan.RepaidVnd);
        Assert.Equal(80_000_000, loan.OutstandingVnd);
        Assert.Equal(LoanStatus.Active, loan.Status);
        Assert.Equal("farmers-association", loan.EntrustedOrganisation);
        Assert.Equal("HH-0042", loan.BorrowerRef);
        Assert.Equal("SG-3", loan.SavingsGroup);
        Assert.Equal(36, loan.TermMonths);
        Assert.Equal(Drawn, loan.DrawnOn);
        Assert.Equal(Drawn, loan.LastMovementOn);
        Assert.Empty(loan.Repayments);
    }

    [Fact]
    public void Repayments_add_up_are_listed_oldest_first_and_leave_the_loan_active_while_something_is_outstanding()
    {
        var loan = Given.Loan(Drawdown80Million,
            new LoanRepaid(LoanId, First, 30_000_000, September),
            new LoanRepaid(LoanId, Second, 20_000_000, October));

        Assert.Equal(50_000_000, loan.RepaidVnd);
        Assert.Equal(30_000_000, loan.OutstandingVnd);
        Assert.Equal([First, Second], loan.Repayments);
        Assert.Equal(LoanStatus.Active, loan.Status);
        Assert.Equal(October, loan.LastMovementOn);
    }

    [Fact]
    public void Repaying_the_whole_principal_makes_the_loan_repaid_with_nothing_outstanding()
    {
        var loan = Given.Loan(Drawdown80Million,
            new LoanRepaid(LoanId, First, 30_000_000, September),
            new LoanRepaid(LoanId, Second, 50_000_000, October));

        Assert.Equal(LoanStatus.Repaid, loan.Status);
        Assert.Equal(80_000_000, loan.RepaidVnd);
        Assert.Equal(0, loan.OutstandingVnd);
    }

    [Fact]
    public void Reversing_a_repayment_removes_it_from_the_list_and_adds_its_amount_back_to_what_is_outstanding()
    {
        var loan = Given.Loan(Drawdown80Million,
            new LoanRepaid(LoanId, First, 30_000_000, September),
            new LoanRepaid(LoanId, Second, 20_000_000, October),
            new LoanRepaymentReversed(LoanId, Second, 20_000_000, "Cheque bounced", November));

        Assert.Equal([First], loan.Repayments);
        Assert.Equal(30_000_000, loan.RepaidVnd);
        Assert.Equal(50_000_000, loan.OutstandingVnd);
        Assert.Equal(LoanStatus.Active, loan.Status);
        Assert.Equal(November, loan.LastMovementOn);
    }

    [Fact]
    public void Reversing_the_repayment_that_repaid_a_loan_makes_it_active_again()
    {
        var loan = Given.Loan(Drawdown80Million,
            new LoanRepaid(LoanId, First, 80_000_000, September),
            new LoanRepaymentReversed(LoanId, First, 80_000_000, "Cheque bounced", October));

        Assert.Equal(LoanStatus.Active, loan.Status);
        Assert.Empty(loan.Repayments);
        Assert.Equal(80_000_000, loan.OutstandingVnd);
    }

    [Fact]
    public void Reversing_the_drawdown_leaves_the_loan_reversed_with_nothing_outstanding()
    {
        var loan = Given.Loan(Drawdown80Million,
            new LoanDrawdownReversed(LoanId, Guid.NewGuid(), 80_000_000, "Entered twice", October));

        Assert.Equal(LoanStatus.Reversed, loan.Status);
        Assert.Equal(0, loan.OutstandingVnd);
        Assert.Equal(80_000_000, loan.PrincipalVnd);
        Assert.Equal(October, loan.LastMovementOn);
    }

    [Fact]
    public void A_loan_whose_repayments_were_all_reversed_and_then_its_drawdown_reversed_owes_nothing()
    {
        var loan = Given.Loan(Drawdown80Million,
            new LoanRepaid(LoanId, First, 30_000_000, September),
            new LoanRepaymentReversed(LoanId, First, 30_000_000, "Cheque bounced", October),
            new LoanDrawdownReversed(LoanId, Guid.NewGuid(), 80_000_000, "Entered twice", November));

        Assert.Equal(LoanStatus.Reversed, loan.Status);
        Assert.Equal(0, loan.OutstandingVnd);
        Assert.Empty(loan.Repayments);
    }
}
