using System.Security.Claims;
using CapitalFlows.Commands;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Funds.ReadingCapital;

/// <summary>A locality's capital: its own funds, and rolled up over its subtree (API.md).</summary>
public sealed record LocalityCapital(string Locality, DateOnly AsOf, Balances Own, Balances Subtree);

public static class GetLocalityCapitalEndpoint
{
    [WolverineGet("/api/localities/{code}/capital")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer},{Roles.PeopleCommittee},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string code, string? asOf, string? knownAt, ClaimsPrincipal user,
        IQuerySession session, LocalityDirectory localities, TimeProvider clock, CancellationToken ct)
    {
        var (reading, problem) = LocalityRead.Check(code, asOf, knownAt, user, localities, clock);
        if (problem is not null) return problem.ToResult();

        var subtree = await FundQueries.SubtreeOf(session, code, reading, localities.KnownAt(reading.KnownAt), ct);
        return Results.Ok(new LocalityCapital(code, reading.AsOf,
            Balances.Of(subtree.Where(f => f.Locality == code)),
            Balances.Of(subtree)));
    }
}
