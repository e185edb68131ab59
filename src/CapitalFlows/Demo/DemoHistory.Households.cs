namespace CapitalFlows.Demo;

/// <summary>
/// Who borrows: households, not loans. A household may hold several loans at once (a poor-household loan and a
/// clean-water loan, say), and the published figures say most do: loans outstanding per borrower (≈ 61 million in
/// 2025) exceed the average new loan (≈ 55–66 million) although every loan repays in instalments, so a borrower holds
/// about two loans on average. A new loan goes to a household of its locality that already owes one as often as keeps
/// the households with loans outstanding near <see cref="PublishedFigures.BorrowersOn"/>; otherwise to a new one.
/// </summary>
public sealed partial class DemoHistory
{
    /// <summary>The household of each loan the history still counts as outstanding.</summary>
    private readonly Dictionary<string, string> _householdOf = new(StringComparer.Ordinal);

    /// <summary>How many loans outstanding each household owes.</summary>
    private readonly Dictionary<string, int> _loansOf = new(StringComparer.Ordinal);

    /// <summary>The households that borrowed at a locality (one that owes nothing any more is dropped when met).</summary>
    private readonly Dictionary<string, List<string>> _householdsAt = new(StringComparer.Ordinal);

    private long _householdsOwing;

    /// <summary>The borrower of a new loan at a locality on a day: a household that owes already, or a new one.</summary>
    private string Household(DateOnly day, string locality)
    {
        if (!_householdsAt.TryGetValue(locality, out var known)) _householdsAt[locality] = known = [];
        if (known.Count > 0 && Chance(SecondLoanChance(day)))
        {
            for (var tries = 0; tries < 4 && known.Count > 0; tries++)
            {
                var at = _random.Next(known.Count);
                var household = known[at];
                if (_loansOf.GetValueOrDefault(household) > 0) return household;
                known[at] = known[^1];
                known.RemoveAt(known.Count - 1);
            }
        }
        var created = $"HH-{locality}-{++_borrowers:D7}";
        known.Add(created);
        return created;
    }

    /// <summary>
    /// How likely a new loan goes to a household that owes already: even when the households owing are at the
    /// published count (÷ k; in the opening year the part of it the opening book has built), likelier above it,
    /// never when they are 5 % below.
    /// </summary>
    private double SecondLoanChance(DateOnly day)
    {
        var built = day < _options.From ? TargetOutstanding(day) / TargetOutstanding(_options.From) : 1;
        var ratio = _householdsOwing / (PublishedFigures.BorrowersOn(day) / _k * built);
        return Math.Clamp(0.5 + 10 * (ratio - 1), 0, 0.95);
    }

    private void Borrowed(string loanId, string household)
    {
        _householdOf[loanId] = household;
        var owed = _loansOf.GetValueOrDefault(household);
        if (owed == 0) _householdsOwing++;
        _loansOf[household] = owed + 1;
    }

    /// <summary>A loan no longer outstanding (repaid, written off or reversed): its household owes one loan fewer.</summary>
    private void Closed(string loanId)
    {
        if (!_householdOf.Remove(loanId, out var household)) return;
        var owed = _loansOf[household] - 1;
        if (owed > 0) _loansOf[household] = owed;
        else
        {
            _loansOf.Remove(household);
            _householdsOwing--;
        }
    }
}
