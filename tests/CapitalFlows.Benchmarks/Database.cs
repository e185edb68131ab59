using Npgsql;

/// <summary>Plain SQL on the --pg database, for what the benchmark reads and writes beside the service.</summary>
internal static class Database
{
    public static async Task<NpgsqlConnection> OpenAsync(string pg)
    {
        var connection = new NpgsqlConnection(EventStore.ToNpgsql(pg));
        await connection.OpenAsync();
        return connection;
    }

    public static async Task ExecuteAsync(string pg, string sql)
    {
        await using var connection = await OpenAsync(pg);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>fsync and synchronous_commit of the cluster: the figures only count with both on.</summary>
    public static async Task<(string Fsync, string SynchronousCommit)> DurabilityAsync(string pg)
    {
        await using var connection = await OpenAsync(pg);
        await using var command = new NpgsqlCommand("select current_setting('fsync'), current_setting('synchronous_commit')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetString(0), reader.GetString(1));
    }
}
