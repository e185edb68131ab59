using System.Runtime.CompilerServices;
using Marten;

namespace CapitalFlows.Reading;

/// <summary>
/// How many historical fund reads (<see cref="FundQueries"/>' as-of query: one index descent per fund of a subtree)
/// one node runs in PostgreSQL at once, the others waiting their turn here, first come first served; off unless
/// <c>Reads:MaxConcurrentHistorical</c> sets a limit. Sixteen as-of readers on a two-core machine make sixteen backends
/// compete with the service for the cores, and a province's large subtree then waits many times its own cost; with
/// a limit of 4 the 99th percentile came down (median of six or seven runs each, 71 ms against 83 ms) but throughput fell by about
/// a third and the median doubled (README, as-of reads at 16 concurrent readers), so it is a choice, not a default.
/// </summary>
public static class HistoricalReadGate
{
    /// <summary>Set once at start-up (<c>ServiceSetup</c>); 0 is no limit. A node's gate is made at its first read.</summary>
    public static int Limit { get; set; }

    private static readonly ConditionalWeakTable<IDocumentStore, SemaphoreSlim> Gates = new();

    /// <summary>Waits for a turn on this node (one store per node); dispose the answer to give it back.</summary>
    public static async ValueTask<Turn> EnterAsync(IDocumentStore store, CancellationToken ct)
    {
        if (Limit <= 0) return default;
        var gate = Gates.GetValue(store, _ => new SemaphoreSlim(Limit, Limit));
        await gate.WaitAsync(ct);
        return new Turn(gate);
    }

    public readonly struct Turn(SemaphoreSlim? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
