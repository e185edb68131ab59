using System.Globalization;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CapitalFlows.Funds.ReadingHistory;

/// <summary>
/// Inline: one <see cref="FundMovement"/> row per fund event, in the same transaction as the event, so
/// balances as of a past date (and as known at a past instant) are sums over indexed rows, not replays.
/// The rows live in a plain table (typed columns, no JSON) with one index, which holds every column the
/// as-of read needs, so that read is an index-only scan. A rebuild empties the table and writes it again.
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
        _insert = $"""
            insert into {Table.Identifier.QualifiedName}
                (id, fund, locality, effective_on, recorded_at, inflows_vnd, inflows_reversed_vnd, received_vnd, passed_down_vnd, lent_vnd, repaid_vnd)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """;
    }

    public Table Table { get; }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.StreamKey is { } key && key.Contains('/', StringComparison.Ordinal))
        {
            var m = FundMovement.Of(e, RecordedAt(e));
            operations.QueueSqlCommand(_insert, m.Id, m.Fund, m.Locality, m.EffectiveOn, m.RecordedAt.ToUniversalTime(),
                m.InflowsVnd, m.InflowsReversedVnd, m.ReceivedVnd, m.PassedDownVnd, m.LentVnd, m.RepaidVnd);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The instant the command was recorded (event metadata), or the store's timestamp.</summary>
    public static DateTimeOffset RecordedAt(IEvent e) =>
        e.Headers?.TryGetValue("recordedAt", out var value) == true
            ? value switch
            {
                DateTimeOffset instant => instant,
                DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
                _ => DateTimeOffset.Parse(value.ToString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            }
            : e.Timestamp;

    /// <summary>
    /// The table and its single index. The as-of read (FundQueries) filters on locality, effective date and recorded
    /// instant and sums the six amounts per fund: the index is keyed (locality, fund, effective_on), so that read
    /// walks it in fund order and aggregates as it goes, and it carries the other columns, so the table itself is not
    /// read. No primary key: rows are only ever inserted, each by the transaction that appends its event, and a rebuild
    /// deletes them all first; a second index would cost every command another write. The table is insert-only, so
    /// autovacuum is asked to visit it after fewer inserts than its default (20 %): a page becomes all-visible only
    /// when vacuumed, and until then an index-only scan still reads it.
    /// </summary>
    private static Table DefineTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("id").NotNull();
        table.AddColumn<string>("fund").NotNull();
        table.AddColumn<string>("locality").NotNull();
        table.AddColumn("effective_on", "date").NotNull();
        table.AddColumn<DateTimeOffset>("recorded_at").NotNull();
        string[] amounts = ["inflows_vnd", "inflows_reversed_vnd", "received_vnd", "passed_down_vnd", "lent_vnd", "repaid_vnd"];
        foreach (var amount in amounts) table.AddColumn<long>(amount).NotNull();
        table.Indexes.Add(new IndexDefinition("ix_fund_movements_as_of")
        {
            Columns = ["locality", "fund", "effective_on"],
            IncludeColumns = ["recorded_at", .. amounts],
        });
        table.WithAutovacuum(insertScaleFactor: 0.01);
        return table;
    }
}
