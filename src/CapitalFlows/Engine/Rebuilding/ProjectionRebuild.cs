using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Loans;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary>What a rebuild did: events read, rows written per table, and the time it took.</summary>
public sealed record RebuildResult(long Events, IReadOnlyList<(string Table, long Rows)> Tables, TimeSpan Elapsed)
{
    public double EventsPerSecond => Events / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// Writes every projection table again from the log: reads <c>mt_events</c> in sequence order in one streaming binary
/// COPY (or takes the rows a bulk path appended, <see cref="WriteAsync"/>), folds each fund's and loan's stream with
/// its one fold (<see cref="StreamFolds"/>), and hands every event with its stream's state to each table
/// (<see cref="Tables"/>), which writes its rows with binary COPY on a connection and in a transaction of its own. Each
/// table is emptied first and its indexes taken off, to be built again once its rows are in
/// (<see cref="RebuildContext.EmptyAsync"/>). The tables commit only when every one of them has completed, so a
/// rebuild that fails (an event a fold does not know) leaves the tables as they were. Run it while no node takes
/// commands: a command appended meanwhile would wait on the tables and be missing from the rows written.
/// </summary>
public sealed class ProjectionRebuild(NpgsqlDataSource database, RebuildContext context)
{
    private readonly ConcurrentDictionary<string, Type> _types = new(StringComparer.Ordinal);

    public ProjectionRebuild(IDocumentStore store, NpgsqlDataSource database)
        : this(database, RebuildContext.Of(store))
    {
    }

    /// <summary>Every table a rebuild writes. A new projection table is one class and one line here.</summary>
    public static IReadOnlyList<IProjectionTable> Tables(RebuildContext context) =>
    [
        new SnapshotTable<Fund>(context, "mt_doc_fund", folds => folds.Funds, f => f.Locality),
        new SnapshotTable<Loan>(context, "mt_doc_loan", folds => folds.Loans, l => l.Locality),
        new FundMovementTable(context),
        new LoanQualityMovementTable(context),
        new DailyCapitalTable(context),
    ];

    /// <summary>Writes every table from the log, read in sequence order.</summary>
    public Task<RebuildResult> RunAsync(CancellationToken ct) => WriteAsync(ReadLogAsync(ct), ct);

    /// <summary>
    /// Writes every table from <paramref name="log"/>, which must be the whole log in sequence order: the rows read
    /// back from <c>mt_events</c> (<see cref="RunAsync"/>), or, for a bulk path that appended into an empty log, the
    /// rows it appended, kept as each batch committed (<c>BulkWriter</c>), so that they are not read back.
    /// </summary>
    public async Task<RebuildResult> WriteAsync(IAsyncEnumerable<LogRow> log, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var tables = Tables(context);
        var connections = new List<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)>();
        try
        {
            var indexes = new List<IReadOnlyList<string>>();
            foreach (var table in tables)
            {
                var connection = await database.OpenConnectionAsync(ct);
                var transaction = await connection.BeginTransactionAsync(ct);
                connections.Add((connection, transaction));
                indexes.Add(await context.EmptyAsync(connection, table.Name, ct));
                await table.BeginAsync(connection, ct);
            }

            var folds = new StreamFolds();
            long events = 0;
            await foreach (var row in log.WithCancellation(ct))
            {
                var folded = folds.Fold(row);
                foreach (var table in tables) await table.WriteAsync(folded, ct);
                events++;
            }

            // The tables complete side by side, each on its own connection: one builds its indexes while another
            // writes its snapshots.
            var written = await Task.WhenAll(tables.Select(async (table, i) =>
            {
                var rows = await table.CompleteAsync(folds, ct);
                await context.CreateIndexesAsync(connections[i].Connection, indexes[i], ct);
                return (table.Name, rows);
            }));
            foreach (var (_, transaction) in connections) await transaction.CommitAsync(ct);
            return new RebuildResult(events, written, clock.Elapsed);
        }
        finally
        {
            foreach (var (connection, transaction) in connections)
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>Every event of the log in sequence order, in one streaming binary COPY, deserialised with the store's serializer.</summary>
    private async IAsyncEnumerable<LogRow> ReadLogAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await using var reader = await database.OpenConnectionAsync(ct);
        await using var log = await reader.BeginBinaryExportAsync($"""
            copy (select seq_id, id, stream_id, data, mt_dotnet_type, timestamp, headers ->> 'recordedAt'
                  from {context.Qualified("mt_events")} where is_archived is not true order by seq_id)
            to stdout (format binary)
            """, ct);
        while (await log.StartRowAsync(ct) != -1)
        {
            var sequence = await log.ReadAsync<long>(NpgsqlDbType.Bigint, ct);
            var id = await log.ReadAsync<Guid>(NpgsqlDbType.Uuid, ct);
            var stream = await log.ReadAsync<string>(NpgsqlDbType.Varchar, ct);
            var json = await log.ReadAsync<byte[]>(NpgsqlDbType.Jsonb, ct);
            var type = TypeOf(await log.ReadAsync<string>(NpgsqlDbType.Varchar, ct), sequence);
            var timestamp = await log.ReadAsync<DateTimeOffset>(NpgsqlDbType.TimestampTz, ct);
            string? recordedAt = log.IsNull ? null : await log.ReadAsync<string>(NpgsqlDbType.Text, ct);
            if (recordedAt is null) await log.SkipAsync(ct);
            yield return new LogRow(sequence, id, stream, Deserialize(json, type), timestamp, FundMovementProjection.RecordedAt(recordedAt, timestamp));
        }
    }

    private object Deserialize(byte[] json, Type type)
    {
        using var stream = new MemoryStream(json, writable: false);
        return context.Serializer.FromJson(type, stream);
    }

    private Type TypeOf(string dotnetType, long sequence) =>
        _types.GetOrAdd(dotnetType, name => Type.GetType(name, throwOnError: false)
            ?? throw new InvalidOperationException($"Event {sequence} is of type {name}, which this build does not know."));
}
