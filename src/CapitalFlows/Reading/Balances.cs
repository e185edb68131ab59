using CapitalFlows.Funds;
using CapitalFlows.Programmes;

namespace CapitalFlows.Reading;

/// <summary>Capital per source and programme, and its totals (summed wide: <see cref="WideSum"/>).</summary>
public sealed record Balances(Int128 AvailableVnd, Int128 LoansOutstandingVnd, IReadOnlyList<FundBalance> Funds)
{
    /// <summary>Sums funds of the same source and programme (over the localities of a subtree).</summary>
    public static Balances Of(IEnumerable<Fund> funds, ProgrammeCatalogue programmes) =>
        Of(funds.Select(f => new KeyedFund(f.Key, f)), programmes);

    /// <summary>
    /// The same, for funds whose keys are already parsed (<see cref="KeyedFund.AllOf"/>): one pass, one line per source
    /// and programme in the order they first appear, then ordered by source (<see cref="Sources.All"/>) and programme.
    /// </summary>
    public static Balances Of(IEnumerable<KeyedFund> funds, ProgrammeCatalogue programmes)
    {
        var lines = new List<(string Source, string Programme, Int128 AvailableVnd, Int128 LoansOutstandingVnd)>();
        var lineOf = new Dictionary<(string Source, string Programme), int>();
        foreach (var (key, fund) in funds)
        {
            if (!lineOf.TryGetValue((key.Source, key.Programme), out var i))
            {
                lineOf[(key.Source, key.Programme)] = i = lines.Count;
                lines.Add((key.Source, key.Programme, Int128.Zero, Int128.Zero));
            }
            var line = lines[i];
            lines[i] = line with { AvailableVnd = line.AvailableVnd + fund.AvailableVnd, LoansOutstandingVnd = line.LoansOutstandingVnd + fund.LoansOutstandingVnd };
        }
        var ordered = lines
            .Select(l => new FundBalance(l.Source, l.Programme, programmes.NameOf(l.Programme), l.AvailableVnd, l.LoansOutstandingVnd))
            .OrderBy(f => SourceOrder(f.Source)).ThenBy(f => f.Programme, StringComparer.Ordinal)
            .ToList();
        return new Balances(ordered.SumVnd(l => l.AvailableVnd), ordered.SumVnd(l => l.LoansOutstandingVnd), ordered);
    }

    /// <summary>The source's place in <see cref="Sources.All"/> (−1 for a source it does not name).</summary>
    private static int SourceOrder(string source)
    {
        for (var i = 0; i < Sources.All.Count; i++)
            if (Sources.All[i] == source) return i;
        return -1;
    }
}

public sealed record FundBalance(string Source, string Programme, string ProgrammeName, Int128 AvailableVnd, Int128 LoansOutstandingVnd);
