using System.Security.Cryptography;
using System.Text;

namespace CapitalFlows.EventLog.Chain;

/// <summary>
/// The log as a hash chain (DOMAIN.md invariant 11). Every row of <c>mt_events</c> gets, in the transaction that
/// inserts it, a row of <see cref="TableName"/>: its <c>position</c> in the chain (1, 2, 3, … in commit order), its
/// <c>seq_id</c> and its <c>hash</c>:
/// <code>hash(n) = SHA-256( hash(n−1) ‖ UTF-8(content(n)) )</code>
/// where <c>hash(0)</c> is 32 zero bytes and <c>content</c> is the text PostgreSQL renders for the JSON array
/// <see cref="ContentSql"/> builds from the stored row: sequence, stream, type, effective date, recorded instant,
/// metadata and data. The README gives the recipe an auditor can run with psql or Python.
/// <para>The chain runs in commit order, not sequence order: sequence numbers are taken when a transaction inserts,
/// and transactions commit in another order. The trigger that writes the hashes is deferred to commit and takes a
/// transaction-level advisory lock, so one committing transaction at a time extends the chain from its head.</para>
/// </summary>
public static class EventChain
{
    /// <summary>Named like Marten's tables, so that whatever wipes a store's events (the tests' reset, <c>seed-demo --reset</c>) empties it too.</summary>
    public const string TableName = "mt_event_hashes";

    public const string FunctionName = "mt_chain_event";

    public const string TriggerName = "mt_events_chain";

    /// <summary>
    /// <c>select {schema}.mt_chain_appended(first_seq, last_seq)</c>: chains, in sequence order and in one statement,
    /// the events the calling transaction appended with sequence numbers in that range (the bulk path's; at commit the
    /// row trigger finds them chained and passes over them); returns how many it chained.
    /// </summary>
    public const string AppendedFunctionName = "mt_chain_appended";

    /// <summary>The two-key advisory lock the trigger takes (a key space apart from the commands' one-key locks): "CF", "chain".</summary>
    public const string LockKeys = "17990, 1128808814";

    /// <summary>Which definition of the chain a schema holds (with a digest of the trigger function, its comment); change it with the canonical form.</summary>
    public const string Version = "capitalflows event chain v1";

    /// <summary>hash(0): what the first event's hash chains from.</summary>
    public static ReadOnlySpan<byte> Genesis => new byte[32];

    /// <summary>
    /// The canonical content of the event in the row named <paramref name="row"/> (a table alias, or <c>NEW</c> in the
    /// trigger), as a SQL text expression. <c>jsonb</c> renders its text in one way only (object keys ordered by length,
    /// then bytes; <c>", "</c> and <c>": "</c> between items), so the same row always gives the same text.
    /// </summary>
    public static string ContentSql(string row) => $"""
        jsonb_build_array(
            {row}.seq_id,
            {row}.stream_id,
            {row}.type,
            {row}.data ->> 'EffectiveOn',
            to_char({row}.timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            jsonb_build_object('eventId', {row}.id, 'version', {row}.version, 'correlationId', {row}.correlation_id,
                               'userName', {row}.user_name, 'headers', {row}.headers),
            {row}.data)::text
        """;

    /// <summary>One link: SHA-256 of the previous hash followed by the UTF-8 bytes of the content.</summary>
    public static byte[] Link(ReadOnlySpan<byte> previous, string content)
    {
        var bytes = new byte[previous.Length + Encoding.UTF8.GetByteCount(content)];
        previous.CopyTo(bytes);
        Encoding.UTF8.GetBytes(content, bytes.AsSpan(previous.Length));
        return SHA256.HashData(bytes);
    }
}
