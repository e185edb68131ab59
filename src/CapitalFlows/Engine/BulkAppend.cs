using System.Globalization;
using CapitalFlows.Api;
using CapitalFlows.EventLog.Chain;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CapitalFlows.Engine;

/// <summary>
/// The bulk path's write: accepted commands' events appended with binary COPY into <c>mt_events</c> and
/// <c>mt_streams</c>, with every column Marten's own append writes (sequence from <c>mt_events_sequence</c>, stream
/// version, Marten's type alias and .NET type, the store's serializer for the data, the headers <c>commandId</c>,
/// <c>sub</c>, <c>name</c>, <c>role</c>, <c>recordedAt</c>, the correlation id and user name the recorder stamps),
/// and their <see cref="ProcessedCommand"/> records with COPY, one transaction per batch. Events take their sequence
/// numbers in command order. The hash chain's row trigger is switched off for the batch's transaction only (ALTER
/// TABLE is transactional: no other transaction sees it off, and a failed batch leaves it on), and the batch's events
/// are chained in one statement before COMMIT (<see cref="EventChain.AppendedFunctionName"/>), with the same lock
/// and the same links as the trigger.
/// It writes no projection: the caller rebuilds them (<see cref="Rebuilding.ProjectionRebuild"/>) once the log is written.
/// <para>It takes none of the recorder's locks: run it while no node takes commands (<c>seed-demo</c> on its own store).</para>
/// </summary>
public sealed class BulkAppend(IDocumentStore store, NpgsqlDataSource database, TimeProvider clock)
{
    private readonly string _schema = store.Options.Events.DatabaseSchemaName;
    private readonly ISerializer _serializer = store.Options.Serializer();
    private readonly Marten.Events.EventGraph _events = (Marten.Events.EventGraph)((DocumentStore)store).Options.Events;
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, (string Alias, string DotnetType)> _eventTypes = [];
    private readonly Dictionary<Type, string> _aggregateAliases = [];

    /// <summary>Appends one batch of accepted commands in one transaction; returns how many events it appended.</summary>
    public async Task<int> AppendAsync(IReadOnlyList<BulkCommand> commands, CancellationToken ct)
    {
        var events = commands.Sum(c => c.Events.Count);
        await using var connection = await database.OpenConnectionAsync(ct);
        await LoadVersionsAsync(connection, commands, ct);
        var sequences = await TakeSequencesAsync(connection, events, ct);

        // Each stream's versions in this batch, and which streams it starts.
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        var started = new Dictionary<string, Type?>(StringComparer.Ordinal);
        foreach (var e in commands.SelectMany(c => c.Events))
        {
            var before = versions.TryGetValue(e.StreamKey, out var v) ? v : _versions[e.StreamKey];
            if (before == 0 && !started.ContainsKey(e.StreamKey)) started[e.StreamKey] = e.AggregateType;
            versions[e.StreamKey] = before + 1;
        }

        var now = clock.GetUtcNow();
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, $"alter table {_schema}.mt_events disable trigger {EventChain.TriggerName}", ct);
        await CopyStreamsAsync(connection, started, versions, now, ct);
        await CopyEventsAsync(connection, commands, sequences, now, ct);
        await UpdateStreamsAsync(connection, versions.Where(s => !started.ContainsKey(s.Key)).ToList(), now, ct);
        await WriteCommandsAsync(connection, commands, ct);
        if (events > 0)
            await ExecuteAsync(connection, $"select {_schema}.{EventChain.AppendedFunctionName}({sequences[0]}, {sequences[^1]})", ct);
        await ExecuteAsync(connection, $"alter table {_schema}.mt_events enable trigger {EventChain.TriggerName}", ct);
        await transaction.CommitAsync(ct);

        foreach (var (stream, version) in versions) _versions[stream] = version;
        return events;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The versions of the streams this batch touches that this appender has not seen yet (0 for a new stream).</summary>
    private async Task LoadVersionsAsync(NpgsqlConnection connection, IReadOnlyList<BulkCommand> commands, CancellationToken ct)
    {
        var unknown = commands.SelectMany(c => c.Events).Select(e => e.StreamKey).Where(k => !_versions.ContainsKey(k))
            .Distinct(StringComparer.Ordinal).ToArray();
        if (unknown.Length == 0) return;
        foreach (var key in unknown) _versions[key] = 0;
        await using var command = new NpgsqlCommand($"select id, version from {_schema}.mt_streams where id = any($1)", connection);
        command.Parameters.AddWithValue(unknown);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) _versions[reader.GetString(0)] = reader.GetInt64(1);
    }

    private async Task<long[]> TakeSequencesAsync(NpgsqlConnection connection, int count, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"select array_agg(s order by s) from (select nextval('{_schema}.mt_events_sequence') as s from generate_series(1, $1)) as taken", connection);
        command.Parameters.AddWithValue(count);
        return count == 0 ? [] : (long[])(await command.ExecuteScalarAsync(ct))!;
    }

    private async Task CopyStreamsAsync(
        NpgsqlConnection connection, Dictionary<string, Type?> started, Dictionary<string, long> versions, DateTimeOffset now, CancellationToken ct)
    {
        if (started.Count == 0) return;
        await using var copy = await connection.BeginBinaryImportAsync(
            $"copy {_schema}.mt_streams (id, type, version, timestamp, created) from stdin (format binary)", ct);
        foreach (var (stream, aggregate) in started)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(stream, NpgsqlDbType.Varchar, ct);
            if (aggregate is null) await copy.WriteNullAsync(ct);
            else await copy.WriteAsync(AggregateAlias(aggregate), NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(versions[stream], NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
        }
        await copy.CompleteAsync(ct);
    }

    private async Task CopyEventsAsync(
        NpgsqlConnection connection, IReadOnlyList<BulkCommand> commands, long[] sequences, DateTimeOffset now, CancellationToken ct)
    {
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        var next = 0;
        await using var copy = await connection.BeginBinaryImportAsync($"""
            copy {_schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type, correlation_id, headers, user_name)
            from stdin (format binary)
            """, ct);
        foreach (var command in commands)
        {
            var headers = _serializer.ToJson(new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["commandId"] = command.CommandId.ToString(),
                ["sub"] = command.Caller.Sub,
                ["name"] = command.Caller.Name,
                ["role"] = command.Caller.Role,
                ["recordedAt"] = command.RecordedAt.ToString("O", CultureInfo.InvariantCulture),
            });
            var correlationId = command.CommandId.ToString("N");
            foreach (var e in command.Events)
            {
                var version = (versions.TryGetValue(e.StreamKey, out var v) ? v : _versions[e.StreamKey]) + 1;
                versions[e.StreamKey] = version;
                var (alias, dotnetType) = EventType(e.Data.GetType());
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(sequences[next++], NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(Guid.CreateVersion7(now), NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.StreamKey, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(version, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(_serializer.ToJson(e.Data), NpgsqlDbType.Jsonb, ct);
                await copy.WriteAsync(alias, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(dotnetType, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(correlationId, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(headers, NpgsqlDbType.Jsonb, ct);
                await copy.WriteAsync(command.Caller.Sub, NpgsqlDbType.Varchar, ct);
            }
        }
        await copy.CompleteAsync(ct);
    }

    private async Task UpdateStreamsAsync(NpgsqlConnection connection, List<KeyValuePair<string, long>> streams, DateTimeOffset now, CancellationToken ct)
    {
        if (streams.Count == 0) return;
        await using var command = new NpgsqlCommand($"""
            update {_schema}.mt_streams s set version = v.version, timestamp = $3
            from unnest($1::varchar[], $2::bigint[]) as v(id, version) where s.id = v.id
            """, connection);
        command.Parameters.AddWithValue(streams.Select(s => s.Key).ToArray());
        command.Parameters.AddWithValue(streams.Select(s => s.Value).ToArray());
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Inserts each command's record with COPY, and updates the record of a command reversed by one of them (inserted
    /// as reversed when both are in this batch).
    /// </summary>
    private async Task WriteCommandsAsync(NpgsqlConnection connection, IReadOnlyList<BulkCommand> commands, CancellationToken ct)
    {
        var inserted = new Dictionary<Guid, ProcessedCommand>();
        var updated = new Dictionary<Guid, ProcessedCommand>();
        foreach (var command in commands)
        {
            inserted[command.CommandId] = command.Processed;
            if (command.ReversedOriginal is not { } original) continue;
            if (inserted.ContainsKey(original.Id)) inserted[original.Id] = original;
            else updated[original.Id] = original;
        }

        var table = $"{_schema}.mt_doc_processedcommand";
        var dotnetType = typeof(ProcessedCommand).FullName!;
        await using (var copy = await connection.BeginBinaryImportAsync($"copy {table} (id, data, mt_dotnet_type) from stdin (format binary)", ct))
        {
            foreach (var record in inserted.Values)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(record.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(_serializer.ToJson(record), NpgsqlDbType.Jsonb, ct);
                await copy.WriteAsync(dotnetType, NpgsqlDbType.Varchar, ct);
            }
            await copy.CompleteAsync(ct);
        }

        if (updated.Count == 0) return;
        await using var update = new NpgsqlCommand($"""
            update {table} d set data = v.data, mt_last_modified = transaction_timestamp(), mt_version = gen_random_uuid()
            from unnest($1::uuid[], $2::jsonb[]) as v(id, data) where d.id = v.id
            """, connection);
        update.Parameters.AddWithValue(updated.Keys.ToArray());
        update.Parameters.Add(new NpgsqlParameter { Value = updated.Values.Select(r => _serializer.ToJson(r)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        await update.ExecuteNonQueryAsync(ct);
    }

    private (string Alias, string DotnetType) EventType(Type type)
    {
        if (_eventTypes.TryGetValue(type, out var known)) return known;
        var mapping = _events.EventMappingFor(type);
        return _eventTypes[type] = (mapping.EventTypeName, mapping.DotNetTypeName);
    }

    private string AggregateAlias(Type aggregate)
    {
        if (_aggregateAliases.TryGetValue(aggregate, out var alias)) return alias;
        return _aggregateAliases[aggregate] = _events.AggregateAliasFor(aggregate);
    }
}
