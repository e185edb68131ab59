using System.Data.Common;
using Npgsql;

namespace CapitalFlows.Operations;

/// <summary>
/// How the service's pooled connections are used, added to its connection string:
/// <list type="bullet">
/// <item>They prepare the statements they run again and again (Npgsql's automatic preparation, <c>Max Auto Prepare</c>
/// 64): a command batch sends the same few statements (stream appends, snapshots, movement rows, command records,
/// locks) every time, and PostgreSQL then skips parsing and planning them.</item>
/// <item>They go back to the pool without Npgsql's reset (<c>No Reset On Close</c>). With prepared statements the
/// reset is seven statements (<c>RESET ALL</c>, <c>CLOSE ALL</c>, <c>UNLISTEN *</c>, <c>pg_advisory_unlock_all()</c>,
/// <c>DISCARD SEQUENCES</c>, <c>DISCARD TEMP</c>, the session's authorisation) that PostgreSQL parses and runs before
/// the connection's next use, every time it is taken from the pool: about 0.25 ms of PostgreSQL's time each, five times
/// a <c>select 1</c> (README, engine section). Nothing the service does outlives its transaction: its locks are
/// <c>pg_advisory_xact_lock</c>, its settings <c>set_config(…, true)</c> and <c>SET LOCAL</c>, and it makes no temporary
/// table and listens to nothing. The leader election's session lock (Weasel) is held on a connection of its own for as
/// long as the lock; were a library to hand such a connection back still locked, the lock would stay with it until the
/// pool closes it. A transaction left open is still rolled back when its connection goes back.</item>
/// </list>
/// A connection string that sets <c>Max Auto Prepare</c> (0 turns preparation off) or <c>No Reset On Close</c> itself
/// keeps its own setting.
/// </summary>
public static class PooledConnections
{
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>The read and write buffers of a bulk command's connections (<see cref="ForBulk"/>); Npgsql's own are 8 kB.</summary>
    public const int BulkBufferBytes = 64 * 1024;

    public static string Apply(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Sets(connectionString, "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
            builder.AutoPrepareMinUsages = 2;
        }
        if (!Sets(connectionString, "NoResetOnClose")) builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }

    /// <summary>
    /// For a command that streams hundreds of megabytes through a few connections (<c>rebuild</c>): read and write
    /// buffers of <see cref="BulkBufferBytes"/>, unless the connection string sets its own. With 8 kB buffers every
    /// 8 kB of a COPY is a socket call; a rebuild of 1,052,273 events streamed about 1.4 GB and was faster with 64 kB
    /// in every pair measured (README, "Larger buffers for the rebuild").
    /// </summary>
    public static string ForBulk(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Sets(connectionString, "ReadBufferSize")) builder.ReadBufferSize = BulkBufferBytes;
        if (!Sets(connectionString, "WriteBufferSize")) builder.WriteBufferSize = BulkBufferBytes;
        return builder.ConnectionString;
    }

    /// <summary>Whether the connection string sets <paramref name="key"/> itself, written with or without spaces.</summary>
    private static bool Sets(string connectionString, string key) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals(key, StringComparison.OrdinalIgnoreCase));
}
