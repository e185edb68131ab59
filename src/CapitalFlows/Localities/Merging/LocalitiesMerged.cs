using CapitalFlows.Commands;

namespace CapitalFlows.Localities.Merging;

/// <summary>
/// Localities merged into a successor on a date, on the stream of the locality structure: each of
/// <c>Merged</c> other than <c>Into</c> closes on <c>EffectiveOn</c>, its communes become the successor's, and the
/// successor takes <c>Name</c> from that date when it is given. <c>FromReferenceData</c> marks the 2025
/// reorganisation a fresh store starts with, which counts as always known (API.md, knownAt).
/// </summary>
public sealed record LocalitiesMerged(IReadOnlyList<string> Merged, string Into, string? Name, DateOnly EffectiveOn, bool FromReferenceData) : ILedgerEvent
{
    public IEnumerable<string> Closing => Merged.Where(code => code != Into).Distinct();
}
