using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Commands;

/// <summary>
/// The <c>asOf</c> of a read: an effective date (the end of that day in Vietnam), today when omitted.
/// Balances are read from the live projections, which hold today's state; balances as of an earlier
/// date or <c>knownAt</c> an earlier instant are answered by the history projections (not built yet),
/// so such a request is refused with a clear 400 rather than answered with today's figures.
/// </summary>
public static class ReadDates
{
    public static (DateOnly AsOf, ProblemDetails? Problem) AsOf(string? asOf, TimeProvider clock, bool pastAllowed = true)
    {
        var today = VietnamCalendar.Today(clock);
        if (asOf is null) return (today, null);
        if (!DateOnly.TryParseExact(asOf, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return (today, Problems.Validation("asOf", "asOf must be a date YYYY-MM-DD."));
        if (date > today)
            return (today, Problems.Validation("asOf", $"asOf {asOf} is in the future (today in Vietnam is {today:yyyy-MM-dd})."));
        if (date < today && !pastAllowed)
            return (today, Problems.Validation("asOf", "Balances as of a past date are not available yet: this service answers for today only."));
        return (date, null);
    }

    public static ProblemDetails? KnownAt(string? knownAt)
    {
        if (knownAt is null) return null;
        return DateTimeOffset.TryParse(knownAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _)
            ? Problems.Validation("knownAt", "Balances known at a past instant are not available yet: this service answers with all that is recorded.")
            : Problems.Validation("knownAt", "knownAt must be an ISO-8601 instant.");
    }
}
