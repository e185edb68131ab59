using System.Security.Claims;
using CapitalFlows.Commands;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Funds.ReadingEntrustedFunds;

public static class GetEntrustedFundsEndpoint
{
    [WolverineGet("/api/localities/{code}/entrusted-funds")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer},{Roles.PeopleCommittee},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string code, string? year, ClaimsPrincipal user, IQuerySession session, LocalityDirectory localities, TimeProvider clock, CancellationToken ct)
    {
        var today = VietnamCalendar.Today(clock);
        int? wantedYear = null;
        if (year is not null)
        {
            if (int.TryParse(year, System.Globalization.CultureInfo.InvariantCulture, out var y) && y >= 2000 && y <= today.Year) wantedYear = y;
            else return Problems.Validation("year", $"year must be a year from 2000 to {today.Year}.").ToResult();
        }
        var (_, problem) = LocalityRead.Check(code, null, null, user, localities, clock);
        if (problem is not null) return problem.ToResult();

        // A successor's statement includes what the committees of the localities merged into it entrusted.
        var live = new BalanceReading(today, null, true);
        var funds = code == LocalityDirectory.Nation
            ? await FundQueries.Live(session, ct)
            : await FundQueries.HeldAt(session, localities.WithMergedInto(localities.SubtreeOn(code, today)), live, ct);
        var keys = funds
            .Where(f => f.Source == Sources.LocalBudget)
            .Select(f => f.Id)
            .ToArray();
        IReadOnlyList<IEvent> events = keys.Length == 0
            ? []
            : await session.Events.QueryAllRawEvents().Where(e => e.StreamKey!.IsOneOf(keys)).OrderBy(e => e.Sequence).ToListAsync(ct);
        return Results.Ok(EntrustedFundsStatement.From(code, wantedYear,
            events.Select(e => new StreamEvent(e.StreamKey!, e.Data)).ToList()));
    }
}
