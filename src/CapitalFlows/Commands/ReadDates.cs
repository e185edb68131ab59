using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Commands;

/// <summary>
/// The two time axes of a balance read: <c>asOf</c>, an effective date (the end of that day in Vietnam, today
/// when omitted), and <c>knownAt</c>, an instant (only what had been recorded by then; now when omitted).
/// </summary>
public sealed record BalanceReading(DateOnly AsOf, DateTimeOffset? KnownAt, bool IsLive);

public static class ReadDates
{
    public static (DateOnly AsOf, ProblemDetails? Problem) AsOf(string? asOf, TimeProvider clock)
    {
        var today = VietnamCalendar.Today(clock);
        if (asOf is null) return (today, null);
        if (!DateOnly.TryParseExact(asOf, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return (today, Problems.Validation("asOf", "asOf must be a date YYYY-MM-DD."));
        if (date > today)
            return (today, Problems.Validation("asOf", $"asOf {asOf} is in the future (today in Vietnam is {today:yyyy-MM-dd})."));
        return (date, null);
    }

    /// <summary>Both axes, validated: a malformed or future asOf, or a malformed knownAt, is 400.</summary>
    public static (BalanceReading Reading, ProblemDetails? Problem) Reading(string? asOf, string? knownAt, TimeProvider clock)
    {
        var (date, problem) = AsOf(asOf, clock);
        DateTimeOffset? known = null;
        if (knownAt is not null)
        {
            if (DateTimeOffset.TryParse(knownAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)) known = instant;
            else problem ??= Problems.Validation("knownAt", "knownAt must be an ISO-8601 instant, e.g. 2025-01-01T00:00:00+07:00.");
        }
        var live = date == VietnamCalendar.Today(clock) && (known is null || known >= clock.GetUtcNow());
        return (new BalanceReading(date, live ? null : known, live), problem);
    }
}
