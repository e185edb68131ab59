using CapitalFlows.Api;
using CapitalFlows.Engine;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Localities.ReadingLocalities;

/// <summary>
/// <c>GET /api/localities?q=&amp;level=&amp;parent=&amp;status=&amp;asOf=&amp;knownAt=</c>: the localities open (or merged) on a
/// date, as the structure was known at an instant; with <c>q</c>, only those whose code or name matches, best first
/// (<see cref="LocalitySearch"/>).
/// </summary>
public static class GetLocalitiesEndpoint
{
    public static readonly IReadOnlyList<string> Statuses = ["active", "merged", "all"];

    [WolverineGet("/api/localities")]
    public static IResult Get(
        string? q, string? level, string? parent, string? status, string? asOf, string? knownAt, LocalityDirectory localities, TimeProvider clock)
    {
        var errors = new FieldErrors();
        if (level is not null && !LocalityLevel.All.Contains(level)) errors.Add("level", $"level must be one of {string.Join(", ", LocalityLevel.All)}.");
        if (status is not null && !Statuses.Contains(status)) errors.Add("status", $"status must be one of {string.Join(", ", Statuses)}.");
        if (q is not null && LocalitySearch.Fold(q).Length == 0)
            errors.Add("q", "q must hold a code or part of a name (a letter or a digit).");
        else if (q is not null && q.Length > LocalitySearch.MaxQueryLength)
            errors.Add("q", $"q may be at most {LocalitySearch.MaxQueryLength} characters.");
        var (reading, dateProblem) = ReadDates.Reading(asOf, knownAt, clock);
        errors.Include(dateProblem);
        if (errors.ToProblem() is { } problem) return problem.ToResult();

        var date = reading.AsOf;
        var wanted = status ?? "active";
        var found = localities.KnownAt(reading.KnownAt).All
            .Where(l => l.ExistsOn(date))
            .Where(l => level is null || l.Level == level)
            .Where(l => parent is null || l.ParentOn(date) == parent)
            .Where(l => wanted == "all" || l.StatusOn(date) == wanted);
        if (q is not null) found = LocalitySearch.Find(found, q, date);
        return Results.Ok(found.Select(l => LocalityView.On(l, date)));
    }
}
