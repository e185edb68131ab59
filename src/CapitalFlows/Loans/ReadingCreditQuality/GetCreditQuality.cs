using System.Security.Claims;
using CapitalFlows.Commands;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
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
/// <c>GET /api/localities/{code}/credit-quality</c>: the loans of the subtree are found by their snapshot's locality
/// (indexed; or their successor's, for loans a merge has moved since). A loan whose latest movement is on or before
/// <c>asOf</c> is its snapshot as of that date (effective dates never go backwards per loan), so a read of today uses
/// the snapshots alone; only the loans that moved after <c>asOf</c>, or every loan when <c>knownAt</c> is given, are
/// folded from their (short) streams, read in one query of the log. Overdue is then a reading of each schedule.
/// Not measured at 1,000,000 events (see the README).
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
        var codes = structure.SubtreeOn(code, date).ToHashSet(StringComparer.Ordinal);
        var loans = await LoansAsync(session, codes, structure, reading, ct);

        var childOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var child in structure.ChildrenOn(code, date))
            foreach (var below in structure.SubtreeOn(child.Code, date))
                childOf[below] = child.Code;
        var rows = loans
            .GroupBy(l => grouping switch
            {
                "programme" => l.Programme,
                "organisation" => l.EntrustedOrganisation,
                _ => childOf.GetValueOrDefault(l.Locality, code),
            }, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Row(g.Key, grouping switch
            {
                "programme" => programmes.NameOf(g.Key),
                "organisation" => g.Key,
                _ => structure.Find(g.Key)?.NameOn(date) ?? g.Key,
            }, CreditQualityFigures.Of(g, date)))
            .ToList();
        var total = CreditQualityFigures.Of(loans, date);
        return new CreditQualityView(
            code, structure.Find(code)?.NameOn(date) ?? code, date, grouping, total.OutstandingVnd, total.OverdueVnd, total.OverdueRatio,
            total.LoansOutstanding, total.LoansOverdue, total.BorrowersOutstanding, total.WrittenOffVnd, rows);
    }

    private static CreditQualityRowView Row(string key, string name, CreditQualityFigures f) =>
        new(key, name, f.OutstandingVnd, f.OverdueVnd, f.OverdueRatio, f.LoansOutstanding, f.LoansOverdue, f.BorrowersOutstanding, f.WrittenOffVnd);

    /// <summary>The loans in the subtree on the date, each as it stood on the reading.</summary>
    private static async Task<List<Loan>> LoansAsync(
        IQuerySession session, HashSet<string> codes, LocalityDirectory structure, BalanceReading reading, CancellationToken ct)
    {
        var holders = codes.Concat(codes.Select(structure.HolderOf)).Distinct(StringComparer.Ordinal).ToArray();
        var snapshots = await session.Query<Loan>().Where(l => holders.Contains(l.Locality)).ToListAsync(ct);
        bool Stands(Loan l) => reading.KnownAt is null && l.LastMovementOn <= reading.AsOf;
        var asTheyStand = snapshots.Where(Stands).ToList();
        var toFold = snapshots.Where(l => l.DrawnOn <= reading.AsOf && !Stands(l)).Select(l => l.Id).ToArray();
        var folded = new List<Loan>();
        if (toFold.Length > 0)
        {
            var events = await session.Events.QueryAllRawEvents().Where(e => toFold.Contains(e.StreamKey!)).ToListAsync(ct);
            folded = events
                .Where(e => ((ILedgerEvent)e.Data).EffectiveOn <= reading.AsOf)
                .Where(e => reading.KnownAt is null || FundMovementProjection.RecordedAt(e) <= reading.KnownAt)
                .GroupBy(e => e.StreamKey!, StringComparer.Ordinal)
                .Select(g => Loan.Fold(g.OrderBy(e => e.Version).Select(e => e.Data)))
                .OfType<Loan>()
                .ToList();
        }
        return [.. asTheyStand.Concat(folded).Where(l => codes.Contains(l.Locality))];
    }
}
