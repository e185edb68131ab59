using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Reading;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Loans.ReadingCreditQuality;

/// <summary>The credit quality of a locality's subtree as of a date and as known at an instant, with rows by programme, organisation or child.</summary>
public sealed record CreditQualityView(
    string Locality, string LocalityName, DateOnly AsOf, string By, long OutstandingVnd, long OverdueVnd, double OverdueRatio,
    int LoansOutstanding, int LoansOverdue, int BorrowersOutstanding, long WrittenOffVnd, IReadOnlyList<CreditQualityRowView> Rows);

public sealed record CreditQualityRowView(
    string Key, string Name, long OutstandingVnd, long OverdueVnd, double OverdueRatio, int LoansOutstanding, int LoansOverdue,
    int BorrowersOutstanding, long WrittenOffVnd);

/// <summary>
/// <c>GET /api/localities/{code}/credit-quality</c>: one SQL aggregate over the loan quality movements of the subtree's
/// localities on the date (<see cref="CreditQualityQueries"/>), each locality mapped to its row's child (or the locality
/// itself); on both axes, with nothing folded in memory. Figures at 1,000,000 events are in the README.
/// </summary>
public static class GetCreditQualityEndpoint
{
    public static readonly IReadOnlyList<string> Groupings = ["programme", "organisation", "child"];

    [WolverineGet("/api/localities/{code}/credit-quality")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer},{Roles.PeopleCommittee},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string code, string? asOf, string? knownAt, string? by, ClaimsPrincipal user, IQuerySession session, LocalityDirectory localities,
        ProgrammeCatalogue programmes, TimeProvider clock, CancellationToken ct)
    {
        var grouping = by ?? "programme";
        if (!Groupings.Contains(grouping))
            return Problems.Validation("by", $"by must be one of {string.Join(", ", Groupings)}.").ToResult();
        var (reading, problem) = LocalityRead.Check(code, asOf, knownAt, user, localities, clock);
        if (problem is not null) return problem.ToResult();
        return Results.Ok(await ReadAsync(code, grouping, reading, session, localities, programmes, ct));
    }

    /// <summary>The read itself, for a locality the caller may read and a valid grouping (the endpoint's answer, and the <c>credit-quality</c> report's rows).</summary>
    public static async Task<CreditQualityView> ReadAsync(
        string code, string grouping, BalanceReading reading, IQuerySession session, LocalityDirectory localities,
        ProgrammeCatalogue programmes, CancellationToken ct)
    {
        var structure = localities.KnownAt(reading.KnownAt);
        var date = reading.AsOf;
        var groupOf = structure.SubtreeOn(code, date).Distinct(StringComparer.Ordinal).ToDictionary(c => c, _ => code, StringComparer.Ordinal);
        foreach (var child in structure.ChildrenOn(code, date))
            foreach (var below in structure.SubtreeOn(child.Code, date))
                groupOf[below] = child.Code;
        var (groups, total) = await CreditQualityQueries.ReadAsync(session, groupOf, grouping, reading, ct);
        var rows = groups
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Row(g.Key, grouping switch
            {
                "programme" => programmes.NameOf(g.Key),
                "organisation" => g.Key,
                _ => structure.Find(g.Key)?.NameOn(date) ?? g.Key,
            }, g.Figures))
            .ToList();
        return new CreditQualityView(
            code, structure.Find(code)?.NameOn(date) ?? code, date, grouping, total.OutstandingVnd, total.OverdueVnd, total.OverdueRatio,
            total.LoansOutstanding, total.LoansOverdue, total.BorrowersOutstanding, total.WrittenOffVnd, rows);
    }

    private static CreditQualityRowView Row(string key, string name, CreditQualityFigures f) =>
        new(key, name, f.OutstandingVnd, f.OverdueVnd, f.OverdueRatio, f.LoansOutstanding, f.LoansOverdue, f.BorrowersOutstanding, f.WrittenOffVnd);
}
