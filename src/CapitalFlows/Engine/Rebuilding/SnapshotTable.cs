using Npgsql;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary>
/// A write model's inline snapshots (<c>mt_doc_fund</c>, <c>mt_doc_loan</c>): every stream of that kind as it folds at
/// the end of the log, written when the log has been read.
/// </summary>
public sealed class SnapshotTable<T>(
    RebuildContext context, string name, Func<StreamFolds, IReadOnlyDictionary<string, T>> snapshots, Func<T, string> locality)
    : IProjectionTable
    where T : notnull
{
    private NpgsqlConnection? _connection;

    public string Name => name;

    public Task BeginAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        _connection = connection;
        return Task.CompletedTask;
    }

    public ValueTask WriteAsync(FoldedEvent e, CancellationToken ct) => ValueTask.CompletedTask;

    public Task<long> CompleteAsync(StreamFolds folds, CancellationToken ct) =>
        context.CopySnapshotsAsync(_connection!, Name, snapshots(folds), locality, folds.Versions, ct);
}
