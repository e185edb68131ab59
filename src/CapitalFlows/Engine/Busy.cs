using CapitalFlows.Api;
using Npgsql;

namespace CapitalFlows.Engine;

/// <summary>
/// "Busy, not broken" (API.md, Trust): a command that could not get its locks or a place among the node's commands
/// in flight in time, or a read that could not get a pooled connection, is answered 503 <c>/problems/busy</c> with
/// <c>Retry-After</c>. Nothing was appended (the transaction was rolled back, or never began), and the real cause is
/// logged, since the client is only told to come back.
/// </summary>
public static partial class Busy
{
    /// <summary>Seconds a client is asked to wait: long enough for a merge or a queue on one fund to drain.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>PostgreSQL's lock_not_available: <c>lock_timeout</c> ran out (advisory locks included).</summary>
    private const string LockNotAvailable = "55P03";

    /// <summary>
    /// Whether <paramref name="error"/> (or an exception it wraps, as Marten does) is the database being busy rather
    /// than broken: a lock wait past <c>lock_timeout</c>, or no pooled connection within the connection string's
    /// <c>Timeout</c> (Npgsql's pool exhaustion).
    /// </summary>
    public static bool IsBusy(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: LockNotAvailable }) return true;
            if (e is NpgsqlException and not PostgresException && e.Message.Contains("connection pool has been exhausted", StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    /// <summary>The 503 answer, which sets <c>Retry-After</c> on the response it is written to, after logging <paramref name="cause"/>.</summary>
    public static IResult Answer(ILogger logger, string what, string detail, Exception? cause)
    {
        LogBusy(logger, cause, what, detail);
        return new WithRetryAfter(Problems.Create("busy", detail).ToResult());
    }

    /// <summary>A read's 503 (the exception handler): the request names what was busy.</summary>
    public static IResult Answer(HttpContext http, string detail, Exception? cause) =>
        Answer(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Busy).FullName!),
            $"{http.Request.Method} {http.Request.Path}", detail, cause);

    private sealed class WithRetryAfter(IResult problem) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return problem.ExecuteAsync(httpContext);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "503 busy on {What}: {Detail}")]
    private static partial void LogBusy(ILogger logger, Exception? cause, string what, string detail);
}
