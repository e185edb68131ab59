using Weasel.Core;

namespace CapitalFlows.EventLog.LocalityIndex;

/// <summary>
/// The locality history's database objects, created with the event store's schema (<c>db-apply</c>, or a fresh store
/// at start-up):
/// <list type="bullet">
/// <item>the table <see cref="LocalityEvents.TableName"/>, primary key (<c>locality</c>, <c>seq_id</c>) including
/// <c>effective_on</c>: a page of a locality's history is one range of it and a primary-key lookup in <c>mt_events</c>
/// per event; <c>seq_id</c> references <c>mt_events</c> (on delete cascade), so that whatever empties the log
/// (<c>truncate mt_events cascade</c>, a store reset) or deletes an event behind the service's back takes its rows too;</item>
/// <item>the trigger function (<see cref="LocalityEvents.TriggerFunctionSql"/>) and a trigger on <c>mt_events</c>,
/// after insert, for each row, so that every path that appends (commands, the demo history, a COPY) fills the table in
/// the transaction that appends; but for a group commit, which writes its rows itself and says so
/// (<see cref="LocalityEvents.TriggerWhenSql"/>);</item>
/// <item>the refill function (<see cref="LocalityEvents.RefillFunctionName"/>), and the mark that it must run: whenever
/// the table is created, or the function or trigger was missing, switched off or another version, the table's comment
/// says <see cref="LocalityEvents.RefillPending"/>, and <see cref="LocalityEventsBackfill"/> fills it from the log at
/// start-up, before the service answers (a million events take longer than a DDL command may), so a store written
/// before (or by a path that disabled the trigger) reads the same as one written with it.</item>
/// </list>
/// </summary>
public sealed class LocalityEventsStorage(string schema)
    : TriggerFedTable(schema, LocalityEvents.TableName, LocalityEvents.FunctionName, LocalityEvents.TriggerName, LocalityEvents.Version)
{
    private string FunctionSql => LocalityEvents.TriggerFunctionSql(Schema);

    private string RefillSql => LocalityEvents.RefillFunctionSql(Schema);

    protected override string FunctionsSql => FunctionSql + RefillSql;

    protected override IReadOnlyList<string> OtherFunctionNames => [LocalityEvents.RefillFunctionName];

    public override void WriteCreateStatement(Migrator migrator, TextWriter writer)
    {
        writer.WriteLine($"""
            do $table$
            begin
                if to_regclass('{Table}') is null then
                    create table {Table} (locality text not null, seq_id bigint not null, effective_on date not null)
                        with (autovacuum_vacuum_insert_scale_factor = 0.01);
                    {LocalityEvents.KeysSql(Schema)}
                end if;
            end
            $table$;

            {FunctionSql}
            comment on function {Function}() is '{Marker}';

            drop trigger if exists {LocalityEvents.TriggerName} on {Schema}.mt_events;
            create trigger {LocalityEvents.TriggerName} after insert on {Schema}.mt_events
                for each row when ({LocalityEvents.TriggerWhenSql}) execute function {Function}();

            {RefillSql}
            comment on table {Table} is '{LocalityEvents.RefillPending}';
            """);
    }
}
