using Marten;

namespace CapitalFlows.Periods;

/// <summary>
/// This node's copy of the date the books are closed through. The recorder reads the version of the
/// <see cref="Stream"/> stream under the structure lock, in the same round trip as the structure's version, and
/// brings this copy up to it when it moved; a close takes the structure lock exclusively, so no command decides
/// on a stale copy, on any node.
/// </summary>
public sealed class ClosedPeriods
{
    public const string Stream = "periods";

    private Snapshot _current = new(null, null);

    /// <summary>The stream's version this copy was read at (null: no stream), and the last closed date then.</summary>
    public (long? Version, DateOnly? Through) Known
    {
        get
        {
            // One snapshot read once: another batch may replace it meanwhile, and a version with another's date would pass the check wrongly.
            var current = _current;
            return (current.Version, current.Through);
        }
    }

    private sealed record Snapshot(long? Version, DateOnly? Through);

    /// <summary>The last closed date as of the stream's <paramref name="version"/> (null: no stream, nothing closed).</summary>
    public async Task<DateOnly?> ThroughAsync(IQuerySession session, long? version, CancellationToken ct)
    {
        var current = _current;
        if (current.Version == version) return current.Through;
        var events = version is null ? [] : await session.Events.FetchStreamAsync(Stream, token: ct);
        var read = new Snapshot(version, events.Select(e => e.Data).OfType<PeriodClosed>().Select(c => (DateOnly?)c.Through).Max());
        _current = read;
        return read.Through;
    }
}
