namespace CapitalFlows.Loans.ReadingCreditQuality;

/// <summary>
/// Credit quality of a set of loans as of a date (API.md, second edition): principal outstanding and overdue, the
/// overdue ratio, loans outstanding and overdue, distinct borrowers outstanding, and principal written off in the
/// calendar year of the date.
/// </summary>
public sealed record CreditQualityFigures(
    long OutstandingVnd, long OverdueVnd, double OverdueRatio, int LoansOutstanding, int LoansOverdue, int BorrowersOutstanding, long WrittenOffVnd)
{
    /// <summary>Each loan as folded to the date (with what it wrote off in the date's year), read as of that date.</summary>
    public static CreditQualityFigures Of(IEnumerable<(Loan Loan, long WrittenOffInYearVnd)> loans, DateOnly asOf)
    {
        var list = loans.ToList();
        var outstanding = list.Where(l => l.Loan.OutstandingVnd > 0).ToList();
        var outstandingVnd = outstanding.Sum(l => l.Loan.OutstandingVnd);
        var overdue = outstanding.Select(l => l.Loan.OverdueOn(asOf)).ToList();
        var overdueVnd = overdue.Sum();
        return new CreditQualityFigures(
            outstandingVnd, overdueVnd, outstandingVnd == 0 ? 0 : (double)overdueVnd / outstandingVnd,
            outstanding.Count, overdue.Count(o => o > 0),
            outstanding.Select(l => l.Loan.BorrowerRef).Distinct(StringComparer.Ordinal).Count(),
            list.Sum(l => l.WrittenOffInYearVnd));
    }

    /// <summary>What a loan's events wrote off (less write-offs reversed) with effective dates in <paramref name="year"/>, up to the reading.</summary>
    public static long WrittenOffIn(int year, IEnumerable<object> events) =>
        events.Sum(e => e switch
        {
            LoanWrittenOff w when w.EffectiveOn.Year == year => w.AmountVnd,
            LoanWriteOffReversed r when r.EffectiveOn.Year == year => -r.AmountVnd,
            _ => 0,
        });
}

/// <summary>One row of the credit-quality read: a programme, an entrusted organisation or a child locality (or the locality's own loans).</summary>
public sealed record CreditQualityRow(string Key, string Name, CreditQualityFigures Figures);
