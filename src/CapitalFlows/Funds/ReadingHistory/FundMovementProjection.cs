using System.Globalization;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CapitalFlows.Funds.ReadingHistory;

/// <summary>
/// Inline: one row per fund event, in the same transaction as the event, holding the fund's running totals
/// after it with both dates (effective and recorded). A fund's effective dates never go backwards and its
/// events are recorded in stream order, so the fund as of a date and as known at an instant is simply its
/// latest row on or before both: an as-of read takes one row per fund, not a replay or a sum over its history.
/// The rows live in a plain table (typed columns, no JSON) with one index, which holds every column the read
/// needs. A rebuild empties the table and writes it again from the log, in order.
/// </summary>
public sealed partial class FundMovementProjection : EventProjection
{
    /// <summary>
    /// Named like Marten's own tables on purpose: whatever wipes a store's Marten data (ResetAllData, the
    /// Clean.DeleteAllDocuments behind it, as the tests and a fresh demo store do) truncates every <c>mt_</c> table of
    /// the schema, so these rows go with the events they were projected from.
    /// </summary>
    public const string TableName = "mt_fund_movements";

    private readonly string _insert;

    public FundMovementProjection(string schema)
    {
        Table = DefineTable(schema);
        SchemaObjects.Add(Table);
        Options.DeleteDataInTableOnTeardown(Table.Identifier.QualifiedName);
        // The row carries the fund's running totals: its previous row's (the latest by effective date and
        // number, read through the same index) plus this event's amounts, and its number within the fund (the
        // previous row's plus one: the event's stream version is not known to an inline projection when events
        // are appended without an expected version, as the demo history does). A fund's events are projected in
        // stream order, and in one transaction a later statement sees the earlier rows. A rebuild therefore runs
        // while no node takes commands.
        var table = Table.Identifier.QualifiedName;
        _insert = $"""
            insert into {table}
                (id, fund, locality, version, effective_on, recorded_at,
                 inflows_vnd, inflows_reversed_vnd, received_vnd, passed_down_vnd, lent_vnd, repaid_vnd, written_off_vnd)
            select ?, ?, ?, coalesce(p.version, 0) + 1, ?, ?,
                   coalesce(p.inflows_vnd, 0) + ?, coalesce(p.inflows_reversed_vnd, 0) + ?, coalesce(p.received_vnd, 0) + ?,
                   coalesce(p.passed_down_vnd, 0) + ?, coalesce(p.lent_vnd, 0) + ?, coalesce(p.repaid_vnd, 0) + ?,
                   coalesce(p.written_off_vnd, 0) + ?
            from (select 1) as this
            left join lateral (
                select * from {table} where locality = ? and fund = ? order by effective_on desc, version desc limit 1) as p on true
            """;
    }

    public Table Table { get; }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.StreamKey is { } key && key.Contains('/', StringComparison.Ordinal))
        {
            var m = FundMovement.Of(e, RecordedAt(e));
            operations.QueueSqlCommand(_insert, m.Id, m.Fund, m.Locality, m.EffectiveOn, m.RecordedAt.ToUniversalTime(),
                m.InflowsVnd, m.InflowsReversedVnd, m.ReceivedVnd, m.PassedDownVnd, m.LentVnd, m.RepaidVnd, m.WrittenOffVnd, m.Locality, m.Fund);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The instant the command was recorded (event metadata), or the store's timestamp.</summary>
    public static DateTimeOffset RecordedAt(IEvent e) =>
        e.Headers?.TryGetValue("recordedAt", out var value) == true ? RecordedAt(value, e.Timestamp) : e.Timestamp;

    /// <summary>The instant in an event's <c>recordedAt</c> header, or <paramref name="timestamp"/> (the store's) without one.</summary>
    public static DateTimeOffset RecordedAt(object? header, DateTimeOffset timestamp) => header switch
    {
        null => timestamp,
        DateTimeOffset instant => instant,
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        _ => DateTimeOffset.Parse(header.ToString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
    };

    /// <summary>
    /// The table and its single index, keyed (locality, fund, effective_on, version) and carrying the other columns:
    /// both the insert (a fund's previous row) and the as-of read (a fund's latest row by a date) are one descent of it,
    /// and the table itself is not read. No primary key: rows are only ever inserted, each by the transaction that
    /// appends its event, and a rebuild deletes them all first; a second index would cost every command another write.
    /// The table is insert-only, so autovacuum is asked to visit it after fewer inserts than its default (20 %).
    /// </summary>
    private static Table DefineTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("id").NotNull();
        table.AddColumn<string>("fund").NotNull();
        table.AddColumn<string>("locality").NotNull();
        table.AddColumn<long>("version").NotNull();
        table.AddColumn("effective_on", "date").NotNull();
        table.AddColumn<DateTimeOffset>("recorded_at").NotNull();
        string[] amounts = ["inflows_vnd", "inflows_reversed_vnd", "received_vnd", "passed_down_vnd", "lent_vnd", "repaid_vnd", "written_off_vnd"];
        foreach (var amount in amounts) table.AddColumn<long>(amount).NotNull();
        table.Indexes.Add(new IndexDefinition("ix_fund_movements_as_of")
        {
            Columns = ["locality", "fund", "effective_on", "version"],
            IncludeColumns = ["recorded_at", .. amounts],
        });
        table.WithAutovacuum(insertScaleFactor: 0.01);
        return table;
    }
}
