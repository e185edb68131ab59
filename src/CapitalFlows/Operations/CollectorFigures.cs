using static System.FormattableString;

namespace CapitalFlows.Operations;

/// <summary>
/// What the .NET garbage collector did over a stretch of a process: bytes allocated, time paused and collections.
/// The bulk commands (<c>seed-demo</c>, <c>rebuild</c>) print it beside their own figures, since part of their time
/// goes to it and nothing else shows how much.
/// </summary>
public readonly record struct CollectorFigures(long AllocatedBytes, TimeSpan Paused, int Collections, int FullCollections)
{
    /// <summary>The process's totals so far.</summary>
    public static CollectorFigures Now() =>
        new(GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(2));

    /// <summary>What happened between <paramref name="start"/> and now.</summary>
    public static CollectorFigures Since(CollectorFigures start)
    {
        var now = Now();
        return new(now.AllocatedBytes - start.AllocatedBytes, now.Paused - start.Paused,
            now.Collections - start.Collections, now.FullCollections - start.FullCollections);
    }

    public override string ToString() =>
        Invariant($"The .NET collector: {AllocatedBytes / 1e9:N1} GB allocated, {Collections:N0} collections ({FullCollections:N0} of every generation), paused {Paused.TotalSeconds:N1} s.");
}
