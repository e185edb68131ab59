using CapitalFlows.Loans;
using CapitalFlows.Loans.ReadingCreditQuality;

namespace CapitalFlows.Tests;

/// <summary>
/// The rows a loan event writes for credit quality: the loan's contributions after it less those before it, so that a
/// loan's rows up to a reading add up to the loan as it stood then.
/// </summary>
public sealed class LoanQualityMovementTests
{
    private static readonly Guid LoanId = Guid.Parse("6a1f3c52-0d55-4c3e-9a51-1b7f2f0e0c01");
    private static readonly DateOnly Drawn = new(2024, 1, 10);
    private static readonly DateTimeOffset Recorded = new(2024, 1, 10, 9, 0, 0, TimeSpan.FromHours(7));

    // 24 months every 6: four instalments of 15 million, due 2024-07-10, 2025-01-10, 2025-07-10 and 2026-01-10.
    private static readonly LoanDrawnDown Drawdown = new(LoanId, "01", "central-budget", "poor-households", 60_000_000, "HH-A", "womens-union", null, 24, Drawn);

    private static (Loan? After, IReadOnlyList<LoanQualityMovement> Rows) Apply(object e, Loan? before) =>
        LoanQualityMovement.Of(Guid.NewGuid(), e, before, Recorded);

    private static (string Locality, short Kind, DateOnly On, long Amount)[] Changes(IReadOnlyList<LoanQualityMovement> rows) =>
        [.. rows.Select(r => (r.Locality, r.Kind, r.OnDate, r.AmountVnd))];

    [Fact]
    public void A_drawdown_holds_the_loan_at_its_locality_and_its_principal_unpaid_by_due_date()
    {
        var (loan, rows) = Apply(Drawdown, null);

        Assert.NotNull(loan);
        Assert.Equal(
            [
                ("01", LoanQualityKind.Held, Drawn, 1L),
                ("01", LoanQualityKind.Unpaid, new DateOnly(2024, 7, 10), 15_000_000L),
                ("01", LoanQualityKind.Unpaid, new DateOnly(2025, 1, 10), 15_000_000L),
                ("01", LoanQualityKind.Unpaid, new DateOnly(2025, 7, 10), 15_000_000L),
                ("01", LoanQualityKind.Unpaid, new DateOnly(2026, 1, 10), 15_000_000L),
            ],
            Changes(rows));
        Assert.All(rows, r => Assert.Equal((LoanId, "poor-households", "womens-union", "HH-A", Drawn, Recorded), (r.LoanId, r.Programme, r.EntrustedOrganisation, r.BorrowerRef, r.EffectiveOn, r.RecordedAt)));
        Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void A_repayment_settles_the_earliest_instalment_first_and_its_reversal_unsettles_it()
    {
        var (drawn, _) = Apply(Drawdown, null);
        var repaymentId = Guid.NewGuid();

        var (repaid, rows) = Apply(new LoanRepaid(LoanId, repaymentId, 20_000_000, new DateOnly(2024, 8, 1)), drawn);
        var (_, undone) = Apply(new LoanRepaymentReversed(LoanId, repaymentId, 20_000_000, "entered twice", new DateOnly(2024, 8, 2)), repaid);

        Assert.Equal([("01", LoanQualityKind.Unpaid, new DateOnly(2024, 7, 10), -15_000_000L), ("01", LoanQualityKind.Unpaid, new DateOnly(2025, 1, 10), -5_000_000L)], Changes(rows));
        Assert.Equal([("01", LoanQualityKind.Unpaid, new DateOnly(2024, 7, 10), 15_000_000L), ("01", LoanQualityKind.Unpaid, new DateOnly(2025, 1, 10), 5_000_000L)], Changes(undone));
        Assert.All(rows, r => Assert.Equal(new DateOnly(2024, 8, 1), r.EffectiveOn));
    }

    [Fact]
    public void An_extension_moves_the_unpaid_principal_later_and_a_write_off_is_counted_on_its_date()
    {
        var (drawn, _) = Apply(Drawdown, null);
        var (repaid, _) = Apply(new LoanRepaid(LoanId, Guid.NewGuid(), 15_000_000, new DateOnly(2024, 7, 10)), drawn);

        var (extended, moved) = Apply(new LoanExtended(LoanId, Guid.NewGuid(), 6, "flood", new DateOnly(2024, 9, 1)), repaid);
        var (_, writtenOff) = Apply(new LoanWrittenOff(LoanId, Guid.NewGuid(), 10_000_000, "natural-disaster", "QĐ 1", new DateOnly(2024, 10, 1)), extended);

        // Instalments 2 to 4 move six months later: what fell due on 2025-07-10 and 2026-01-10 still does, from another instalment.
        Assert.Equal(
            [("01", LoanQualityKind.Unpaid, new DateOnly(2025, 1, 10), -15_000_000L), ("01", LoanQualityKind.Unpaid, new DateOnly(2026, 7, 10), 15_000_000L)],
            Changes(moved));
        Assert.Equal(
            [("01", LoanQualityKind.Unpaid, new DateOnly(2025, 7, 10), -10_000_000L), ("01", LoanQualityKind.WrittenOff, new DateOnly(2024, 10, 1), 10_000_000L)],
            Changes(writtenOff));
    }

    [Fact]
    public void A_transfer_moves_every_contribution_to_the_successor_and_a_reversed_drawdown_leaves_only_the_loan()
    {
        var (drawn, _) = Apply(Drawdown, null);

        var (_, moved) = Apply(new LoanTransferred(LoanId, "01", "79", new DateOnly(2025, 7, 1)), drawn);
        var (_, reversed) = Apply(new LoanDrawdownReversed(LoanId, Guid.NewGuid(), 60_000_000, "wrong borrower", Drawn), drawn);

        Assert.Equal(-60_000_001, moved.Where(r => r.Locality == "01").Sum(r => r.AmountVnd));
        Assert.Equal(60_000_001, moved.Where(r => r.Locality == "79").Sum(r => r.AmountVnd));
        Assert.Equal(-60_000_000, reversed.Sum(r => r.AmountVnd));
        Assert.DoesNotContain(reversed, r => r.Kind == LoanQualityKind.Held);
    }
}
