using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary>What every rebuilt table needs: the event store's schema and the store's serializer (documents are written as Marten writes them).</summary>
public sealed record RebuildContext(string Schema, ISerializer Serializer)
{
    public static RebuildContext Of(IDocumentStore store) =>
        new(store.Options.Events.DatabaseSchemaName, store.Options.Serializer());

    public string Qualified(string table) => $"{Schema}.{table}";

    public async Task TruncateAsync(NpgsqlConnection connection, string table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"truncate table {Qualified(table)}", connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Writes documents as Marten stores a snapshot: <c>id</c>, <c>data</c> (the store's serializer),
    /// <c>mt_dotnet_type</c>, <c>mt_version</c> (the stream's version the snapshot is folded to) and the duplicated
    /// <c>locality</c>; <c>mt_last_modified</c> takes its default, the transaction's timestamp, as Marten's upsert does.
    /// </summary>
    public async Task<long> CopySnapshotsAsync<T>(
        NpgsqlConnection connection, string table, IEnumerable<KeyValuePair<string, T>> snapshots, Func<T, string> locality,
        IReadOnlyDictionary<string, long> versions, CancellationToken ct)
        where T : notnull
    {
        var dotnetType = typeof(T).FullName!;
        long rows = 0;
        await using var copy = await connection.BeginBinaryImportAsync(
            $"copy {Qualified(table)} (id, data, mt_dotnet_type, mt_version, locality) from stdin (format binary)", ct);
        foreach (var (id, snapshot) in snapshots)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(id, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(Serializer.ToJson(snapshot), NpgsqlDbType.Jsonb, ct);
            await copy.WriteAsync(dotnetType, NpgsqlDbType.Varchar, ct);
            await copy.WriteAsync(versions[id], NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(locality(snapshot), NpgsqlDbType.Varchar, ct);
            rows++;
        }
        await copy.CompleteAsync(ct);
        return rows;
    }
}
