using System.Diagnostics;
using System.Diagnostics.Metrics;
using CapitalFlows.Operations;

namespace CapitalFlows.Engine;

/// <summary>
/// What group commit achieves, on the service's meter: how many commands each batch carried and how long each of its
/// phases took (locks with the reads sent in their round trip, decisions, writes with the commit), so that a benchmark can say where a batch's time goes
/// (<c>dotnet-counters monitor --counters CapitalFlows</c>).
/// </summary>
public static class BatchTelemetry
{
    public static readonly Histogram<int> Size = Telemetry.Meter.CreateHistogram<int>(
        "capitalflows.batch.size", unit: "{command}", description: "Commands in each group-commit batch (a command that arrives alone is a batch of one)");

    public static readonly Histogram<double> Phase = Telemetry.Meter.CreateHistogram<double>(
        "capitalflows.batch.phase", unit: "ms", description: "Time spent in each phase of a group-commit batch: queue (each command, from its arrival to its batch's start: the window and the wait for a place), lock (the locks and the reads sent with them), decide, write (with commit)");

    public static readonly Counter<long> KeptStates = Telemetry.Meter.CreateCounter<long>(
        "capitalflows.batch.kept_states", unit: "{batch}", description: "Batches decided on the states earlier batches left: written in one round trip, or stale (the check found a stream moved, or the round trip failed otherwise; run again on what they read)");

    /// <summary>Records the time since <paramref name="started"/> as <paramref name="phase"/>, and returns now.</summary>
    public static long Lap(long started, string phase)
    {
        var now = Stopwatch.GetTimestamp();
        if (Phase.Enabled) Phase.Record(Stopwatch.GetElapsedTime(started, now).TotalMilliseconds, new KeyValuePair<string, object?>("phase", phase));
        return now;
    }
}
