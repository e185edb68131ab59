using System.Globalization;
using System.Threading.RateLimiting;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Operations;
using Microsoft.AspNetCore.RateLimiting;

namespace CapitalFlows.Security;

/// <summary>The <c>RateLimits</c> configuration section: per caller and minute; unset or 0 is no limit.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Commands (every POST under /api) one caller may send per minute.</summary>
    public int CommandsPerMinute { get; set; }

    /// <summary>Exports (<c>GET /api/events</c>, <c>GET /api/reports/...</c>) one caller may start per minute.</summary>
    public int ExportsPerMinute { get; set; }
}

/// <summary>
/// Per-caller rate limits (API.md, second edition, "Trust"): ASP.NET Core's rate limiter, one fixed one-minute
/// window per caller (the token's <c>sub</c>) for commands and another for exports. Beyond the limit the answer is
/// 429 <c>/problems/rate-limited</c> with <c>Retry-After</c>, before the body is read, so nothing is appended.
/// Reads other than exports are not limited. The windows live in each node's memory: behind a balancer that
/// spreads one caller over n nodes, the caller gets up to n times the limit.
/// </summary>
public static class RateLimits
{
    public const string Slug = "rate-limited";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddCapitalFlowsRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        if (limits.CommandsPerMinute < 0 || limits.ExportsPerMinute < 0)
            throw new InvalidSettingException("RateLimits:CommandsPerMinute and RateLimits:ExportsPerMinute must be 0 (no limit) or more.");
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => PartitionOf(http, limits));
            options.OnRejected = RejectAsync;
        });
        return services;
    }

    private static RateLimitPartition<string> PartitionOf(HttpContext http, RateLimitOptions limits)
    {
        var (kind, perMinute) = KindOf(http.Request, limits);
        var sub = http.User.Identity?.IsAuthenticated == true ? Caller.OnlyValue(http.User, "sub") : null;
        if (kind is null || perMinute <= 0 || string.IsNullOrEmpty(sub)) return RateLimitPartition.GetNoLimiter("");
        return RateLimitPartition.GetFixedWindowLimiter($"{kind}/{sub}", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = Window,
            QueueLimit = 0,
        });
    }

    private static (string? Kind, int PerMinute) KindOf(HttpRequest request, RateLimitOptions limits)
    {
        if (!request.Path.StartsWithSegments("/api")) return (null, 0);
        if (HttpMethods.IsPost(request.Method)) return ("commands", limits.CommandsPerMinute);
        if (HttpMethods.IsGet(request.Method) && ExportLimiter.IsExport(request.Path))
            return ("exports", limits.ExportsPerMinute);
        return (null, 0);
    }

    private static ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : (int)Window.TotalSeconds;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var what = HttpMethods.IsPost(http.Request.Method) ? "commands" : "exports";
        var problem = Problems.Create(Slug, $"Too many {what} from you in the last minute; nothing was recorded. Try again in {seconds} s.");
        return new ValueTask(problem.ToResult().ExecuteAsync(http));
    }
}
