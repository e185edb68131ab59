using System.Data;
using Marten;
using Npgsql;

namespace CapitalFlows.EventLog.Chain;

/// <summary>
/// Recomputes the chain from the stored events: reads the hash rows in chain order joined to their events, one row at
/// a time (never the log in memory), renders each event's canonical content with <see cref="EventChain.ContentSql"/>
/// (its own copy of the definition, not the trigger function stored in the database) and hashes it here, chaining from
/// 32 zero bytes. It reads in one repeatable-read snapshot, so events committed meanwhile are neither half seen nor
/// counted as unchained.
/// </summary>
public static class ChainVerifier
{
    public static async Task<ChainVerification> VerifyAsync(IDocumentStore store, CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);

        var verification = await VerifyLinksAsync(connection, transaction, schema, ct);
        if (!verification.Ok) return verification;

        // Every event must be covered: one inserted with the trigger disabled (or before it existed) has no hash.
        await using var unchained = new NpgsqlCommand(
            $"""
            select min(e.seq_id) from {schema}.mt_events e
            where not exists (select 1 from {schema}.{EventChain.TableName} h where h.seq_id = e.seq_id)
            """, connection, transaction);
        return await unchained.ExecuteScalarAsync(ct) is long sequence
            ? verification with { Ok = false, BrokenAtSequence = sequence, Reason = "unchained-event" }
            : verification;
    }

    private static async Task<ChainVerification> VerifyLinksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            select h.chain_position, h.seq_id, h.hash,
                   case when e.seq_id is null then null else {EventChain.ContentSql("e")} end
            from {schema}.{EventChain.TableName} h
            left join {schema}.mt_events e on e.seq_id = h.seq_id
            order by h.chain_position
            """, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);

        byte[] previous = EventChain.Genesis.ToArray();
        long events = 0;
        long? lastSequence = null;
        while (await reader.ReadAsync(ct))
        {
            var position = reader.GetInt64(0);
            var sequence = reader.GetInt64(1);
            var stored = await reader.GetFieldValueAsync<byte[]>(2, ct);
            var content = await reader.IsDBNullAsync(3, ct) ? null : reader.GetString(3);
            var reason =
                position != events + 1 ? "position-missing"
                : content is null ? "event-missing"
                : !EventChain.Link(previous, content).AsSpan().SequenceEqual(stored) ? "hash-mismatch"
                : null;
            if (reason is not null)
                return new ChainVerification(false, events, lastSequence, Hex(previous, events), sequence, position, reason);

            previous = stored;
            events++;
            lastSequence = sequence;
        }

        return new ChainVerification(true, events, lastSequence, Hex(previous, events));
    }

    private static string? Hex(byte[] hash, long events) => events == 0 ? null : Convert.ToHexStringLower(hash);
}
