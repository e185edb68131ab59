using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Reading;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Funds.ReadingAllocations;

/// <summary>
/// One programme's allocation balance at a locality, over all sources:
/// <c>availableVnd = receivedVnd − passedDownVnd − lentVnd + repaidVnd</c>, and utilisation = loans
/// outstanding ÷ (available + loans outstanding), where loans outstanding = lent − repaid − <c>writtenOffVnd</c>
/// (principal written off: lent, never repaid, a loss on the source).
/// </summary>
public sealed record AllocationBalance(
    string Programme, string ProgrammeName, Int128 ReceivedVnd, Int128 PassedDownVnd, Int128 LentVnd, Int128 RepaidVnd, Int128 AvailableVnd, double Utilisation)
{
    public static AllocationBalance Of(string programme, string programmeName, IReadOnlyCollection<Fund> funds)
    {
        var available = funds.SumVnd(f => f.AvailableVnd);
        var outstanding = funds.SumVnd(f => f.LoansOutstandingVnd);
        return new AllocationBalance(programme, programmeName,
            funds.SumVnd(f => f.ReceivedVnd), funds.SumVnd(f => f.PassedDownVnd), funds.SumVnd(f => f.LentVnd), funds.SumVnd(f => f.RepaidVnd),
            available, available + outstanding == 0 ? 0 : (double)outstanding / (double)(available + outstanding))
        {
            WrittenOffVnd = funds.SumVnd(f => f.WrittenOffVnd),
        };
    }

    public Int128 WrittenOffVnd { get; init; }
}

public static class GetLocalityAllocationsEndpoint
{
    [WolverineGet("/api/localities/{code}/allocations")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer},{Roles.PeopleCommittee},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string code, string? asOf, string? knownAt, ClaimsPrincipal user,
        IQuerySession session, LocalityDirectory localities, ProgrammeCatalogue programmes, TimeProvider clock, CancellationToken ct)
    {
        var (reading, problem) = LocalityRead.Check(code, asOf, knownAt, user, localities, clock);
        if (problem is not null) return problem.ToResult();

        var own = await FundQueries.HeldAt(session, [code], reading, ct);
        return Results.Ok(own
            .GroupBy(f => f.Programme)
            .OrderBy(g => programmes.All.ToList().FindIndex(p => p.Code == g.Key))
            .Select(g => AllocationBalance.Of(g.Key, programmes.NameOf(g.Key), g.ToList())));
    }
}
