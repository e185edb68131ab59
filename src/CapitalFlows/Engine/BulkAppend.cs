using System.Globalization;
using CapitalFlows.Api;
using CapitalFlows.Engine.Rebuilding;
using CapitalFlows.EventLog.Chain;
using CapitalFlows.Funds.ReadingHistory;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CapitalFlows.Engine;

/// <summary>
/// The bulk path's write: accepted commands' events appended with binary COPY into <c>mt_events</c> and
/// <c>mt_streams</c>, with every column Marten's own append writes (sequence from <c>mt_events_sequence</c>, stream
/// version, Marten's type alias and .NET type, the store's serializer for the data, the headers <c>commandId</c>,
/// <c>sub</c>, <c>name</c>, <c>role</c>, <c>recordedAt</c>, the correlation id and user name the recorder stamps),
/// and their <see cref="ProcessedCommand"/> records with COPY, one transaction per batch. A batch is prepared
/// (<see cref="PrepareAsync"/>: its sequence numbers and stream versions, in command order) before it is written
/// (<see cref="WriteAsync"/>), and a batch may be written while the one before it commits: it inserts its rows
/// meanwhile, then waits for that batch to commit before it updates any row (stream versions, a reversed command's
/// record), chains its events and commits, so batches commit in order and the chain follows the sequence, and a batch
/// whose predecessor failed does not commit. The streams a batch starts are created empty (version 0) when it is
/// prepared, in one statement committed on its own: an event's reference to its stream sees committed rows only, and
/// the next batch's events may be on a stream this one starts. A seed that fails may leave such empty streams; it is
/// run again with <c>--reset</c>.
/// The batch's events are chained in one statement before COMMIT (<see cref="EventChain.AppendedFunctionName"/>),
/// with the same lock and the same links as the chain's row trigger, which then finds them chained.
/// It writes no projection: the caller writes them (<see cref="Rebuilding.ProjectionRebuild"/>) from each batch's
/// <see cref="Batch.Appended"/> rows once it commits, or from the log once it is written.
/// <para>It takes none of the recorder's locks: run it while no node takes commands (<c>seed-demo</c> on its own store).</para>
/// </summary>
public sealed class BulkAppend(IDocumentStore store, NpgsqlDataSource database, TimeProvider clock)
{
    private readonly EventColumns _columns = new(store);
    private readonly string _schema = store.Options.Events.DatabaseSchemaName;
    private readonly ISerializer _serializer = store.Options.Serializer();
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);

    /// <summary>The batch prepared last: the next one is written after it.</summary>
    private Batch? _lastPrepared;

    /// <summary>
    /// A batch ready to write: its commands, the sequence number of each event in order, each stream's version before
    /// the batch and after it, and the batch prepared before it.
    /// </summary>
    public sealed class Batch
    {
        private readonly TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Batch(
            IReadOnlyList<BulkCommand> commands, long[] sequences, DateTimeOffset appendedAt, Dictionary<string, long> versionsBefore,
            Dictionary<string, long> versionsAfter, Batch? before)
        {
            (Commands, Sequences, AppendedAt, VersionsBefore, VersionsAfter) = (commands, sequences, appendedAt, versionsBefore, versionsAfter);
            EventIds = [.. sequences.Select(_ => Guid.CreateVersion7(appendedAt))];
            BeforeCommitted = before?._committed.Task;
        }

        public IReadOnlyList<BulkCommand> Commands { get; }

        public long[] Sequences { get; }

        /// <summary>Each event's id, in the order of <see cref="Sequences"/>.</summary>
        public Guid[] EventIds { get; }

        /// <summary>The events' <c>timestamp</c>, to the microsecond PostgreSQL keeps.</summary>
        public DateTimeOffset AppendedAt { get; }

        public IReadOnlyDictionary<string, long> VersionsBefore { get; }

        public IReadOnlyDictionary<string, long> VersionsAfter { get; }

        public int Events => Sequences.Length;

        /// <summary>The batch's events as the log holds them once it commits, in sequence order.</summary>
        public IEnumerable<LogRow> Appended()
        {
            var next = 0;
            foreach (var command in Commands)
            {
                var recordedAt = FundMovementProjection.RecordedAt(RecordedAtHeader(command), AppendedAt);
                foreach (var e in command.Events)
                {
                    yield return new LogRow(Sequences[next], EventIds[next], e.StreamKey, e.Data, AppendedAt, recordedAt);
                    next++;
                }
            }
        }

        /// <summary>The commit of the batch prepared before this one (none for the first).</summary>
        internal Task? BeforeCommitted { get; }

        internal void Committed() => _committed.TrySetResult();

        internal void Failed(Exception cause) => _committed.TrySetException(cause);
    }

    /// <summary>
    /// Takes a batch's sequence numbers and stream versions, after those of every batch prepared before it (which
    /// may not be written yet), and creates the streams it starts, empty. Prepare batches one at a time, in order, and
    /// write every batch prepared.
    /// </summary>
    public async Task<Batch> PrepareAsync(IReadOnlyList<BulkCommand> commands, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await LoadVersionsAsync(connection, commands, ct);
        var sequences = await TakeSequencesAsync(connection, commands.Sum(c => c.Events.Count), ct);

        var before = new Dictionary<string, long>(StringComparer.Ordinal);
        var after = new Dictionary<string, long>(StringComparer.Ordinal);
        var started = new Dictionary<string, Type?>(StringComparer.Ordinal);
        foreach (var e in commands.SelectMany(c => c.Events))
        {
            if (!after.TryGetValue(e.StreamKey, out var version)) before[e.StreamKey] = version = _versions[e.StreamKey];
            if (version == 0 && !started.ContainsKey(e.StreamKey)) started[e.StreamKey] = e.AggregateType;
            after[e.StreamKey] = version + 1;
        }
        foreach (var (stream, version) in after) _versions[stream] = version;
        var now = clock.GetUtcNow();
        var appendedAt = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMicrosecond, now.Offset);
        await CreateStreamsAsync(connection, started, appendedAt, ct);
        return _lastPrepared = new Batch(commands, sequences, appendedAt, before, after, _lastPrepared);
    }

    /// <summary>
    /// Writes a prepared batch in one transaction, while the batch before it may still be committing; returns how many
    /// events it appended. It commits after the batch before it, and not at all if that one fails.
    /// </summary>
    public async Task<int> WriteAsync(Batch batch, CancellationToken ct)
    {
        try
        {
            await using var connection = await database.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await CopyEventsAsync(connection, batch, ct);
            var reversed = await CopyCommandsAsync(connection, batch.Commands, ct);

            // Rows the batch before may have changed are touched only once it has committed.
            if (batch.BeforeCommitted is { } before) await before;
            await UpdateStreamsAsync(connection, batch.VersionsAfter, batch.AppendedAt, ct);
            await UpdateReversedAsync(connection, reversed, ct);
            if (batch.Events > 0)
                await ExecuteAsync(connection, $"select {_schema}.{EventChain.AppendedFunctionName}({batch.Sequences[0]}, {batch.Sequences[^1]})", ct);
            await transaction.CommitAsync(ct);
            batch.Committed();
            return batch.Events;
        }
        catch (Exception e)
        {
            batch.Failed(e);
            throw;
        }
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

    /// <summary>The streams a batch starts, at version 0, committed at once (the batch sets their versions).</summary>
    private async Task CreateStreamsAsync(NpgsqlConnection connection, Dictionary<string, Type?> started, DateTimeOffset now, CancellationToken ct)
    {
        if (started.Count == 0) return;
        await using var copy = await connection.BeginBinaryImportAsync(
            $"copy {_schema}.mt_streams (id, type, version, timestamp, created) from stdin (format binary)", ct);
        foreach (var (stream, aggregate) in started)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(stream, NpgsqlDbType.Varchar, ct);
            if (aggregate is null) await copy.WriteNullAsync(ct);
            else await copy.WriteAsync(_columns.AggregateAlias(aggregate), NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(0L, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
        }
        await copy.CompleteAsync(ct);
    }

    /// <summary>The <c>recordedAt</c> header of a command's events.</summary>
    private static string RecordedAtHeader(BulkCommand command) => command.RecordedAt.ToString("O", CultureInfo.InvariantCulture);

    private async Task CopyEventsAsync(NpgsqlConnection connection, Batch batch, CancellationToken ct)
    {
        var versions = new Dictionary<string, long>(batch.VersionsBefore, StringComparer.Ordinal);
        var next = 0;
        await using var copy = await connection.BeginBinaryImportAsync($"""
            copy {_schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type, correlation_id, headers, user_name)
            from stdin (format binary)
            """, ct);
        foreach (var command in batch.Commands)
        {
            var headers = _serializer.ToJson(new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["commandId"] = command.CommandId.ToString(),
                ["sub"] = command.Caller.Sub,
                ["name"] = command.Caller.Name,
                ["role"] = command.Caller.Role,
                ["recordedAt"] = RecordedAtHeader(command),
            });
            var correlationId = command.CommandId.ToString("N");
            foreach (var e in command.Events)
            {
                var version = ++versions[e.StreamKey];
                var (alias, dotnetType) = _columns.EventType(e.Data.GetType());
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(batch.Sequences[next], NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(batch.EventIds[next++], NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.StreamKey, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(version, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(_serializer.ToJson(e.Data), NpgsqlDbType.Jsonb, ct);
                await copy.WriteAsync(alias, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(batch.AppendedAt, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(dotnetType, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(correlationId, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(headers, NpgsqlDbType.Jsonb, ct);
                await copy.WriteAsync(command.Caller.Sub, NpgsqlDbType.Varchar, ct);
            }
        }
        await copy.CompleteAsync(ct);
    }

    private async Task UpdateStreamsAsync(NpgsqlConnection connection, IReadOnlyDictionary<string, long> streams, DateTimeOffset now, CancellationToken ct)
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
    /// Inserts each command's record with COPY (a command reversed in the same batch inserted as reversed), and returns
    /// the records of earlier commands the batch reverses, for <see cref="UpdateReversedAsync"/>.
    /// </summary>
    private async Task<Dictionary<Guid, ProcessedCommand>> CopyCommandsAsync(
        NpgsqlConnection connection, IReadOnlyList<BulkCommand> commands, CancellationToken ct)
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

        var dotnetType = typeof(ProcessedCommand).FullName!;
        await using var copy = await connection.BeginBinaryImportAsync($"copy {CommandsTable} (id, data, mt_dotnet_type) from stdin (format binary)", ct);
        foreach (var record in inserted.Values)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(record.Id, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(_serializer.ToJson(record), NpgsqlDbType.Jsonb, ct);
            await copy.WriteAsync(dotnetType, NpgsqlDbType.Varchar, ct);
        }
        await copy.CompleteAsync(ct);
        return updated;
    }

    /// <summary>Updates the records of earlier commands this batch reverses, to name their reversal.</summary>
    private async Task UpdateReversedAsync(NpgsqlConnection connection, Dictionary<Guid, ProcessedCommand> updated, CancellationToken ct)
    {
        if (updated.Count == 0) return;
        await using var update = new NpgsqlCommand($"""
            update {CommandsTable} d set data = v.data, mt_last_modified = transaction_timestamp(), mt_version = gen_random_uuid()
            from unnest($1::uuid[], $2::jsonb[]) as v(id, data) where d.id = v.id
            """, connection);
        update.Parameters.AddWithValue(updated.Keys.ToArray());
        update.Parameters.Add(new NpgsqlParameter { Value = updated.Values.Select(r => _serializer.ToJson(r)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        await update.ExecuteNonQueryAsync(ct);
    }

    private string CommandsTable => $"{_schema}.mt_doc_processedcommand";
}
