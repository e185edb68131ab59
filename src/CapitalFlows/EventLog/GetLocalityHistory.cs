using System.Globalization;
using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.EventLog.LocalityIndex;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Reading;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Npgsql;
using Wolverine.Http;

namespace CapitalFlows.EventLog;

/// <summary>A page of a locality's history; <c>Next</c> is the <c>after</c> of the following page.</summary>
public sealed record HistoryPage(IReadOnlyList<LocalityHistoryItem> Items, long? Next);

/// <summary>
/// <c>GET /api/localities/{code}/history?from=&amp;to=&amp;after=&amp;limit=</c>: the events of the locality's own funds
/// and of the loans drawn there or moved there by a merge (each loan's whole stream), in log order, paged;
/// <c>from</c>/<c>to</c> filter on the effective date.
/// </summary>
public static class GetLocalityHistoryEndpoint
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    [WolverineGet("/api/localities/{code}/history")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer},{Roles.PeopleCommittee},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string code, string? from, string? to, string? after, string? limit, ClaimsPrincipal user,
        IDocumentStore store, LocalityDirectory localities, ProgrammeCatalogue programmes, TimeProvider clock, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var today = VietnamCalendar.Today(clock);
        var first = errors.EffectiveOn(from ?? "0001-01-01", today, "from");
        var last = errors.EffectiveOn(to, today, "to");
        long afterSequence = 0;
        var take = DefaultLimit;
        if (after is not null && (!long.TryParse(after, CultureInfo.InvariantCulture, out afterSequence) || afterSequence < 0))
            errors.Add("after", "after must be a sequence number (0 or more).");
        if (limit is not null && (!int.TryParse(limit, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
            errors.Add("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
        if (errors.ToProblem() is { } invalid) return invalid.ToResult();
        var (_, problem) = LocalityRead.Check(code, null, null, user, localities, clock);
        if (problem is not null) return problem.ToResult();

        var schema = store.Options.Events.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        // The locality's events are a range of its rows in the locality index (LocalityEvents: its funds' events and
        // its loans' whole streams), each with its effective date; each event is then one primary-key lookup.
        await using var command = new NpgsqlCommand($"""
            select {LoggedEvent.Columns(schema)}
            from {schema}.{LocalityEvents.TableName} h
            join {schema}.mt_events e on e.seq_id = h.seq_id
            where h.locality = $1 and h.seq_id > $2 and h.effective_on between $3 and $4
            order by h.seq_id
            limit $5
            """, connection);
        foreach (var value in new object[] { code, afterSequence, first, last, take + 1 })
            command.Parameters.Add(new NpgsqlParameter { Value = value });

        var items = new List<LoggedEvent>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                items.Add(LoggedEvent.Read(reader));
        var more = items.Count > take;
        if (more) items.RemoveAt(items.Count - 1);
        if (!BorrowerIdentities.AreShownTo(Caller.From(user)))
            foreach (var item in items) BorrowerIdentities.Hide(item.Data);
        return Results.Ok(new HistoryPage(
            items.Select(e => LocalityHistoryItem.Of(e, localities, programmes, today)).ToList(), more ? items[^1].Sequence : null));
    }
}
