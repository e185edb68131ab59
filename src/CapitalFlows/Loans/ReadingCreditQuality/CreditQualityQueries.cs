using CapitalFlows.Api;
using CapitalFlows.Engine;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CapitalFlows.Loans.ReadingCreditQuality;

/// <summary>
/// Credit quality as one aggregate over the loan quality movements (<see cref="LoanQualityMovementProjection"/>'s
/// table): the rows of the localities' loans effective by the date and recorded by the instant are summed per loan (its
/// outstanding, its overdue, its write-offs of the year, where it stood then), and those per group and in total.
/// </summary>
public static class CreditQualityQueries
{
    /// <summary>The read's working memory, for its hash of the subtree's loans (province 01's 6,000 take about 7 MB; more spills to disk in batches).</summary>
    private const string WorkMemory = "32MB";

    /// <summary>
    /// The figures of each group and of all (key null) of the loans at <paramref name="groupOf"/>'s localities, grouped
    /// by programme, entrusted organisation, or the group each locality maps to (<c>child</c>).
    /// </summary>
    public static async Task<(IReadOnlyList<CreditQualityRow> Groups, CreditQualityFigures Total)> ReadAsync(
        IQuerySession session, IReadOnlyDictionary<string, string> groupOf, string grouping, BalanceReading reading, CancellationToken ct)
    {
        await using var connection = session.DocumentStore.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        // A province's loans are thousands of groups: hashed in memory, not sorted on disk (the default 4 MB is too little).
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var memory = new NpgsqlCommand($"set local work_mem = '{WorkMemory}'", connection, transaction))
            await memory.ExecuteNonQueryAsync(ct);
        await using var command = Command(session.DocumentStore.Options.DatabaseSchemaName, groupOf, grouping, reading);
        command.Connection = connection;
        command.Transaction = transaction;
        var groups = new List<CreditQualityRow>();
        CreditQualityFigures? total = null;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var outstanding = (long)reader.GetDecimal(1);
            var overdue = (long)reader.GetDecimal(2);
            var figures = new CreditQualityFigures(
                outstanding, overdue, outstanding == 0 ? 0 : (double)overdue / outstanding,
                (int)reader.GetInt64(3), (int)reader.GetInt64(4), (int)reader.GetInt64(5), (long)reader.GetDecimal(6));
            if (reader.IsDBNull(0)) total = figures;
            else groups.Add(new CreditQualityRow(reader.GetString(0), "", figures));
        }
        return (groups, total ?? new CreditQualityFigures(0, 0, 0, 0, 0, 0, 0));
    }

    /// <summary>
    /// The query: an index range per locality (effective by the date, and as known at an instant by the day after it:
    /// <see cref="BalanceReading.EffectiveBy"/>; the instant and the columns read come from the index too), a loan's
    /// rows summed per locality, hashed (a loan a merge moved has rows that cancel at its old locality, and a group is
    /// shown only when it holds a loan), then the groups and the total in one pass (grouping sets), borrowers counted
    /// distinct in each.
    /// </summary>
    internal static NpgsqlCommand Command(string schema, IReadOnlyDictionary<string, string> groupOf, string grouping, BalanceReading reading)
    {
        var key = grouping switch
        {
            "programme" => "t.programme",
            "organisation" => "t.organisation",
            _ => "m.grp",
        };
        var command = new NpgsqlCommand($"""
            with loans as (
                select {key} as key, t.borrower_ref,
                       sum(t.amount_vnd) filter (where t.kind = {LoanQualityKind.Held}) as held,
                       sum(t.amount_vnd) filter (where t.kind = {LoanQualityKind.Unpaid}) as outstanding,
                       sum(t.amount_vnd) filter (where t.kind = {LoanQualityKind.Unpaid} and t.on_date < @asOf) as overdue,
                       sum(t.amount_vnd) filter (where t.kind = {LoanQualityKind.WrittenOff} and t.on_date >= @yearStart) as written_off
                from unnest(@codes, @groups) as m(code, grp)
                join {schema}.{LoanQualityMovementProjection.TableName} t on t.locality = m.code
                where t.effective_on <= @effectiveBy{(reading.KnownAt is null ? "" : " and t.recorded_at <= @knownAt")}
                group by t.loan_id, t.locality, 1, 2)
            select case when grouping(key) = 0 then key end,
                   coalesce(sum(outstanding) filter (where outstanding > 0), 0),
                   coalesce(sum(overdue) filter (where outstanding > 0 and overdue > 0), 0),
                   count(*) filter (where outstanding > 0),
                   count(*) filter (where outstanding > 0 and overdue > 0),
                   count(distinct borrower_ref) filter (where outstanding > 0),
                   coalesce(sum(written_off), 0)
            from loans
            group by grouping sets ((key), ())
            having grouping(key) = 1 or bool_or(held > 0)
            """);
        command.Parameters.Add(new NpgsqlParameter("asOf", NpgsqlDbType.Date) { Value = reading.AsOf });
        command.Parameters.Add(new NpgsqlParameter("effectiveBy", NpgsqlDbType.Date) { Value = reading.EffectiveBy });
        command.Parameters.Add(new NpgsqlParameter("yearStart", NpgsqlDbType.Date) { Value = new DateOnly(reading.AsOf.Year, 1, 1) });
        command.Parameters.Add(new NpgsqlParameter("codes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = groupOf.Keys.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("groups", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = groupOf.Values.ToArray() });
        if (reading.KnownAt is { } knownAt)
            command.Parameters.Add(new NpgsqlParameter("knownAt", NpgsqlDbType.TimestampTz) { Value = knownAt.ToUniversalTime() });
        return command;
    }
}
