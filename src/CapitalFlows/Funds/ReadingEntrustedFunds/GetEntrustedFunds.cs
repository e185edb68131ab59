using System.Globalization;
using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Reading;
using CapitalFlows.Security;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Funds.ReadingEntrustedFunds;

/// <summary>
/// <c>GET /api/localities/{code}/entrusted-funds?year=&amp;asOf=&amp;knownAt=</c>: the People's Committee's statement
/// of the local budget it entrusted, from the events of the local-budget funds of the locality, its subtree and the
/// localities merged into them by <c>asOf</c>, effective by <c>asOf</c> and recorded by <c>knownAt</c>.
/// </summary>
public static class GetEntrustedFundsEndpoint
{
    public const int FirstYear = 2000;

    [WolverineGet("/api/localities/{code}/entrusted-funds")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer},{Roles.PeopleCommittee},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string code, string? year, string? asOf, string? knownAt, ClaimsPrincipal user, IQuerySession session, LocalityDirectory localities,
        ProgrammeCatalogue programmes, TimeProvider clock, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var (reading, dateProblem) = ReadDates.Reading(asOf, knownAt, clock);
        errors.Include(dateProblem);
        int? wantedYear = null;
        if (year is not null)
        {
            if (int.TryParse(year, NumberStyles.None, CultureInfo.InvariantCulture, out var y) && y >= FirstYear && y <= reading.AsOf.Year) wantedYear = y;
            else errors.Add("year", $"year must be a year from {FirstYear} to {reading.AsOf.Year} (the year of asOf).");
        }
        if (errors.ToProblem() is { } invalid) return invalid.ToResult();
        var (_, problem) = LocalityRead.Check(code, asOf, knownAt, user, localities, clock);
        if (problem is not null) return problem.ToResult();

        var structure = localities.KnownAt(reading.KnownAt);
        var read = await EventsAsync(session, structure, code, reading, clock, ct);
        return Results.Ok(EntrustedFundsStatement.From(
            code, structure.Find(code)!.NameOn(reading.AsOf), reading.AsOf, wantedYear, read,
            programmes.NameOf));
    }

    /// <summary>
    /// The events the statement is built from: those of the local-budget funds of the locality (see
    /// <see cref="Covered"/>), effective by <c>asOf</c> and recorded by <c>knownAt</c>, in log order. The
    /// bank's entrusted-funds report reads them here too.
    /// </summary>
    public static async Task<IReadOnlyList<StreamEvent>> EventsAsync(
        IQuerySession session, LocalityDirectory structure, string code, BalanceReading reading, TimeProvider clock, CancellationToken ct)
    {
        // Every fund that ever held local budget of these localities exists today: its events say what it held by asOf.
        var live = new BalanceReading(VietnamCalendar.Today(clock), null, true);
        var funds = code == LocalityDirectory.Nation
            ? await FundQueries.Live(session, ct)
            : await FundQueries.HeldAt(session, Covered(structure, code, reading.AsOf), live, ct);
        var keys = funds.Where(f => f.Source == Sources.LocalBudget).Select(f => f.Id).ToArray();
        IReadOnlyList<IEvent> events = keys.Length == 0
            ? []
            : await session.Events.QueryAllRawEvents().Where(e => e.StreamKey!.IsOneOf(keys)).OrderBy(e => e.Sequence).ToListAsync(ct);
        return events
            .Where(e => ((ILedgerEvent)e.Data).EffectiveOn <= reading.AsOf)
            .Where(e => reading.KnownAt is null || FundMovementProjection.RecordedAt(e) <= reading.KnownAt)
            .Select(e => new StreamEvent(e.StreamKey!, e.Data))
            .ToList();
    }

    /// <summary>
    /// The locality, its subtree on the date, and the localities merged into one of them on or before that date
    /// (directly or through earlier merges): a successor's statement includes what their committees entrusted.
    /// </summary>
    public static IReadOnlyList<string> Covered(LocalityDirectory structure, string code, DateOnly asOf)
    {
        var covered = structure.SubtreeOn(code, asOf).ToHashSet(StringComparer.Ordinal);
        var merged = structure.All.Where(l => l.Successor is not null && l.ClosedOn <= asOf).ToList();
        for (var added = true; added;)
        {
            var more = merged.Where(l => covered.Contains(l.Successor!) && !covered.Contains(l.Code)).Select(l => l.Code).ToList();
            covered.UnionWith(more);
            added = more.Count > 0;
        }
        return [.. covered];
    }
}
