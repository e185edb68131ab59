using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Weasel.Core;
using Weasel.Postgresql;

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
/// after insert, for each row, so that every path that appends (commands, group commits, the demo history, a COPY)
/// fills the table in the transaction that appends;</item>
/// <item>the refill function (<see cref="LocalityEvents.RefillFunctionName"/>), and the mark that it must run: whenever
/// the table is created, or the function or trigger was missing, switched off or another version, the table's comment
/// says <see cref="LocalityEvents.RefillPending"/>, and <see cref="LocalityEventsBackfill"/> fills it from the log at
/// start-up, before the service answers (a million events take longer than a DDL command may), so a store written
/// before (or by a path that disabled the trigger) reads the same as one written with it.</item>
/// </list>
/// </summary>
public sealed class LocalityEventsStorage(string schema) : ISchemaObject
{
    private string Table => $"{schema}.{LocalityEvents.TableName}";

    private string Function => $"{schema}.{LocalityEvents.FunctionName}";

    public DbObjectName Identifier { get; } = new PostgresqlObjectName(schema, LocalityEvents.TableName, SchemaUtils.IdentifierUsage.General);

    public IEnumerable<DbObjectName> AllNames() =>
    [
        Identifier,
        new PostgresqlObjectName(schema, LocalityEvents.FunctionName, SchemaUtils.IdentifierUsage.Function),
        new PostgresqlObjectName(schema, LocalityEvents.TriggerName, SchemaUtils.IdentifierUsage.General),
        new PostgresqlObjectName(schema, LocalityEvents.RefillFunctionName, SchemaUtils.IdentifierUsage.Function),
    ];

    private string FunctionSql => LocalityEvents.TriggerFunctionSql(schema);

    private string RefillSql => LocalityEvents.RefillFunctionSql(schema);

    /// <summary>The trigger function's comment: the version and a digest of both functions, so a changed definition is replaced (and the rows refilled) by the next db-apply.</summary>
    private string Marker => $"{LocalityEvents.Version} {Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(FunctionSql + RefillSql)))[..16]}";

    public void WriteCreateStatement(Migrator migrator, TextWriter writer)
    {
        writer.WriteLine($"""
            do $table$
            begin
                if to_regclass('{Table}') is null then
                    create table {Table} (locality text not null, seq_id bigint not null, effective_on date not null)
                        with (autovacuum_vacuum_insert_scale_factor = 0.01);
                    {LocalityEvents.KeysSql(schema)}
                end if;
            end
            $table$;

            {FunctionSql}
            comment on function {Function}() is '{Marker}';

            drop trigger if exists {LocalityEvents.TriggerName} on {schema}.mt_events;
            create trigger {LocalityEvents.TriggerName} after insert on {schema}.mt_events
                for each row execute function {Function}();

            {RefillSql}
            comment on table {Table} is '{LocalityEvents.RefillPending}';
            """);
    }

    /// <summary>Drops the trigger and its function; the table's rows are refilled whenever they are created again.</summary>
    public void WriteDropStatement(Migrator rules, TextWriter writer)
    {
        writer.WriteLine($"drop trigger if exists {LocalityEvents.TriggerName} on {schema}.mt_events;");
        writer.WriteLine($"drop function if exists {Function}();");
        writer.WriteLine($"drop function if exists {schema}.{LocalityEvents.RefillFunctionName}();");
    }

    public void ConfigureQueryCommand(Weasel.Core.DbCommandBuilder builder)
    {
        var schemaParameter = builder.AddParameter(schema).ParameterName;
        builder.Append($"""
            select
                exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                        where n.nspname = :{schemaParameter} and c.relname = '{LocalityEvents.TableName}'),
                (select obj_description(p.oid, 'pg_proc') from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = :{schemaParameter} and p.proname = '{LocalityEvents.FunctionName}' limit 1),
                exists (select 1 from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
                        where n.nspname = :{schemaParameter} and c.relname = 'mt_events' and t.tgname = '{LocalityEvents.TriggerName}'
                          and t.tgenabled <> 'D');
            """);
    }

    public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct = default)
    {
        await reader.ReadAsync(ct);
        var table = reader.GetBoolean(0);
        var marker = await reader.IsDBNullAsync(1, ct) ? null : reader.GetString(1);
        var trigger = reader.GetBoolean(2);
        var difference = (table, marker, trigger) switch
        {
            (true, _, true) when marker == Marker => SchemaPatchDifference.None,
            (false, null, false) => SchemaPatchDifference.Create,
            _ => SchemaPatchDifference.Update,
        };
        return new SchemaObjectDelta(this, difference);
    }
}
