using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Loans.Extending;
using CapitalFlows.Loans.Scheduling;
using CapitalFlows.Loans.WritingOff;

namespace CapitalFlows.Tests;

/// <summary>Repayment schedules, overdue principal, extensions and write-offs as pure functions of a loan's events.</summary>
public sealed class RepaymentScheduleTests
{
    private static readonly DateOnly Drawn = new(2025, 1, 15);
    private static readonly Guid LoanId = Guid.Parse("3d6f0a1b-9c2e-4d7f-8a5b-6c1e2f3a4b5d");

    private static LoanDrawnDown Drawdown(long principalVnd, int termMonths, int? everyMonths = null) =>
        new(LoanId, "00004", Sources.CentralBudget, "poor-households", principalVnd, "HH-1", "womens-union", null, termMonths, Drawn)
        {
            RepaymentEveryMonths = everyMonths,
        };

    private static Loan Fold(params object[] events) => Loan.Fold(events)!;

    private static LoanRepaid Repaid(long amountVnd, DateOnly on, Guid? id = null) => new(LoanId, id ?? Guid.NewGuid(), amountVnd, on);

    [Fact]
    public void A_15_month_loan_repaid_every_6_months_falls_due_at_6_12_and_15_months_in_equal_instalments_with_the_remainder_last()
    {
        var schedule = RepaymentSchedule.Of(Drawn, 15, 6, 100_000_000);

        Assert.Equal([new DateOnly(2025, 7, 15), new DateOnly(2026, 1, 15), new DateOnly(2026, 4, 15)], schedule.Select(i => i.DueOn));
        Assert.Equal([33_333_333, 33_333_333, 33_333_334], schedule.Select(i => i.PrincipalVnd));
    }

    [Fact]
    public void A_loan_of_12_months_or_less_repays_at_maturity_by_default_and_a_longer_one_every_6_months()
    {
        var short12 = Fold(Drawdown(50_000_000, 12));
        var long36 = Fold(Drawdown(60_000_000, 36));

        Assert.Equal([(new DateOnly(2026, 1, 15), 50_000_000L)], short12.Schedule.Select(i => (i.DueOn, i.PrincipalVnd)));
        Assert.Equal(6, long36.Schedule.Count);
        Assert.All(long36.Schedule, i => Assert.Equal(10_000_000, i.PrincipalVnd));
        Assert.Equal(new DateOnly(2028, 1, 15), long36.MaturityOn);
        Assert.Equal(long36.MaturityOn, long36.Schedule[^1].DueOn);
    }

    [Fact]
    public void A_loan_drawn_before_schedules_existed_gets_the_schedule_the_rule_gives_its_date_and_term()
    {
        var old = Fold(Drawdown(60_000_000, 36));
        var asked = Fold(Drawdown(60_000_000, 36, everyMonths: 6));

        Assert.Equal(asked.Schedule, old.Schedule);
    }

    [Fact]
    public void Nothing_is_overdue_on_the_day_an_instalment_falls_due_and_its_unpaid_principal_is_overdue_from_the_next_day()
    {
        var loan = Fold(Drawdown(60_000_000, 36));
        var due = new DateOnly(2025, 7, 15);

        Assert.Equal(0, loan.OverdueOn(due));
        Assert.Equal(10_000_000, loan.OverdueOn(due.AddDays(1)));
        Assert.Equal(20_000_000, loan.OverdueOn(new DateOnly(2026, 1, 16)));
    }

    [Fact]
    public void Repayments_pay_the_earliest_unpaid_instalment_first()
    {
        var loan = Fold(Drawdown(60_000_000, 36), Repaid(15_000_000, new DateOnly(2025, 7, 1)));

        Assert.Equal([10_000_000, 5_000_000, 0, 0, 0, 0], loan.Schedule.Select(i => i.PaidVnd));
        Assert.Equal(0, loan.OverdueOn(new DateOnly(2025, 7, 16)));
        Assert.Equal(5_000_000, loan.OverdueOn(new DateOnly(2026, 1, 16)));
    }

    [Fact]
    public void Reversing_the_latest_repayment_unpays_what_it_paid()
    {
        var repayment = Guid.NewGuid();
        var loan = Fold(
            Drawdown(60_000_000, 36), Repaid(15_000_000, new DateOnly(2025, 7, 1)), Repaid(10_000_000, new DateOnly(2025, 8, 1), repayment),
            new LoanRepaymentReversed(LoanId, repayment, 10_000_000, "error", new DateOnly(2025, 8, 2)));

        Assert.Equal([10_000_000, 5_000_000, 0, 0, 0, 0], loan.Schedule.Select(i => i.PaidVnd));
    }

    [Fact]
    public void An_extension_moves_every_unpaid_instalment_and_the_maturity_later_and_its_reversal_moves_them_back()
    {
        var extension = Guid.NewGuid();
        var drawn = Fold(Drawdown(60_000_000, 36), Repaid(10_000_000, new DateOnly(2025, 7, 1)));
        var extended = Loan.Fold([new LoanExtended(LoanId, extension, 12, "flood", new DateOnly(2025, 8, 1))], drawn)!;
        var undone = Loan.Fold([new LoanExtensionReversed(LoanId, extension, 12, "error", new DateOnly(2025, 8, 2))], extended)!;

        Assert.Equal(new DateOnly(2025, 7, 15), extended.Schedule[0].DueOn);
        Assert.Equal(new DateOnly(2027, 1, 15), extended.Schedule[1].DueOn);
        Assert.Equal(new DateOnly(2029, 1, 15), extended.MaturityOn);
        Assert.Equal(0, extended.OverdueOn(new DateOnly(2026, 2, 1)));
        Assert.Equal(drawn.Schedule, undone.Schedule);
        Assert.Equal(drawn.MaturityOn, undone.MaturityOn);
    }

    [Fact]
    public void Extensions_together_may_not_be_longer_than_the_original_term()
    {
        var loan = Fold(Drawdown(60_000_000, 36), new LoanExtended(LoanId, Guid.NewGuid(), 24, "flood", new DateOnly(2025, 8, 1)));

        var refused = ExtendLoanEndpoint.Decide(new ExtendLoan(Guid.NewGuid(), 13, "again", null), loan, new DateOnly(2025, 9, 1));
        var accepted = ExtendLoanEndpoint.Decide(new ExtendLoan(Guid.NewGuid(), 12, "again", null), loan, new DateOnly(2025, 9, 1));

        Assert.Equal("/problems/extension-limit", refused.Refusal?.Type);
        Assert.Equal(409, refused.Refusal?.Status);
        Assert.Empty(refused.Events);
        Assert.Null(accepted.Refusal);
    }

    [Fact]
    public void A_write_off_lowers_outstanding_settles_the_earliest_unpaid_principal_and_books_the_loss_on_the_loans_fund()
    {
        var loan = Fold(Drawdown(60_000_000, 36), Repaid(10_000_000, new DateOnly(2025, 7, 1)));
        var on = new DateOnly(2025, 9, 1);

        var decision = WriteOffLoanEndpoint.Decide(new WriteOffLoan(Guid.NewGuid(), 50_000_000, "death", "QĐ-01", null), loan, on);
        var after = Loan.Fold(decision.Events.Where(e => e.StreamKey == loan.Id).Select(e => e.Event), loan)!;

        Assert.Null(decision.Refusal);
        Assert.Equal("00004/central-budget/poor-households", decision.Events.Single(e => e.Event is LoanPrincipalWrittenOff).StreamKey);
        Assert.Equal(0, after.OutstandingVnd);
        Assert.Equal(50_000_000, after.WrittenOffVnd);
        Assert.Equal(LoanStatus.WrittenOff, after.Status);
        Assert.Equal(0, after.OverdueOn(new DateOnly(2030, 1, 1)));
        var fund = Fund.Empty(new FundKey("00004", Sources.CentralBudget, "poor-households"))
            .Evolve(new CapitalLent(LoanId, "00004", Sources.CentralBudget, "poor-households", 60_000_000, Drawn))
            .Evolve(new RepaymentReceived(LoanId, Guid.NewGuid(), "00004", Sources.CentralBudget, "poor-households", 10_000_000, on));
        var written = fund.Evolve(decision.Events.Single(e => e.Event is LoanPrincipalWrittenOff).Event);
        Assert.Equal(fund.AvailableVnd, written.AvailableVnd);
        Assert.Equal(0, written.LoansOutstandingVnd);
    }

    [Theory]
    [InlineData(50_000_001)]
    [InlineData(60_000_000)]
    public void A_write_off_above_what_is_outstanding_is_refused(long amountVnd)
    {
        var loan = Fold(Drawdown(60_000_000, 36), Repaid(10_000_000, new DateOnly(2025, 7, 1)));

        var decision = WriteOffLoanEndpoint.Decide(new WriteOffLoan(Guid.NewGuid(), amountVnd, "death", "QĐ-01", null), loan, new DateOnly(2025, 9, 1));

        Assert.Equal("/problems/write-off-exceeds-outstanding", decision.Refusal?.Type);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void A_repaid_loan_has_nothing_to_write_off()
    {
        var loan = Fold(Drawdown(60_000_000, 36), Repaid(60_000_000, new DateOnly(2025, 7, 1)));

        var decision = WriteOffLoanEndpoint.Decide(new WriteOffLoan(Guid.NewGuid(), 1, "death", "QĐ-01", null), loan, new DateOnly(2025, 9, 1));

        Assert.Equal(LoanStatus.Repaid, loan.Status);
        Assert.Equal("/problems/write-off-exceeds-outstanding", decision.Refusal?.Type);
    }
}
