using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Localities.Merging;

/// <summary>
/// Localities merged into a successor on a date, on the stream of the locality structure: each of
/// <c>Merged</c> other than <c>Into</c> closes on <c>EffectiveOn</c>, its communes become the successor's, and the
/// successor takes <c>Name</c> from that date when it is given. <c>FromReferenceData</c> marks the 2025
/// reorganisation a fresh store starts with, which counts as always known (API.md, knownAt).
/// </summary>
public sealed record LocalitiesMerged(IReadOnlyList<string> Merged, string Into, string? Name, DateOnly EffectiveOn, bool FromReferenceData) : ILedgerEvent
{
    public IEnumerable<string> Closing => ClosingOf(Merged, Into);

    /// <summary>The localities a merge of <paramref name="merged"/> into <paramref name="into"/> closes: all but the successor.</summary>
    public static IEnumerable<string> ClosingOf(IEnumerable<string> merged, string into) => merged.Where(code => code != into).Distinct();
}
