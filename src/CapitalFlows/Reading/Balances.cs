using CapitalFlows.Funds;
using CapitalFlows.Programmes;

namespace CapitalFlows.Reading;

/// <summary>Capital per source and programme, and its totals (summed wide: <see cref="WideSum"/>).</summary>
public sealed record Balances(Int128 AvailableVnd, Int128 LoansOutstandingVnd, IReadOnlyList<FundBalance> Funds)
{
    /// <summary>Sums funds of the same source and programme (over the localities of a subtree).</summary>
    public static Balances Of(IEnumerable<Fund> funds, ProgrammeCatalogue programmes)
    {
        var lines = funds
            .GroupBy(f => (f.Source, f.Programme))
            .Select(g => new FundBalance(g.Key.Source, g.Key.Programme, programmes.NameOf(g.Key.Programme),
                g.SumVnd(f => f.AvailableVnd), g.SumVnd(f => f.LoansOutstandingVnd)))
            .OrderBy(f => Sources.All.ToList().IndexOf(f.Source)).ThenBy(f => f.Programme, StringComparer.Ordinal)
            .ToList();
        return new Balances(lines.SumVnd(l => l.AvailableVnd), lines.SumVnd(l => l.LoansOutstandingVnd), lines);
    }
}

public sealed record FundBalance(string Source, string Programme, string ProgrammeName, Int128 AvailableVnd, Int128 LoansOutstandingVnd);
