using System.Text.Json.Serialization;
using CapitalFlows.Api;
using CapitalFlows.Demo;
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

namespace CapitalFlows.National;

/// <summary>
/// The national picture: capital by source, by province (each province's subtree) and by programme. On a store
/// holding the demo history, <c>sampleFactor</c> is its k: one borrower in k simulated and every capital amount
/// divided by k (absent on a store that was not seeded, whose figures are at 1 : 1).
/// </summary>
public sealed record CapitalSummary(
    DateOnly AsOf, Int128 TotalVnd, Int128 AvailableVnd, Int128 LoansOutstandingVnd, Int128 HeldNationallyVnd,
    IReadOnlyList<CapitalLine> BySource, IReadOnlyList<CapitalLine> ByProvince, IReadOnlyList<CapitalLine> ByProgramme)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? SampleFactor { get; init; }
}

/// <summary>
/// One line of the summary; <c>TotalVnd</c> = available + loans outstanding. A province's line also names it as
/// <c>localityName</c>, a programme's as <c>programmeName</c> (its Vietnamese name; <c>name</c> stays as before).
/// </summary>
public sealed record CapitalLine(string Code, string? Name, Int128 TotalVnd, Int128 AvailableVnd, Int128 LoansOutstandingVnd)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LocalityName { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ProgrammeName { get; init; }

    public static CapitalLine Of(string code, string? name, IEnumerable<Fund> funds)
    {
        var list = funds.ToList();
        var available = list.SumVnd(f => f.AvailableVnd);
        var outstanding = list.SumVnd(f => f.LoansOutstandingVnd);
        return new CapitalLine(code, name, available + outstanding, available, outstanding);
    }
}

public static class GetCapitalSummaryEndpoint
{
    [WolverineGet("/api/capital/summary")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string? asOf, string? knownAt, IQuerySession session, LocalityDirectory localities, ProgrammeCatalogue programmes,
        TimeProvider clock, CancellationToken ct)
    {
        var (reading, problem) = ReadDates.Reading(asOf, knownAt, clock);
        if (problem is not null) return problem.ToResult();

        var date = reading.AsOf;
        var structure = localities.KnownAt(reading.KnownAt);
        var funds = await FundQueries.All(session, reading, ct);
        var byProvince = funds.ToLookup(f => structure.ProvinceOf(f.Locality, date));
        var total = CapitalLine.Of("VN", null, funds);
        var scale = await session.LoadAsync<DemoScale>(DemoScale.DocumentId, ct);
        return Results.Ok(new CapitalSummary(
            date, total.TotalVnd, total.AvailableVnd, total.LoansOutstandingVnd,
            CapitalLine.Of("VN", null, byProvince[null]).TotalVnd,
            Sources.All.Select(s => CapitalLine.Of(s, null, funds.Where(f => f.Source == s))).ToList(),
            structure.All
                .Where(l => l.Level == LocalityLevel.Province && l.IsOpenOn(date))
                .Select(p => CapitalLine.Of(p.Code, p.NameOn(date), byProvince[p.Code]) with { LocalityName = p.NameOn(date) })
                .ToList(),
            programmes.All.Select(p => CapitalLine.Of(p.Code, p.Name, funds.Where(f => f.Programme == p.Code)) with { ProgrammeName = p.NameVi }).ToList())
        {
            SampleFactor = scale?.SampleFactor,
        });
    }
}
