using CapitalFlows.Api;
using CapitalFlows.Engine;
using Wolverine.Http;

namespace CapitalFlows.Localities.ReadingLocalities;

/// <summary><c>GET /api/localities/{code}?asOf=</c>: one locality as it stood on a date; 404 when no unit held the code yet.</summary>
public static class GetLocalityEndpoint
{
    [WolverineGet("/api/localities/{code}")]
    public static IResult Get(string code, string? asOf, string? knownAt, LocalityDirectory localities, TimeProvider clock)
    {
        var (reading, problem) = ReadDates.Reading(asOf, knownAt, clock);
        if (problem is not null) return problem.ToResult();
        var date = reading.AsOf;
        return localities.KnownAt(reading.KnownAt).FindOn(code, date) is { } locality
            ? Results.Ok(LocalityView.On(locality, date))
            : Problems.NotFound($"No locality had the code {code} on {date:yyyy-MM-dd}.").ToResult();
    }
}
