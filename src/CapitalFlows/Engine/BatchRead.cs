using CapitalFlows.Funds;
using CapitalFlows.Loans;
using Npgsql;

namespace CapitalFlows.Engine;

/// <summary>
/// What a group-commit batch reads under its locks, sent in the same round trip as the locks themselves
/// (<see cref="MovementRecorder"/>'s <c>LockAsync</c>): the records of its command ids, and each fund's and loan's
/// stream version with its inline snapshot. A stream that does not exist yet reads as version 0 and no state. A
/// snapshot behind its stream (or missing) is not decided on: the read fails, and so the batch, whose commands are
/// then recorded alone, where Marten folds the stream.
/// </summary>
public sealed class BatchRead(EventColumns columns, IReadOnlyCollection<Guid> commandIds, IReadOnlyCollection<string> funds, IReadOnlyCollection<string> loans)
{
    public Dictionary<Guid, ProcessedCommand> Seen { get; } = [];

    public Dictionary<string, (long Version, Fund? State)> Funds { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, (long Version, Loan? State)> Loans { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds the three reads to <paramref name="batch"/>, after whatever it holds (the locks).</summary>
    public void AddTo(NpgsqlBatch batch)
    {
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select data from {columns.Schema}.mt_doc_processedcommand where id = any($1)")
        {
            Parameters = { new NpgsqlParameter { Value = commandIds.ToArray() } },
        });
        batch.BatchCommands.Add(Snapshots("mt_doc_fund", funds));
        batch.BatchCommands.Add(Snapshots("mt_doc_loan", loans));
    }

    /// <summary>Reads the three results, <paramref name="nextResult"/> moving the reader to each in turn.</summary>
    public async Task ReadAsync(NpgsqlDataReader reader, Func<Task> nextResult, CancellationToken ct)
    {
        await nextResult();
        while (await reader.ReadAsync(ct))
        {
            var command = columns.Read<ProcessedCommand>(reader, 0);
            Seen[command.Id] = command;
        }
        await nextResult();
        while (await reader.ReadAsync(ct)) Funds[reader.GetString(0)] = State<Fund>(reader);
        await nextResult();
        while (await reader.ReadAsync(ct)) Loans[reader.GetString(0)] = State<Loan>(reader);
    }

    private NpgsqlBatchCommand Snapshots(string table, IReadOnlyCollection<string> streams) =>
        new($"""
            select k.id, s.version, d.mt_version, d.data from unnest($1::varchar[]) as k(id)
            left join {columns.Schema}.mt_streams s on s.id = k.id left join {columns.Schema}.{table} d on d.id = k.id
            """)
        {
            Parameters = { new NpgsqlParameter { Value = streams.ToArray() } },
        };

    private (long Version, T? State) State<T>(NpgsqlDataReader reader)
        where T : class
    {
        if (reader.IsDBNull(1))
            return reader.IsDBNull(2) ? (0, null) : throw Stale(reader, "has a snapshot but no stream");
        var version = reader.GetInt64(1);
        if (reader.IsDBNull(2) || reader.GetInt64(2) != version) throw Stale(reader, $"is at version {version} but its snapshot is not");
        return (version, columns.Read<T>(reader, 3));
    }

    private static InvalidOperationException Stale(NpgsqlDataReader reader, string what) =>
        new($"Stream {reader.GetString(0)} {what}: the batch is not decided on it.");
}
