using CapitalFlows.Commands;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Localities;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CapitalFlows.Funds.ReadingCapital;

/// <summary>
/// Reads of funds. Today's balances come from the fund snapshots, which the inline projection keeps current
/// with every command; balances as of an earlier date, or as known at an earlier instant, are summed from the
/// fund movements (FundMovementProjection's table, read through its one index), never replayed from streams.
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

    /// <summary>
    /// Every fund's figures summed over its movements effective by the reading's date (and recorded by its instant),
    /// for the funds of these localities, or of all when <paramref name="codes"/> is null.
    /// </summary>
    private static async Task<IReadOnlyList<Fund>> Historical(
        IQuerySession session, IReadOnlyList<string>? codes, BalanceReading reading, CancellationToken ct)
    {
        await using var connection = session.DocumentStore.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = HistoricalCommand(session.DocumentStore.Options.DatabaseSchemaName, codes, reading);
        command.Connection = connection;
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

    /// <summary>
    /// The query of <see cref="Historical"/>: with localities, an index-only scan of the movements' one index (every
    /// column it names is in that index), aggregated per fund in the index's order. Only the conditions that apply are
    /// written, so the planner never sees a "parameter is null or ..." it cannot use an index for.
    /// </summary>
    internal static NpgsqlCommand HistoricalCommand(string schema, IReadOnlyList<string>? codes, BalanceReading reading)
    {
        var conditions = new List<string> { "effective_on <= @asOf" };
        if (codes is not null) conditions.Add("locality = any(@codes)");
        if (reading.KnownAt is not null) conditions.Add("recorded_at <= @knownAt");
        var command = new NpgsqlCommand($"""
            select fund, sum(inflows_vnd)::bigint, sum(inflows_reversed_vnd)::bigint, sum(received_vnd)::bigint,
                   sum(passed_down_vnd)::bigint, sum(lent_vnd)::bigint, sum(repaid_vnd)::bigint, max(effective_on)
            from {schema}.{FundMovementProjection.TableName}
            where {string.Join(" and ", conditions)}
            group by locality, fund
            """);
        command.Parameters.Add(new NpgsqlParameter("asOf", NpgsqlDbType.Date) { Value = reading.AsOf });
        if (codes is not null)
            command.Parameters.Add(new NpgsqlParameter("codes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = codes.ToArray() });
        if (reading.KnownAt is { } knownAt)
            command.Parameters.Add(new NpgsqlParameter("knownAt", NpgsqlDbType.TimestampTz) { Value = knownAt.ToUniversalTime() });
        return command;
    }
}
