using System.Diagnostics.Metrics;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Operations;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CapitalFlows.Loans.ReadingCreditQuality;

/// <summary>
/// Inline: the rows of <see cref="LoanQualityMovement"/>, in the same transaction as the loan events they come from,
/// in a plain table (typed columns, no JSON) with one covering index by locality and effective date, so that the
/// credit quality of a subtree as of a date and known at an instant is one aggregate over an index range
/// (<see cref="CreditQualityQueries"/>).
/// <para>
/// An event's rows depend on the loan's state before it. The projection takes each batch of events whole (a
/// command's transaction, or a batch of a rebuild, which comes in the log's order), folds every loan it touches from
/// the state its recorder read for writing (<see cref="LoansReadForWriting"/>), else from the loan's earlier events in
/// the log (one query per batch, for the loans whose drawdown is not in the batch and whose state nobody told), and
/// then through the batch's events, computing each event's rows with <see cref="LoanQualityMovement.Of"/>. Live, the
/// batch's own events are not in the log yet, so every event of the loan there is earlier; in a rebuild they are, and
/// only those with a lower sequence than the batch's first are read. All of a batch's rows go in one insert.
/// </para>
/// </summary>
public sealed class LoanQualityMovementProjection : EventProjection, IJasperFxProjection<IDocumentOperations>, IInlineProjection<IDocumentOperations>
{
    /// <summary>Named like Marten's own tables so that whatever wipes a store's Marten data truncates it (see <see cref="FundMovementProjection.TableName"/>).</summary>
    public const string TableName = "mt_loan_quality_movements";

    /// <summary>The projection's name (<c>projections rebuild -p LoanQualityMovements</c> fills the table of an existing store).</summary>
    public const string ProjectionName = "LoanQualityMovements";

    /// <summary>The table's columns in the order of <see cref="LoanQualityMovement"/>'s members (a bulk path's COPY writes them so).</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["id", "loan_id", "locality", "programme", "organisation", "borrower_ref", "kind", "on_date", "amount_vnd", "effective_on", "recorded_at"];

    /// <summary>The events of a loan's stream: the only ones the projection reads (a rebuild loads no others).</summary>
    public static readonly IReadOnlyList<Type> LoanEventTypes =
    [
        typeof(LoanDrawnDown), typeof(LoanRepaid), typeof(LoanDrawdownReversed), typeof(LoanRepaymentReversed), typeof(LoanTransferred),
        typeof(LoanExtended), typeof(LoanExtensionReversed), typeof(LoanWrittenOff), typeof(LoanWriteOffReversed),
    ];

    /// <summary>Loans the projection folded from the log because no recorder told it their state (<see cref="LoansReadForWriting"/>).</summary>
    public static readonly Counter<long> LogReads = Telemetry.Meter.CreateCounter<long>(
        "capitalflows.loan_quality.loans_folded_from_log", unit: "{loan}",
        description: "Loans the credit-quality projection folded from the log, not from the state the recorder read");

    private readonly string _schema;

    public LoanQualityMovementProjection(string schema)
    {
        Name = ProjectionName;
        foreach (var type in LoanEventTypes) IncludeType(type);
        _schema = schema;
        Table = DefineTable(schema);
        SchemaObjects.Add(Table);
        Options.DeleteDataInTableOnTeardown(Table.Identifier.QualifiedName);
    }

    public Table Table { get; }

    Task IJasperFxProjection<IDocumentOperations>.ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation) =>
        ProjectAsync(operations, events, cancellation);

    Task IInlineProjection<IDocumentOperations>.ApplyAsync(IDocumentOperations operations, IEnumerable<StreamAction> streams, CancellationToken cancellation) =>
        ProjectAsync(operations, [.. streams.SelectMany(s => s.Events)], cancellation);

    /// <summary>Not used: the projection works on whole batches (both interfaces above).</summary>
    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation) =>
        new(ProjectAsync(operations, [e], cancellation));

    private async Task ProjectAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken ct)
    {
        var loanEvents = events.Where(e => e.StreamKey is not null && LoanEventTypes.Contains(e.Data.GetType())).ToList();
        if (loanEvents.Count == 0) return;

        var loans = new Dictionary<string, Loan?>(LoansReadForWriting.Of(operations), StringComparer.Ordinal);
        var earlier = loanEvents.GroupBy(e => e.StreamKey!, StringComparer.Ordinal)
            .Where(g => g.First().Data is not LoanDrawnDown && !loans.ContainsKey(g.Key)).Select(g => g.Key).ToArray();
        if (earlier.Length > 0)
        {
            LogReads.Add(earlier.Length);
            var first = loanEvents.Min(e => e.Sequence);
            var query = operations.Events.QueryAllRawEvents().Where(e => earlier.Contains(e.StreamKey!));
            if (first > 0) query = query.Where(e => e.Sequence < first);
            var logged = await query.ToListAsync(ct);
            foreach (var stream in logged.GroupBy(e => e.StreamKey!, StringComparer.Ordinal))
                loans[stream.Key] = Loan.Fold(stream.OrderBy(e => e.Sequence).Select(e => e.Data));
        }

        var rows = new List<LoanQualityMovement>();
        foreach (var e in loanEvents)
        {
            var (after, written) = LoanQualityMovement.Of(e.Id, e.Data, loans.GetValueOrDefault(e.StreamKey!), FundMovementProjection.RecordedAt(e));
            loans[e.StreamKey!] = after;
            rows.AddRange(written);
        }

        if (Insert(_schema, rows) is var (sql, values)) operations.QueueSqlCommand(sql, values);
    }

    /// <summary>One insert of <paramref name="rows"/> (none if there are none), with <c>?</c> for each value: this projection's write, and group commit's.</summary>
    public static (string Sql, object[] Values)? Insert(string schema, IReadOnlyList<LoanQualityMovement> rows) =>
        rows.Count == 0
            ? null
            : ($"""
                insert into {schema}.{TableName} ({string.Join(", ", Columns)})
                select * from unnest(?::text[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::smallint[], ?::date[], ?::bigint[], ?::date[], ?::timestamptz[])
                """,
                [
                    rows.Select(r => r.Id).ToArray(), rows.Select(r => r.LoanId).ToArray(), rows.Select(r => r.Locality).ToArray(),
                    rows.Select(r => r.Programme).ToArray(), rows.Select(r => r.EntrustedOrganisation).ToArray(),
                    rows.Select(r => r.BorrowerRef).ToArray(), rows.Select(r => r.Kind).ToArray(), rows.Select(r => r.OnDate).ToArray(),
                    rows.Select(r => r.AmountVnd).ToArray(), rows.Select(r => r.EffectiveOn).ToArray(),
                    rows.Select(r => r.RecordedAt.ToUniversalTime()).ToArray(),
                ]);

    /// <summary>
    /// The table and its one index, keyed (locality, effective_on) and carrying every other column the read needs, so
    /// that a read is an index-only range scan per locality. No primary key: rows are only inserted, by the transaction
    /// of their event, and a rebuild deletes them all first. Insert-only, so autovacuum visits it early (the visibility
    /// map is what lets the read skip the table).
    /// </summary>
    private static Table DefineTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, TableName, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("id").NotNull();
        table.AddColumn<Guid>("loan_id").NotNull();
        table.AddColumn<string>("locality").NotNull();
        table.AddColumn<string>("programme").NotNull();
        table.AddColumn<string>("organisation").NotNull();
        table.AddColumn<string>("borrower_ref").NotNull();
        table.AddColumn("kind", "smallint").NotNull();
        table.AddColumn("on_date", "date").NotNull();
        table.AddColumn<long>("amount_vnd").NotNull();
        table.AddColumn("effective_on", "date").NotNull();
        table.AddColumn<DateTimeOffset>("recorded_at").NotNull();
        table.Indexes.Add(new IndexDefinition("ix_loan_quality_movements_as_of")
        {
            Columns = ["locality", "effective_on"],
            IncludeColumns = ["recorded_at", "loan_id", "kind", "on_date", "amount_vnd", "programme", "organisation", "borrower_ref"],
        });
        table.WithAutovacuum(insertScaleFactor: 0.01);
        return table;
    }
}
