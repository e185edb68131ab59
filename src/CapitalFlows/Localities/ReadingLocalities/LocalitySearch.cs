using System.Globalization;
using System.Text;

namespace CapitalFlows.Localities.ReadingLocalities;

/// <summary>
/// <c>GET /api/localities?q=</c>: finds units by code or name, ignoring case, Vietnamese diacritics (<c>can gio</c>
/// finds Xã Cần Giờ; đ folds to d) and punctuation, best match first:
/// <list type="number">
/// <item>the code itself;</item>
/// <item>the name, with or without its unit type (<c>Xã</c>, <c>Phường</c>, <c>Tỉnh</c>, ...);</item>
/// <item>a name that starts with the text (with or without its unit type);</item>
/// <item>a name with a word that starts with the text;</item>
/// <item>a name that contains the text, or a code that starts with it.</item>
/// </list>
/// Within one rank: the nation, then provinces, then communes; active units before merged ones; then by name and code.
/// </summary>
public static class LocalitySearch
{
    public const int MaxResults = 50;
    public const int MaxQueryLength = 100;

    /// <summary>The unit types that begin official names, folded, longest first.</summary>
    private static readonly string[] UnitTypes = ["thanh pho ", "thi tran ", "dac khu ", "phuong ", "tinh ", "xa "];

    /// <summary>Lower case, no diacritics, đ → d, and every run of characters that are not letters or digits one space.</summary>
    public static string Fold(string text)
    {
        var folded = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            if (!char.IsLetterOrDigit(c))
            {
                pendingSpace = folded.Length > 0;
                continue;
            }
            if (pendingSpace) folded.Append(' ');
            pendingSpace = false;
            folded.Append(c switch
            {
                'đ' or 'Đ' or 'Ð' or 'ð' => 'd',
                _ => char.ToLowerInvariant(c),
            });
        }
        return folded.ToString();
    }

    /// <summary>How well a unit matches the folded query (0 best), or null when it does not match.</summary>
    public static int? Rank(string code, string name, string foldedQuery)
    {
        if (string.Equals(code, foldedQuery, StringComparison.OrdinalIgnoreCase)) return 0;
        var full = Fold(name);
        var bare = WithoutUnitType(full);
        if (full == foldedQuery || bare == foldedQuery) return 1;
        if (full.StartsWith(foldedQuery, StringComparison.Ordinal) || bare.StartsWith(foldedQuery, StringComparison.Ordinal)) return 2;
        if ((" " + full).Contains(" " + foldedQuery, StringComparison.Ordinal)) return 3;
        if (full.Contains(foldedQuery, StringComparison.Ordinal) || code.StartsWith(foldedQuery, StringComparison.OrdinalIgnoreCase)) return 4;
        return null;
    }

    /// <summary>The best matches among these units, named as on <paramref name="date"/>, at most <see cref="MaxResults"/>.</summary>
    public static IEnumerable<Locality> Find(IEnumerable<Locality> candidates, string query, DateOnly date)
    {
        var folded = Fold(query);
        return candidates
            .Select(l => (locality: l, name: l.NameOn(date), rank: Rank(l.Code, l.NameOn(date), folded)))
            .Where(m => m.rank is not null)
            .OrderBy(m => m.rank)
            .ThenBy(m => LocalityLevel.All.ToList().IndexOf(m.locality.Level))
            .ThenBy(m => m.locality.StatusOn(date) == "merged")
            .ThenBy(m => Fold(m.name), StringComparer.Ordinal)
            .ThenBy(m => m.locality.Code, StringComparer.Ordinal)
            .Take(MaxResults)
            .Select(m => m.locality);
    }

    private static string WithoutUnitType(string folded) =>
        UnitTypes.FirstOrDefault(t => folded.StartsWith(t, StringComparison.Ordinal)) is { } type ? folded[type.Length..] : folded;
}
