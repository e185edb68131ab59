using System.Text;
using System.Text.Json;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Operations;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.EventLog;

/// <summary>
/// <c>GET /api/events?after=&amp;limit=&amp;from=&amp;to=&amp;recordedFrom=&amp;recordedTo=&amp;format=ndjson|csv</c>: the log in
/// global order, streamed to the client a page at a time, resumable with <c>after</c> = the last sequence read.
/// </summary>
/// <remarks>
/// <para>No export holds a database connection while it waits on its client. Each page (<see cref="PageSize"/>
/// events) is read on a pooled connection that goes back to the pool as soon as the page is read; only then is the
/// page written to the client, which may take as long as the client likes. Pages follow <c>seq_id &gt; last</c>
/// up to the last sequence of the log when the export began, so an export ends even while commands append
/// (what they append is for the next export, <c>after</c> = the last sequence read). At most
/// <c>Exports:MaxConcurrent</c> exports run on a node (<see cref="ExportLimiter"/>).</para>
/// <para>Sequence gaps. Marten numbers events when a transaction inserts them, not when it commits, so a
/// transaction still in flight can hold a sequence below one that is already visible. A page does not see it. If it
/// commits before the export has paged past its number, a later page of the same export includes it; if not, this
/// export, and a client that resumes with <c>after</c> = the last sequence it read, never see it. The export before
/// pages (one snapshot for the whole log) had the same limit, and a page can only see more, never less. A client
/// that must miss nothing resumes a little behind its last sequence and drops what it has read already, or
/// reads up to a few seconds behind the head of the log.</para>
/// </remarks>
public static class GetEventsEndpoint
{
    /// <summary>Events read per page: a few hundred kilobytes of memory per export, a short use of a connection.</summary>
    public const int PageSize = 2_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Lines for files and pipes, not HTML: keep '+' in instants and Vietnamese letters as they are.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [WolverineGet("/api/events")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.Analyst}")]
    public static async Task Get(
        string? after, string? limit, string? from, string? to, string? recordedFrom, string? recordedTo, string? format,
        HttpContext http, IDocumentStore store, LocalityDirectory localities, ExportLimiter exports)
    {
        var errors = new FieldErrors();
        var csv = format switch
        {
            null or "ndjson" => false,
            "csv" => true,
            _ => AddError(errors, "format", "format must be ndjson or csv."),
        };
        var (query, problem) = EventLogQuery.Parse(after, limit, from, to, recordedFrom, recordedTo, errors);
        if (problem is not null)
        {
            await problem.ToResult().ExecuteAsync(http);
            return;
        }
        using var slot = exports.TryEnter();
        if (slot is null)
        {
            await exports.Refuse(http).ExecuteAsync(http);
            return;
        }

        var ct = http.RequestAborted;
        var through = await EventLogQuery.LastSequenceAsync(store, ct);
        http.Response.ContentType = csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 64 * 1024);
        // The byte-order mark tells a spreadsheet the file is UTF-8, so Vietnamese letters open as they are.
        if (csv) await writer.WriteAsync('\uFEFF' + EventCsv.Header);
        var last = query.After;
        var left = query.Limit ?? long.MaxValue;
        while (left > 0)
        {
            var size = (int)Math.Min(PageSize, left);
            var page = await query.PageAsync(store, last, through, size, ct);
            // The connection is back in the pool: from here on the page waits on the client alone.
            foreach (var e in page)
            {
                await writer.WriteAsync(csv ? EventCsv.Line(e, localities) : JsonSerializer.Serialize(new
                {
                    e.Sequence, e.StreamKey, e.Version, e.Type, e.EffectiveOn, e.RecordedAt, e.CommandId, e.CorrelationId, e.User, e.Data, e.Hash,
                }, Json) + "\n");
            }
            await writer.FlushAsync(ct);
            if (page.Count < size) break;
            last = page[^1].Sequence;
            left -= page.Count;
        }
    }

    private static bool AddError(FieldErrors errors, string field, string message)
    {
        errors.Add(field, message);
        return false;
    }
}
