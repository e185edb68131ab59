using Npgsql;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary><c>mt_doc_loan</c>, the loans' inline snapshots: every loan as its stream folds at the end of the log.</summary>
public sealed class LoanSnapshotTable(RebuildContext context) : IProjectionTable
{
    private NpgsqlConnection? _connection;

    public string Name => "mt_doc_loan";

    public async Task BeginAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        _connection = connection;
        await context.TruncateAsync(connection, Name, ct);
    }

    public ValueTask WriteAsync(FoldedEvent e, CancellationToken ct) => ValueTask.CompletedTask;

    public Task<long> CompleteAsync(StreamFolds folds, CancellationToken ct) =>
        context.CopySnapshotsAsync(_connection!, Name, folds.Loans, l => l.Locality, folds.Versions, ct);
}
