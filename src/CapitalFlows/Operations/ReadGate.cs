using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.RateLimiting;
using CapitalFlows.Api;

namespace CapitalFlows.Operations;

/// <summary>
/// How many reads run at once on this node: <c>Reads:MaxConcurrent</c>, twice its processors unless configured (the
/// old rule of thumb for a database's busy connections: twice its cores). A read is a <c>GET</c> (or <c>HEAD</c>)
/// under <c>/api</c> other than an export (the log and the reports have their own bound, <see cref="ExportLimiter"/>,
/// since they last as long as their client reads). The reads beyond the bound wait in the order they came, for as
/// long as their client waits, up to <c>Reads:MaxQueued</c> of them; a read beyond that is answered 503 <c>busy</c>
/// with <c>Retry-After</c> at once.
/// <para>
/// Why: a read is mostly the database's work, and the database runs on the same few cores. Sixteen analysts' reads
/// at once on two cores each take eight times as long, and any one of them may be the one that waits for all the
/// others; a few at a time each run at full speed and the others wait their turn, so the slowest read is a queue's
/// length, not the whole machine's. Measured in the README ("Reads a few at a time").
/// </para>
/// </summary>
public sealed class ReadGate : IMiddleware, IDisposable
{
    public const int DefaultConcurrentPerProcessor = 2;
    public const int DefaultMaxQueued = 1000;

    /// <summary>When to try again once the queue is full: reads take milliseconds.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private static readonly Histogram<double> Waits = Telemetry.Meter.CreateHistogram<double>(
        "capitalflows.reads.wait", unit: "ms", description: "Time a read waited for one of the node's read slots (Reads:MaxConcurrent)");

    private readonly ConcurrencyLimiter _slots;

    public ReadGate(IConfiguration configuration)
    {
        MaxConcurrent = configuration.GetValue("Reads:MaxConcurrent", DefaultConcurrentPerProcessor * Environment.ProcessorCount);
        MaxQueued = configuration.GetValue("Reads:MaxQueued", DefaultMaxQueued);
        if (MaxConcurrent < 1 || MaxQueued < 0)
            throw new InvalidSettingException(
                $"Reads:MaxConcurrent must be 1 or more and Reads:MaxQueued 0 or more; they are {MaxConcurrent} and {MaxQueued}.");
        _slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = MaxConcurrent,
            QueueLimit = MaxQueued,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public int MaxConcurrent { get; }

    public int MaxQueued { get; }

    /// <summary>Whether <paramref name="request"/> takes a read slot: a <c>GET</c> or <c>HEAD</c> under <c>/api</c>, not an export.</summary>
    public static bool Holds(HttpRequest request) => Holds(request.Method, request.Path);

    /// <inheritdoc cref="Holds(HttpRequest)"/>
    public static bool Holds(string method, PathString path) =>
        (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        && path.StartsWithSegments("/api")
        && !ExportLimiter.IsExport(path);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!Holds(context.Request))
        {
            await next(context);
            return;
        }

        var waited = Stopwatch.StartNew();
        // A client that goes away while its read waits gives its place up (the wait throws, and the request ends).
        using var slot = await _slots.AcquireAsync(1, context.RequestAborted);
        if (!slot.IsAcquired)
        {
            var seconds = (int)RetryAfter.TotalSeconds;
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await Problems.Create("busy",
                $"This node has {MaxQueued} reads waiting already (Reads:MaxQueued); retry in {seconds} s.").ToResult().ExecuteAsync(context);
            return;
        }
        Waits.Record(waited.Elapsed.TotalMilliseconds);
        await next(context);
    }

    public void Dispose() => _slots.Dispose();
}
