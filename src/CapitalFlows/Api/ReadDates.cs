using System.Globalization;
using CapitalFlows.Engine;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Api;

/// <summary>
/// The two time axes of a balance read: <c>asOf</c>, an effective date (the end of that day in Vietnam, today
/// when omitted), and <c>knownAt</c>, an instant (only what had been recorded by then; now when omitted).
/// </summary>
public sealed record BalanceReading(DateOnly AsOf, DateTimeOffset? KnownAt, bool IsLive)
{
    /// <summary>
    /// The last effective date a movement the reading counts can hold: <see cref="AsOf"/>, and as known at an instant
    /// no later than the day after that instant in Vietnam. No command takes an effective date after its day (a future
    /// <c>effectiveOn</c> is refused), so a movement recorded by the instant is effective by the instant's day; the day
    /// after leaves room for a node whose clock is a little ahead. Reads start their index ranges here.
    /// </summary>
    public DateOnly EffectiveBy
    {
        get
        {
            if (KnownAt is not { } knownAt) return AsOf;
            var dayAfter = DateOnly.FromDateTime(knownAt.ToOffset(VietnamCalendar.Offset).DateTime).AddDays(1);
            return dayAfter < AsOf ? dayAfter : AsOf;
        }
    }
}

/// <summary>
/// Strict parsing of the dates a read takes (API.md, second edition): <c>asOf</c> is exactly <c>YYYY-MM-DD</c>,
/// <c>knownAt</c> exactly an ISO-8601 instant with its offset or <c>Z</c>; anything else, or a value in the future,
/// is 400 validation naming the field. Locale forms (<c>1/2/2026</c>) and instants without an offset (whose meaning
/// would depend on the server's time zone) are refused rather than guessed.
/// </summary>
public static class ReadDates
{
    /// <summary>
    /// <c>2026-01-02T00:00:00+07:00</c>, <c>2026-01-02T00:00:00Z</c>, with or without a fraction of a second
    /// (up to seven digits) and with or without seconds.
    /// </summary>
    private static readonly string[] InstantFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mmzzz", "yyyy-MM-dd'T'HH:mm'Z'",
    ];

    public static (DateOnly AsOf, ProblemDetails? Problem) AsOf(string? asOf, TimeProvider clock) => Date(asOf, "asOf", clock);

    /// <summary>A calendar date YYYY-MM-DD that is not after today in Vietnam (today when omitted).</summary>
    public static (DateOnly Date, ProblemDetails? Problem) Date(string? value, string field, TimeProvider clock)
    {
        var today = VietnamCalendar.Today(clock);
        if (value is null) return (today, null);
        if (!TryParseDate(value, out var date))
            return (today, Problems.Validation(field, $"{field} must be a date YYYY-MM-DD."));
        if (date > today)
            return (today, Problems.Validation(field, $"{field} {value} is in the future (today in Vietnam is {today:yyyy-MM-dd})."));
        return (date, null);
    }

    /// <summary>Exactly YYYY-MM-DD (no time, no spaces, no other calendar).</summary>
    public static bool TryParseDate(string value, out DateOnly date) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>Exactly an ISO-8601 instant with an offset or Z (see <see cref="InstantFormats"/>).</summary>
    public static bool TryParseInstant(string value, out DateTimeOffset instant) =>
        DateTimeOffset.TryParseExact(value, InstantFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);

    /// <summary>An instant that is not after now (null when omitted).</summary>
    public static (DateTimeOffset? Instant, ProblemDetails? Problem) Instant(string? value, string field, TimeProvider clock)
    {
        if (value is null) return (null, null);
        if (!TryParseInstant(value, out var instant))
            return (null, Problems.Validation(field,
                $"{field} must be an ISO-8601 instant with its offset or Z, e.g. 2026-01-02T00:00:00+07:00 or 2026-01-01T17:00:00Z."));
        var now = clock.GetUtcNow();
        if (instant > now)
            return (null, Problems.Validation(field, $"{field} {value} is in the future (now is {now:yyyy-MM-dd'T'HH:mm:ss'Z'})."));
        return (instant, null);
    }

    /// <summary>Both axes, validated: a malformed or future asOf or knownAt is 400 (each field named).</summary>
    public static (BalanceReading Reading, ProblemDetails? Problem) Reading(string? asOf, string? knownAt, TimeProvider clock)
    {
        var (date, dateProblem) = AsOf(asOf, clock);
        var (known, instantProblem) = Instant(knownAt, "knownAt", clock);
        var problem = (dateProblem, instantProblem) switch
        {
            (null, null) => null,
            ({ } one, null) => one,
            (null, { } other) => other,
            ({ } one, { } other) => Problems.Validation(Errors(one).Concat(Errors(other)).ToDictionary(e => e.Key, e => e.Value)),
        };
        var live = date == VietnamCalendar.Today(clock) && known is null;
        return (new BalanceReading(date, live ? null : known, live), problem);
    }

    private static IReadOnlyDictionary<string, string[]> Errors(ProblemDetails problem) =>
        (IReadOnlyDictionary<string, string[]>)problem.Extensions["errors"]!;
}
