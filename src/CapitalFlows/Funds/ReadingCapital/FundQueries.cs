using CapitalFlows.Commands;
using CapitalFlows.Localities;
using Marten;
using Npgsql;

namespace CapitalFlows.Funds.ReadingCapital;

/// <summary>
/// Reads of funds. Today's balances come from the fund snapshots, which the inline projection keeps current
/// with every command; balances as of an earlier date, or as known at an earlier instant, are summed from the
/// indexed fund movements (FundMovementProjection), never replayed from streams.
/// </summary>
public static class FundQueries
{
    /// <summary>Every fund as it stands now.</summary>
    public static Task<IReadOnlyList<Fund>> Live(IQuerySession session, CancellationToken ct) =>
        session.Query<Fund>().ToListAsync(ct);

    public static Task<IReadOnlyList<Fund>> All(IQuerySession session, BalanceReading reading, CancellationToken ct) =>
        reading.IsLive ? Live(session, ct) : Historical(session, null, reading, ct);

    /// <summary>The funds held at the locality and at every locality below it on the reading's date.</summary>
    public static Task<IReadOnlyList<Fund>> SubtreeOf(
        IQuerySession session, string code, BalanceReading reading, LocalityDirectory localities, CancellationToken ct) =>
        code == LocalityDirectory.Nation ? All(session, reading, ct) : HeldAt(session, localities.SubtreeOn(code, reading.AsOf), reading, ct);

    /// <summary>The funds held at these localities (a fund's id starts with its locality's code).</summary>
    public static Task<IReadOnlyList<Fund>> HeldAt(IQuerySession session, IReadOnlyList<string> codes, BalanceReading reading, CancellationToken ct) =>
        reading.IsLive
            ? session.QueryAsync<Fund>("where split_part(id, '/', 1) = ANY(?)", ct, [codes.ToArray()])
            : Historical(session, codes, reading, ct);

    private static async Task<IReadOnlyList<Fund>> Historical(
        IQuerySession session, IReadOnlyList<string>? codes, BalanceReading reading, CancellationToken ct)
    {
        var schema = session.DocumentStore.Options.DatabaseSchemaName;
        await using var connection = session.DocumentStore.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand($"""
            select data ->> 'Fund', sum((data ->> 'InflowsVnd')::bigint)::bigint, sum((data ->> 'InflowsReversedVnd')::bigint)::bigint,
                   sum((data ->> 'ReceivedVnd')::bigint)::bigint, sum((data ->> 'PassedDownVnd')::bigint)::bigint,
                   sum((data ->> 'LentVnd')::bigint)::bigint, sum((data ->> 'RepaidVnd')::bigint)::bigint, max(effective_on)
            from {schema}.mt_doc_fundmovement
            where ($1::text[] is null or locality = any($1)) and effective_on <= $2 and ($3::timestamptz is null or recorded_at <= $3)
            group by data ->> 'Fund'
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)codes?.ToArray() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = reading.AsOf });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)reading.KnownAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        var funds = new List<Fund>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            funds.Add(new Fund
            {
                Id = reader.GetString(0),
                InflowsVnd = reader.GetInt64(1),
                InflowsReversedVnd = reader.GetInt64(2),
                ReceivedVnd = reader.GetInt64(3),
                PassedDownVnd = reader.GetInt64(4),
                LentVnd = reader.GetInt64(5),
                RepaidVnd = reader.GetInt64(6),
                LastMovementOn = reader.GetFieldValue<DateOnly>(7),
            });
        return funds;
    }
}
