using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Reading;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.National.ComparingCapital;

/// <summary>
/// <c>GET /api/capital/compare?dates=D1,D2[,...]&amp;by=province|programme|source&amp;structure=current|asof&amp;knownAt=</c>
/// (central finance, analysts): the national capital at each date, side by side. <c>structure=current</c> (the
/// default) restates every date on today's provinces; <c>asof</c> shows each date's own. <c>by</c> defaults to
/// province. Each date is read as the summary reads it (one row per fund, as of that date and as known at the instant).
/// </summary>
public static class GetCapitalComparisonEndpoint
{
    public const int MaxDates = 12;

    [WolverineGet("/api/capital/compare")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string? dates, string? by, string? structure, string? knownAt, IQuerySession session, LocalityDirectory localities,
        ProgrammeCatalogue programmes, TimeProvider clock, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var today = VietnamCalendar.Today(clock);
        var asked = Dates(dates, today, errors);
        var wantedBy = by ?? CapitalComparisonTable.ByProvince;
        if (!CapitalComparisonTable.Bys.Contains(wantedBy)) errors.Add("by", $"by must be one of {string.Join(", ", CapitalComparisonTable.Bys)}.");
        var wantedStructure = structure ?? CapitalComparisonTable.Current;
        if (!CapitalComparisonTable.Structures.Contains(wantedStructure))
            errors.Add("structure", $"structure must be one of {string.Join(", ", CapitalComparisonTable.Structures)}.");
        var (known, knownProblem) = ReadDates.Instant(knownAt, "knownAt", clock);
        errors.Include(knownProblem);
        if (errors.ToProblem() is { } invalid) return invalid.ToResult();

        var columns = new List<(DateOnly, IReadOnlyList<Fund>)>();
        foreach (var date in asked)
        {
            var live = date == today && known is null;
            columns.Add((date, await FundQueries.All(session, new BalanceReading(date, live ? null : known, live), ct)));
        }
        return Results.Ok(CapitalComparisonTable.Build(
            wantedBy, wantedStructure, columns, known, localities.KnownAt(known), programmes, today));
    }

    /// <summary>The dates, comma-separated: each YYYY-MM-DD and not in the future, distinct, from 1 to <see cref="MaxDates"/>.</summary>
    private static List<DateOnly> Dates(string? dates, DateOnly today, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(dates))
        {
            errors.Add("dates", "dates is required: one to 12 dates YYYY-MM-DD, separated by commas.");
            return [];
        }
        var parts = dates.Split(',');
        if (parts.Length > MaxDates)
        {
            errors.Add("dates", $"dates may name at most {MaxDates} dates; it names {parts.Length}.");
            return [];
        }
        var parsed = new List<DateOnly>();
        foreach (var part in parts)
        {
            if (!ReadDates.TryParseDate(part, out var date)) errors.Add("dates", $"'{part}' is not a date YYYY-MM-DD.");
            else if (date > today) errors.Add("dates", $"{part} is in the future (today in Vietnam is {today:yyyy-MM-dd}).");
            else if (parsed.Contains(date)) errors.Add("dates", $"{part} is named twice.");
            else parsed.Add(date);
        }
        return parsed;
    }
}
