using System.Collections.Concurrent;
using System.Diagnostics;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// Collects the spans of this process, from the service's own source and those of ASP.NET Core, Wolverine,
/// Marten and Npgsql, with a plain <see cref="ActivityListener"/> (no exporter package needed). Every span is
/// recorded while the collector lives, whatever the service's own sampler decides. It keeps the spans that
/// started as well as those that ended: an exporter only ever sees the ended ones.
/// </summary>
public sealed class SpanCollector : IDisposable
{
    public const string AspNetCore = "Microsoft.AspNetCore";
    public const string CapitalFlows = "CapitalFlows";
    public const string Marten = "Marten";
    public const string Npgsql = "Npgsql";
    public const string Wolverine = "Wolverine";

    private static readonly HashSet<string> Sources = new([AspNetCore, CapitalFlows, Marten, Npgsql, Wolverine], StringComparer.Ordinal);

    private readonly ConcurrentQueue<Activity> _started = new();
    private readonly ConcurrentQueue<Activity> _ended = new();
    private readonly ActivityListener _listener;

    public SpanCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => Sources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = _started.Enqueue,
            ActivityStopped = _ended.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The spans that have started so far, ended or not.</summary>
    public IReadOnlyList<Activity> Started => [.. _started];

    /// <summary>The spans that have ended so far: what an exporter would have been given.</summary>
    public IReadOnlyList<Activity> Ended => [.. _ended];

    /// <summary>
    /// The spans that have ended once <paramref name="complete"/> holds for them, polling for at most
    /// <paramref name="timeout"/> (a server span ends a little after its client has the answer).
    /// </summary>
    public async Task<IReadOnlyList<Activity>> WaitForAsync(Func<IReadOnlyList<Activity>, bool> complete, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var ended = Ended;
            if (complete(ended)) return ended;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"The expected spans did not end within {timeout.TotalSeconds:F1} s; ended: "
                    + string.Join(", ", ended.Select(a => $"{a.Source.Name}/{a.DisplayName}")));
            await Task.Delay(50);
        }
    }

    /// <summary>The started spans of one trace, as an indented tree with the ones that never ended marked, for a failure message.</summary>
    public string Tree(ActivityTraceId traceId)
    {
        var spans = Started.Where(a => a.TraceId == traceId).ToList();
        var ended = Ended.Select(a => a.SpanId).ToHashSet();
        var lines = new List<string>();
        void Write(ActivitySpanId parent, int depth)
        {
            foreach (var span in spans.Where(s => s.ParentSpanId == parent))
            {
                lines.Add($"{new string(' ', 2 * depth)}{span.Source.Name}/{span.DisplayName}{(ended.Contains(span.SpanId) ? "" : "  (never ended)")}");
                Write(span.SpanId, depth + 1);
            }
        }
        foreach (var root in spans.Where(s => !spans.Any(p => p.SpanId == s.ParentSpanId)))
        {
            lines.Add($"{root.Source.Name}/{root.DisplayName}{(ended.Contains(root.SpanId) ? "" : "  (never ended)")}");
            Write(root.SpanId, 1);
        }
        return string.Join(Environment.NewLine, lines);
    }

    public void Dispose() => _listener.Dispose();
}
