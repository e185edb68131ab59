using CapitalFlows.Commands;

namespace CapitalFlows.Funds.ReadingEntrustedFunds;

/// <summary>
/// A People's Committee's statement of the local budget it entrusted to the bank, over the locality and its
/// subtree: entrusted (top-ups less reversed top-ups), lent and repaid (movements in the period), and what is
/// outstanding and available at the end of it. With a year, the flows count movements effective in that
/// year and the balances are as of its last day.
/// </summary>
public sealed record EntrustedFundsStatement(
    string Locality, int? Year, long EntrustedVnd, long LentVnd, long RepaidVnd, long OutstandingVnd, long AvailableVnd,
    IReadOnlyList<EntrustedFundsLine> ByProgramme, IReadOnlyList<EntrustedFundsLine> ByYear)
{
    /// <summary>Builds the statement from the events of the local-budget funds concerned, in log order.</summary>
    public static EntrustedFundsStatement From(string locality, int? year, IReadOnlyList<StreamEvent> events)
    {
        var byProgramme = events
            .GroupBy(e => FundKey.Parse(e.StreamKey).Programme)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => EntrustedFundsLine.Of(g.Key, g.ToList(), year))
            .ToList();
        var years = events.Select(e => ((ILedgerEvent)e.Event).EffectiveOn.Year).Distinct().Order().ToList();
        var byYear = years.Select(y => EntrustedFundsLine.Of(y.ToString(System.Globalization.CultureInfo.InvariantCulture), events, y)).ToList();
        var total = EntrustedFundsLine.Of("all", events, year);
        return new EntrustedFundsStatement(locality, year, total.EntrustedVnd, total.LentVnd, total.RepaidVnd,
            total.OutstandingVnd, total.AvailableVnd, byProgramme, byYear);
    }
}

/// <summary>One line: a programme or a year.</summary>
public sealed record EntrustedFundsLine(string Key, long EntrustedVnd, long LentVnd, long RepaidVnd, long OutstandingVnd, long AvailableVnd)
{
    public static EntrustedFundsLine Of(string key, IReadOnlyList<StreamEvent> events, int? year)
    {
        bool InPeriod(StreamEvent e) => year is null || ((ILedgerEvent)e.Event).EffectiveOn.Year == year;
        long Sum(Func<object, long> amount) => events.Where(InPeriod).Sum(e => amount(e.Event));

        var entrusted = Sum(e => e switch { LocalBudgetToppedUp t => t.AmountVnd, InflowReversed r => -r.AmountVnd, _ => 0 });
        var lent = Sum(e => e switch { CapitalLent l => l.AmountVnd, LendingReversed r => -r.AmountVnd, _ => 0 });
        var repaid = Sum(e => e switch { RepaymentReceived p => p.AmountVnd, RepaymentReversed r => -r.AmountVnd, _ => 0 });

        // Balances at the end of the period: each fund folded over its events up to then.
        var end = year is null ? DateOnly.MaxValue : new DateOnly(year.Value, 12, 31);
        var funds = events
            .Where(e => ((ILedgerEvent)e.Event).EffectiveOn <= end)
            .GroupBy(e => e.StreamKey)
            .Select(g => g.Aggregate(Fund.Empty(FundKey.Parse(g.Key)), (fund, e) => fund.Then(e.Event)))
            .ToList();
        return new EntrustedFundsLine(key, entrusted, lent, repaid, funds.Sum(f => f.LoansOutstandingVnd), funds.Sum(f => f.AvailableVnd));
    }
}
