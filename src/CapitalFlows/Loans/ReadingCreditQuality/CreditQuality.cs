namespace CapitalFlows.Loans.ReadingCreditQuality;

/// <summary>
/// Credit quality of a set of loans as of a date (API.md, second edition): principal outstanding and overdue, the
/// overdue ratio, loans outstanding and overdue, distinct borrowers outstanding, and principal written off in the
/// calendar year of the date.
/// </summary>
public sealed record CreditQualityFigures(
    long OutstandingVnd, long OverdueVnd, double OverdueRatio, int LoansOutstanding, int LoansOverdue, int BorrowersOutstanding, long WrittenOffVnd)
{
    /// <summary>
    /// Each loan as folded to the date, read as of that date; written off counts the write-offs standing then, dated in its
    /// year. The definition the SQL read (<see cref="CreditQualityQueries"/>) is tested against.
    /// </summary>
    public static CreditQualityFigures Of(IEnumerable<Loan> loans, DateOnly asOf)
    {
        var list = loans.ToList();
        var outstanding = list.Where(l => l.OutstandingVnd > 0).ToList();
        var outstandingVnd = outstanding.Sum(l => l.OutstandingVnd);
        var overdue = outstanding.Select(l => l.OverdueOn(asOf)).ToList();
        var overdueVnd = overdue.Sum();
        return new CreditQualityFigures(
            outstandingVnd, overdueVnd, outstandingVnd == 0 ? 0 : (double)overdueVnd / outstandingVnd,
            outstanding.Count, overdue.Count(o => o > 0),
            outstanding.Select(l => l.BorrowerRef).Distinct(StringComparer.Ordinal).Count(),
            list.Sum(l => l.WriteOffs.Where(w => w.EffectiveOn.Year == asOf.Year).Sum(w => w.AmountVnd)));
    }
}

/// <summary>One row of the credit-quality read: a programme, an entrusted organisation or a child locality (or the locality's own loans).</summary>
public sealed record CreditQualityRow(string Key, string Name, CreditQualityFigures Figures);
