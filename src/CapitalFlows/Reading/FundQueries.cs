using System.Collections.Concurrent;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Localities;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CapitalFlows.Reading;

/// <summary>
/// Reads of funds. Today's balances come from the fund snapshots, which the inline projection keeps current
/// with every command; balances as of an earlier date, or as known at an earlier instant, are each fund's latest
/// row of running totals in the fund movements (FundMovementProjection's table), never replayed from streams.
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

    /// <summary>The funds held at these localities (by the fund documents' duplicated locality column).</summary>
    public static Task<IReadOnlyList<Fund>> HeldAt(IQuerySession session, IReadOnlyList<string> codes, BalanceReading reading, CancellationToken ct) =>
        reading.IsLive
            ? session.QueryAsync<Fund>("where locality = ANY(?)", ct, [codes.ToArray()])
            : Historical(session, codes, reading, ct);

    /// <summary>
    /// Every fund's figures as of the reading's date (and as recorded by its instant), for the funds of these
    /// localities, or of all when <paramref name="codes"/> is null.
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
                WrittenOffVnd = reader.GetInt64(8),
            });
        return funds;
    }

    /// <summary>
    /// The query of <see cref="Historical"/>: for each fund of these localities (the fund documents, by their
    /// locality column), its latest movement row effective by the date (and recorded by the instant), which holds
    /// the fund's running totals then: one index descent per fund. Only the conditions that apply are written.
    /// <para>
    /// As known at an instant, a fund's rows recorded by then are the first rows of its stream (it records its
    /// events in stream order), so the read stays at one or two descents however much was recorded later: no row is
    /// looked at when the fund's first row was recorded after the instant (history imported or seeded later: the
    /// backward scan would otherwise pass over every row of the fund to find none), and the scan starts no later than
    /// the day after the instant in Vietnam (<see cref="BalanceReading.EffectiveBy"/>), not at the date asked.
    /// </para>
    /// </summary>
    internal static NpgsqlCommand HistoricalCommand(string schema, IReadOnlyList<string>? codes, BalanceReading reading)
    {
        var command = new NpgsqlCommand(HistoricalSql(schema, codes is not null, reading.KnownAt is not null));
        command.Parameters.Add(new NpgsqlParameter("effectiveBy", NpgsqlDbType.Date) { Value = reading.EffectiveBy });
        if (codes is not null)
            command.Parameters.Add(new NpgsqlParameter("codes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = codes.ToArray() });
        if (reading.KnownAt is { } knownAt)
            command.Parameters.Add(new NpgsqlParameter("knownAt", NpgsqlDbType.TimestampTz) { Value = knownAt.ToUniversalTime() });
        return command;
    }

    /// <summary>The four texts of <see cref="HistoricalCommand"/>'s query per schema, written once (not at every read).</summary>
    private static readonly ConcurrentDictionary<(string Schema, bool ByLocality, bool KnownAt), string> HistoricalTexts = new();

    private static string HistoricalSql(string schema, bool byLocality, bool knownAt) =>
        HistoricalTexts.GetOrAdd((schema, byLocality, knownAt), k => $"""
            select m.fund, m.inflows_vnd, m.inflows_reversed_vnd, m.received_vnd, m.passed_down_vnd, m.lent_vnd, m.repaid_vnd, m.effective_on, m.written_off_vnd
            from {k.Schema}.mt_doc_fund f
            cross join lateral (
                select fund, effective_on, inflows_vnd, inflows_reversed_vnd, received_vnd, passed_down_vnd, lent_vnd, repaid_vnd, written_off_vnd
                from {k.Schema}.{FundMovementProjection.TableName}
                where locality = f.locality and fund = f.id and effective_on <= @effectiveBy{(k.KnownAt ? $"""

                      and recorded_at <= @knownAt
                      and (select first.recorded_at from {k.Schema}.{FundMovementProjection.TableName} first
                           where first.locality = f.locality and first.fund = f.id
                           order by first.effective_on, first.version limit 1) <= @knownAt
                """ : "")}
                order by effective_on desc, version desc
                limit 1) m
            {(k.ByLocality ? "where f.locality = any(@codes)" : "")}
            """);
}
