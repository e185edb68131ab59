using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Weasel.Core;
using Weasel.Postgresql;

namespace CapitalFlows.EventLog;

/// <summary>
/// A table that a trigger on <c>mt_events</c> fills in the transaction that appends, created with the event store's
/// schema as a Marten feature (<c>db-apply</c>, or a fresh store at start-up): the table, the trigger's function (and
/// any other function the table needs) and the trigger. The trigger function's comment is a marker, the version and a
/// digest of every function's definition: a schema whose table, trigger (or trigger switched off) or marker is missing
/// or different, or where <see cref="DriftSql"/> answers true, is brought up to date by the next db-apply, which writes
/// <see cref="WriteCreateStatement"/> again (so it must leave an existing table and its rows alone). Dropping the
/// feature drops the trigger and the functions, never the table.
/// </summary>
public abstract class TriggerFedTable(string schema, string tableName, string functionName, string triggerName, string version) : ISchemaObject
{
    protected string Schema => schema;

    /// <summary>The table, qualified by its schema.</summary>
    protected string Table => $"{schema}.{tableName}";

    /// <summary>The trigger's function, qualified by its schema.</summary>
    protected string Function => $"{schema}.{functionName}";

    public DbObjectName Identifier { get; } = new PostgresqlObjectName(schema, tableName, SchemaUtils.IdentifierUsage.General);

    /// <summary>The definitions (<c>create or replace function</c>) of every function the table needs, the trigger's first.</summary>
    protected abstract string FunctionsSql { get; }

    /// <summary>The names of the functions other than the trigger's.</summary>
    protected virtual IReadOnlyList<string> OtherFunctionNames => [];

    /// <summary>The trigger function's comment: the version and a digest of the functions, so a changed function is replaced by the next db-apply.</summary>
    protected string Marker => $"{version} {Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(FunctionsSql)))[..16]}";

    /// <summary>A boolean SQL expression, true when the schema needs the create statement again for a reason of the table's own (<paramref name="schemaParameter"/> names the schema).</summary>
    protected virtual string DriftSql(string schemaParameter) => "false";

    public IEnumerable<DbObjectName> AllNames() =>
    [
        Identifier,
        new PostgresqlObjectName(schema, functionName, SchemaUtils.IdentifierUsage.Function),
        new PostgresqlObjectName(schema, triggerName, SchemaUtils.IdentifierUsage.General),
        .. OtherFunctionNames.Select(f => new PostgresqlObjectName(schema, f, SchemaUtils.IdentifierUsage.Function)),
    ];

    public abstract void WriteCreateStatement(Migrator migrator, TextWriter writer);

    /// <summary>Drops the trigger and the functions, never the table.</summary>
    public void WriteDropStatement(Migrator rules, TextWriter writer)
    {
        writer.WriteLine($"drop trigger if exists {triggerName} on {schema}.mt_events;");
        writer.WriteLine($"drop function if exists {Function}();");
        foreach (var other in OtherFunctionNames) writer.WriteLine($"drop function if exists {schema}.{other};");
    }

    public void ConfigureQueryCommand(Weasel.Core.DbCommandBuilder builder)
    {
        var schemaParameter = builder.AddParameter(schema).ParameterName;
        builder.Append($"""
            select
                exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                        where n.nspname = :{schemaParameter} and c.relname = '{tableName}'),
                (select obj_description(p.oid, 'pg_proc') from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                 where n.nspname = :{schemaParameter} and p.proname = '{functionName}' limit 1),
                exists (select 1 from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
                        where n.nspname = :{schemaParameter} and c.relname = 'mt_events' and t.tgname = '{triggerName}'
                          and t.tgenabled <> 'D'),
                {DriftSql(schemaParameter)};
            """);
    }

    public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct = default)
    {
        await reader.ReadAsync(ct);
        var table = reader.GetBoolean(0);
        var marker = await reader.IsDBNullAsync(1, ct) ? null : reader.GetString(1);
        var trigger = reader.GetBoolean(2);
        var drift = reader.GetBoolean(3);
        var difference = (table, marker, trigger, drift) switch
        {
            (true, _, true, false) when marker == Marker => SchemaPatchDifference.None,
            (false, null, false, _) => SchemaPatchDifference.Create,
            _ => SchemaPatchDifference.Update,
        };
        return new SchemaObjectDelta(this, difference);
    }
}
