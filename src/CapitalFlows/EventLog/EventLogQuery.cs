using System.Globalization;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace CapitalFlows.EventLog;

/// <summary>
/// Which events of the log an export asks for: after a sequence, at most <c>Limit</c> of them, effective from
/// <c>From</c> to <c>To</c> (dates, both included) and recorded from <c>RecordedFrom</c> to <c>RecordedTo</c>
/// (instants, both included). Reads the log a page at a time, each page on a pooled connection held only while
/// the page is read.
/// </summary>
public sealed record EventLogQuery(
    long After, long? Limit, DateOnly? From, DateOnly? To, DateTimeOffset? RecordedFrom, DateTimeOffset? RecordedTo)
{
    /// <summary>
    /// Instants are ISO 8601 with a date, a time and an offset (<c>Z</c> or <c>±hh:mm</c>), nothing looser: a
    /// bound of an audit extract must not depend on how a locale reads <c>1/2/2026</c>, or on the server's zone.
    /// </summary>
    private static readonly string[] InstantFormats =
    [
        "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
    ];

    /// <summary>Parses the query string's values; every malformed one is named in a 400 <c>validation</c>.</summary>
    public static (EventLogQuery Query, ProblemDetails? Problem) Parse(
        string? after, string? limit, string? from, string? to, string? recordedFrom, string? recordedTo, FieldErrors errors)
    {
        long afterSequence = 0;
        long? take = null;
        if (after is not null && (!long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out afterSequence) || afterSequence < 0))
            errors.Add("after", "after must be a sequence number (0 or more).");
        if (limit is not null)
        {
            if (long.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0) take = l;
            else errors.Add("limit", "limit must be a whole number above 0.");
        }
        var first = Date(from, "from", errors);
        var last = Date(to, "to", errors);
        if (first > last) errors.Add("to", $"to {to} is before from {from}.");
        var recordedFirst = Instant(recordedFrom, "recordedFrom", errors);
        var recordedLast = Instant(recordedTo, "recordedTo", errors);
        if (recordedFirst > recordedLast) errors.Add("recordedTo", $"recordedTo {recordedTo} is before recordedFrom {recordedFrom}.");
        return (new EventLogQuery(afterSequence, take, first, last, recordedFirst, recordedLast), errors.ToProblem());
    }

    /// <summary>The last sequence of the log now: an export reads up to it and no further, so that it ends.</summary>
    public static async Task<long> LastSequenceAsync(IDocumentStore store, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"select coalesce(max(seq_id), 0) from {store.Options.Events.DatabaseSchemaName}.mt_events", connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The next page: at most <paramref name="size"/> events of the query after sequence <paramref name="after"/> and
    /// up to <paramref name="through"/>, in log order. The connection goes back to the pool before this returns.
    /// </summary>
    public async Task<IReadOnlyList<LoggedEvent>> PageAsync(IDocumentStore store, long after, long through, int size, CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        var values = new List<object> { after, through, JasperFx.Events.Tombstone.StreamKey };
        // Marten's tombstones (filling the sequence numbers of a failed transaction) are not events of the ledger.
        var where = new List<string> { "e.seq_id > $1", "e.seq_id <= $2", "e.stream_id <> $3" };
        void Where(string condition, object value)
        {
            values.Add(value);
            where.Add(condition.Replace("$?", string.Create(CultureInfo.InvariantCulture, $"${values.Count}"), StringComparison.Ordinal));
        }
        // The effective date as every event stores it (LoggedEvent reads the same field): ISO dates compare as text.
        if (From is { } from) Where("(e.data ->> 'EffectiveOn') >= $?", IsoDate(from));
        if (To is { } to) Where("(e.data ->> 'EffectiveOn') <= $?", IsoDate(to));
        // The instant the command was recorded (the recordedAt header, stamped in ISO 8601), else the store's timestamp.
        const string recorded = "coalesce((e.headers ->> 'recordedAt')::timestamptz, e.timestamp)";
        if (RecordedFrom is { } recordedFrom) Where($"{recorded} >= $?", recordedFrom.ToUniversalTime());
        if (RecordedTo is { } recordedTo) Where($"{recorded} <= $?", recordedTo.ToUniversalTime());
        values.Add(size);

        // Rows are copied as they arrive, and parsed only once the connection is back in the pool.
        var rows = new List<object[]>(size);
        await using (var connection = store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture, $"""
                select {LoggedEvent.Columns(schema)} from {schema}.mt_events e
                where {string.Join(" and ", where)}
                order by e.seq_id
                limit ${values.Count}
                """), connection);
            foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var row = new object[LoggedEvent.ColumnCount];
                reader.GetValues(row);
                rows.Add(row);
            }
        }
        return rows.ConvertAll(LoggedEvent.FromValues);
    }

    private static string IsoDate(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateOnly? Date(string? value, string field, FieldErrors errors)
    {
        if (value is null) return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        errors.Add(field, $"{field} must be a date YYYY-MM-DD.");
        return null;
    }

    private static DateTimeOffset? Instant(string? value, string field, FieldErrors errors)
    {
        if (value is null) return null;
        if (DateTimeOffset.TryParseExact(value, InstantFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            return instant;
        errors.Add(field, $"{field} must be an ISO 8601 instant with its offset, e.g. 2026-01-02T00:00:00+07:00.");
        return null;
    }
}
