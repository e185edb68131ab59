using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Funds.ReadingEntrustedFunds;

/// <summary>
/// A People's Committee's statement of the local budget it entrusted to the bank, over the locality and its
/// subtree, as of a date (and as known at an instant: the events given are those effective and recorded by then):
/// entrusted (top-ups less reversed top-ups), lent and repaid (movements in the period), and what is outstanding and
/// available at the end of it. With a year, the flows count movements effective in that year and the balances are as
/// of its last day (or of <c>asOf</c>, when that comes first), and <c>byYear</c> holds that year's row only.
/// </summary>
public sealed record EntrustedFundsStatement(
    string Locality, string LocalityName, DateOnly AsOf, int? Year,
    long EntrustedVnd, long LentVnd, long RepaidVnd, long OutstandingVnd, long AvailableVnd,
    IReadOnlyList<EntrustedFundsProgrammeLine> ByProgramme, IReadOnlyList<EntrustedFundsYearLine> ByYear)
{
    /// <summary>Builds the statement from the events of the local-budget funds concerned, in log order.</summary>
    public static EntrustedFundsStatement From(
        string locality, string localityName, DateOnly asOf, int? year, IReadOnlyList<StreamEvent> events, Func<string, string> programmeName)
    {
        var byProgramme = events
            .GroupBy(e => FundKey.Parse(e.StreamKey).Programme)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var f = EntrustedFundsFigures.Of(g.ToList(), year);
                return new EntrustedFundsProgrammeLine(g.Key, programmeName(g.Key), f.EntrustedVnd, f.LentVnd, f.RepaidVnd, f.OutstandingVnd, f.AvailableVnd);
            })
            .ToList();
        List<int> years = year is { } only ? [only] : events.Select(e => EffectiveOn(e).Year).Distinct().Order().ToList();
        var byYear = years
            .Select(y =>
            {
                var f = EntrustedFundsFigures.Of(events, y);
                return new EntrustedFundsYearLine(y, f.EntrustedVnd, f.LentVnd, f.RepaidVnd, f.OutstandingVnd, f.AvailableVnd);
            })
            .ToList();
        var total = EntrustedFundsFigures.Of(events, year);
        return new EntrustedFundsStatement(locality, localityName, asOf, year,
            total.EntrustedVnd, total.LentVnd, total.RepaidVnd, total.OutstandingVnd, total.AvailableVnd, byProgramme, byYear);
    }

    internal static DateOnly EffectiveOn(StreamEvent e) => ((ILedgerEvent)e.Event).EffectiveOn;
}

/// <summary>One programme's line (over all years, or over the year asked).</summary>
public sealed record EntrustedFundsProgrammeLine(
    string Programme, string ProgrammeName, long EntrustedVnd, long LentVnd, long RepaidVnd, long OutstandingVnd, long AvailableVnd);

/// <summary>One year's line: the flows of that year apart from the balances at its end.</summary>
public sealed record EntrustedFundsYearLine(
    int Year, long EntrustedInYearVnd, long LentInYearVnd, long RepaidInYearVnd, long OutstandingAtYearEndVnd, long AvailableAtYearEndVnd);

/// <summary>The figures of a set of local-budget fund events over a period (every year, or one).</summary>
public sealed record EntrustedFundsFigures(long EntrustedVnd, long LentVnd, long RepaidVnd, long OutstandingVnd, long AvailableVnd)
{
    public static EntrustedFundsFigures Of(IReadOnlyList<StreamEvent> events, int? year)
    {
        bool InPeriod(StreamEvent e) => year is null || EntrustedFundsStatement.EffectiveOn(e).Year == year;
        long Sum(Func<object, long> amount) => events.Where(InPeriod).Sum(e => amount(e.Event));

        var entrusted = Sum(e => e switch { LocalBudgetToppedUp t => t.AmountVnd, InflowReversed r => -r.AmountVnd, _ => 0 });
        var lent = Sum(e => e switch { CapitalLent l => l.AmountVnd, LendingReversed r => -r.AmountVnd, _ => 0 });
        var repaid = Sum(e => e switch { RepaymentReceived p => p.AmountVnd, RepaymentReversed r => -r.AmountVnd, _ => 0 });

        // Balances at the end of the period: each fund folded over its events up to then.
        var end = year is null ? DateOnly.MaxValue : new DateOnly(year.Value, 12, 31);
        var funds = events
            .Where(e => EntrustedFundsStatement.EffectiveOn(e) <= end)
            .GroupBy(e => e.StreamKey)
            .Select(g => g.Aggregate(Fund.Empty(FundKey.Parse(g.Key)), (fund, e) => fund.Evolve(e.Event)))
            .ToList();
        return new EntrustedFundsFigures(entrusted, lent, repaid, funds.Sum(f => f.LoansOutstandingVnd), funds.Sum(f => f.AvailableVnd));
    }
}
