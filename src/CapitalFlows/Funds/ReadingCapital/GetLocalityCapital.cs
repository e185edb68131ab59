using System.Security.Claims;
using System.Text.Json.Serialization;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Reading;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Funds.ReadingCapital;

/// <summary>A locality's capital: its own funds, and rolled up over its subtree (API.md).</summary>
public sealed record LocalityCapital(string Locality, string LocalityName, DateOnly AsOf, Balances Own, Balances Subtree)
{
    /// <summary>With <c>?by=child</c>: each direct child's subtree on <c>asOf</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ChildCapital>? Children { get; init; }
}

/// <summary>One direct child of the locality read, with the capital of its whole subtree.</summary>
public sealed record ChildCapital(string Code, string Name, long AvailableVnd, long LoansOutstandingVnd);

public static class GetLocalityCapitalEndpoint
{
    public const string ByChild = "child";

    [WolverineGet("/api/localities/{code}/capital")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer},{Roles.PeopleCommittee},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string code, string? asOf, string? knownAt, string? by, ClaimsPrincipal user,
        IQuerySession session, LocalityDirectory localities, ProgrammeCatalogue programmes, TimeProvider clock, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var (_, dateProblem) = ReadDates.Reading(asOf, knownAt, clock);
        errors.Include(dateProblem);
        if (by is not null && by != ByChild) errors.Add("by", $"by must be '{ByChild}' (or left out).");
        if (errors.ToProblem() is { } invalid) return invalid.ToResult();
        var (reading, problem) = LocalityRead.Check(code, asOf, knownAt, user, localities, clock);
        if (problem is not null) return problem.ToResult();

        var structure = localities.KnownAt(reading.KnownAt);
        // Each fund's key parsed once: the own funds, the subtree's and the children's all read it.
        var subtree = KeyedFund.AllOf(await FundQueries.SubtreeOf(session, code, reading, structure, ct));
        return Results.Ok(new LocalityCapital(code, structure.Find(code)!.NameOn(reading.AsOf), reading.AsOf,
            Balances.Of(subtree.Where(f => f.Key.Locality == code), programmes),
            Balances.Of(subtree, programmes))
        {
            Children = by == ByChild ? ChildrenOf(code, reading.AsOf, structure, subtree) : null,
        });
    }

    /// <summary>Each direct child open on the date, with the funds of its subtree summed (from the funds already read).</summary>
    private static List<ChildCapital> ChildrenOf(string code, DateOnly date, LocalityDirectory structure, IReadOnlyList<KeyedFund> subtree)
    {
        var children = structure.ChildrenOn(code, date).Where(c => c.IsOpenOn(date)).OrderBy(c => c.Code, StringComparer.Ordinal).ToList();
        var childOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var child in children)
            foreach (var below in structure.SubtreeOn(child.Code, date))
                childOf[below] = child.Code;
        var byChild = subtree.Where(f => childOf.ContainsKey(f.Key.Locality)).ToLookup(f => childOf[f.Key.Locality], f => f.Fund);
        return children
            .Select(c => new ChildCapital(c.Code, c.NameOn(date),
                byChild[c.Code].Sum(f => f.AvailableVnd), byChild[c.Code].Sum(f => f.LoansOutstandingVnd)))
            .ToList();
    }
}
