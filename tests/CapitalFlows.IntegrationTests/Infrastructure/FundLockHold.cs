using System.Diagnostics;
using Npgsql;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// The test holding a fund's advisory lock (the one <c>MovementRecorder</c> takes: <c>hashtextextended(key, 0)</c>)
/// in a transaction of its own. Commands on that fund then wait inside a node, provably in flight, until the lock
/// is released (or the connection closes).
/// </summary>
public sealed class FundLockHold : IAsyncDisposable
{
    private readonly NpgsqlDataSource _database;
    private readonly NpgsqlConnection _connection;
    private NpgsqlTransaction? _transaction;

    private FundLockHold(NpgsqlDataSource database, NpgsqlConnection connection, NpgsqlTransaction transaction, int processId)
    {
        _database = database;
        _connection = connection;
        _transaction = transaction;
        ProcessId = processId;
    }

    /// <summary>The PostgreSQL backend that holds the lock.</summary>
    public int ProcessId { get; }

    public static async Task<FundLockHold> TakeAsync(NpgsqlDataSource database, string streamKey, CancellationToken ct)
    {
        var connection = await database.OpenConnectionAsync(ct);
        try
        {
            var transaction = await connection.BeginTransactionAsync(ct);
            await using var command = new NpgsqlCommand(
                "select pg_backend_pid(), count(pg_advisory_xact_lock(hashtextextended($1, 0)))", connection, transaction);
            command.Parameters.AddWithValue(streamKey);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return new FundLockHold(database, connection, transaction, reader.GetInt32(0));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>How many other backends wait behind this lock.</summary>
    public async Task<int> WaitingAsync(CancellationToken ct)
    {
        await using var command = _database.CreateCommand(
            "select count(*)::int from pg_stat_activity where pid <> $1 and $1 = any(pg_blocking_pids(pid))");
        command.Parameters.AddWithValue(ProcessId);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Waits until at least <paramref name="count"/> commands wait behind the lock; false when the time runs out.</summary>
    public async Task<bool> WaitForWaitingAsync(int count, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await WaitingAsync(ct) >= count) return true;
            await Task.Delay(50, ct);
        }

        return false;
    }

    /// <summary>Releases the lock: the waiting commands go on.</summary>
    public async Task ReleaseAsync()
    {
        if (_transaction is null) return;
        await _transaction.CommitAsync();
        await _transaction.DisposeAsync();
        _transaction = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync();
            _transaction = null;
        }

        await _connection.DisposeAsync();
    }
}
