using System.Globalization;
using System.Threading.RateLimiting;
using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Operations;

/// <summary>
/// How many exports (the event log today, the bank's reports next) may run at once on this node:
/// <c>Exports:MaxConcurrent</c>, 2 unless configured. An export streams for as long as its client reads, so
/// each one costs the node a request, memory for a page and a database connection now and then; bounding
/// them keeps the commands and reads that share the node and its pool answered. Beyond the bound the answer
/// is 429 <c>too-many-exports</c> with <c>Retry-After</c>: the export is refused at once, never queued, so a
/// client is not left waiting behind someone else's slow download.
/// </summary>
public sealed class ExportLimiter : IDisposable
{
    public const int DefaultMaxConcurrent = 2;

    /// <summary>When to try again: exports take seconds to minutes, and a refusal costs the node nothing.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    private readonly ConcurrencyLimiter _slots;

    public ExportLimiter(IConfiguration configuration)
    {
        MaxConcurrent = configuration.GetValue("Exports:MaxConcurrent", DefaultMaxConcurrent);
        if (MaxConcurrent < 1)
            throw new InvalidOperationException($"Exports:MaxConcurrent must be 1 or more; it is {MaxConcurrent}.");
        _slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = MaxConcurrent, QueueLimit = 0 });
    }

    public int MaxConcurrent { get; }

    /// <summary>Whether a <c>GET</c> of <paramref name="path"/> is an export: the log (<c>/api/events</c>) or a report (<c>/api/reports/...</c>).</summary>
    public static bool IsExport(PathString path) =>
        path.StartsWithSegments("/api/events") || path.StartsWithSegments("/api/reports");

    /// <summary>
    /// A slot for one export, held until it is disposed (when the export ends, however it ends); null when
    /// <see cref="MaxConcurrent"/> exports are running already.
    /// </summary>
    public IDisposable? TryEnter()
    {
        var lease = _slots.AttemptAcquire();
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        return null;
    }

    /// <summary>The answer to an export beyond the bound: 429 <c>too-many-exports</c> with <c>Retry-After</c>.</summary>
    public IResult Refuse(HttpContext http)
    {
        var seconds = (int)RetryAfter.TotalSeconds;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Problems.Create("too-many-exports",
            $"This node is running {MaxConcurrent} exports already (Exports:MaxConcurrent); retry in {seconds} s.").ToResult();
    }

    public void Dispose() => _slots.Dispose();
}
