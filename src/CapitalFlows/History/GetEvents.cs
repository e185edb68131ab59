using System.Globalization;
using System.Text;
using System.Text.Json;
using CapitalFlows.Commands;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Npgsql;
using Wolverine.Http;

namespace CapitalFlows.History;

/// <summary>
/// <c>GET /api/events?after=&amp;limit=&amp;format=ndjson|csv</c>: the whole log in global order, streamed row by
/// row from the database to the client (never held in memory), resumable with <c>after</c> = the last sequence read.
/// </summary>
public static class GetEventsEndpoint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Lines for files and pipes, not HTML: keep '+' in instants and Vietnamese letters as they are.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [WolverineGet("/api/events")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.Analyst}")]
    public static async Task Get(string? after, string? limit, string? format, HttpContext http, IDocumentStore store)
    {
        var errors = new FieldErrors();
        long afterSequence = 0;
        long? take = null;
        if (after is not null && (!long.TryParse(after, CultureInfo.InvariantCulture, out afterSequence) || afterSequence < 0))
            errors.Add("after", "after must be a sequence number (0 or more).");
        if (limit is not null)
        {
            if (long.TryParse(limit, CultureInfo.InvariantCulture, out var l) && l > 0) take = l;
            else errors.Add("limit", "limit must be a whole number above 0.");
        }
        var csv = format switch
        {
            null or "ndjson" => false,
            "csv" => true,
            _ => AddError(errors, "format", "format must be ndjson or csv."),
        };
        if (errors.ToProblem() is { } problem)
        {
            await problem.ToResult().ExecuteAsync(http);
            return;
        }

        var ct = http.RequestAborted;
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            // Marten's tombstones (filling the sequence numbers of a failed transaction) are not events of the ledger.
            $"select {LoggedEvent.Columns(schema)} from {schema}.mt_events e where e.seq_id > $1 and e.stream_id <> $2 order by e.seq_id" +
            (take is null ? "" : " limit $3"), connection);
        command.Parameters.Add(new NpgsqlParameter { Value = afterSequence });
        command.Parameters.Add(new NpgsqlParameter { Value = JasperFx.Events.Tombstone.StreamKey });
        if (take is not null) command.Parameters.Add(new NpgsqlParameter { Value = take.Value });

        http.Response.ContentType = csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 64 * 1024);
        if (csv) await writer.WriteLineAsync("sequence,streamKey,version,type,effectiveOn,recordedAt,commandId,correlationId,user,data");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = 0;
        while (await reader.ReadAsync(ct))
        {
            var e = LoggedEvent.Read(reader);
            await writer.WriteLineAsync(csv ? CsvLine(e) : JsonSerializer.Serialize(new
            {
                e.Sequence, e.StreamKey, e.Version, e.Type, e.EffectiveOn, e.RecordedAt, e.CommandId, e.CorrelationId, e.User, e.Data,
            }, Json));
            if (++rows % 1000 == 0) await writer.FlushAsync(ct);
        }
    }

    private static bool AddError(FieldErrors errors, string field, string message)
    {
        errors.Add(field, message);
        return false;
    }

    private static string CsvLine(LoggedEvent e) => string.Join(",",
        e.Sequence.ToString(CultureInfo.InvariantCulture), Quote(e.StreamKey), e.Version.ToString(CultureInfo.InvariantCulture), Quote(e.Type),
        Quote(e.EffectiveOn), Quote(e.RecordedAt), Quote(e.CommandId), Quote(e.CorrelationId),
        Quote(JsonSerializer.Serialize(e.User, Json)), Quote(e.Data?.ToJsonString()));

    private static string Quote(string? value) =>
        value is null ? "" : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
