using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.National.ReadingDailyCapital;

/// <summary>One effective date of <c>GET /api/capital/daily</c>: the nation's flows on that day and the loans drawn down.</summary>
public sealed record DailyFlows(string Date, Int128 InflowsVnd, Int128 InflowsReversedVnd, Int128 LentVnd, Int128 RepaidVnd, int Loans);

/// <summary><c>GET /api/capital/daily?from=&amp;to=</c>: national flows per effective date (eventually consistent).</summary>

public static class GetDailyCapitalEndpoint
{
    [WolverineGet("/api/capital/daily")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.Analyst}")]
    public static async Task<IResult> Get(string? from, string? to, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var today = VietnamCalendar.Today(clock);
        var start = errors.EffectiveOn(from ?? "2000-01-01", today, "from");
        var end = errors.EffectiveOn(to, today, "to");
        if (errors.ToProblem() is { } problem) return problem.ToResult();
        string first = DailyCapitalProjection.Day(start), last = DailyCapitalProjection.Day(end);
        var days = await session.QueryAsync<DailyCapital>("where id >= ? and id <= ? order by id", ct, first, last);
        return Results.Ok(days.Select(d => new DailyFlows(d.Id, d.InflowsVnd, d.InflowsReversedVnd, d.LentVnd, d.RepaidVnd, d.Loans)));
    }
}
