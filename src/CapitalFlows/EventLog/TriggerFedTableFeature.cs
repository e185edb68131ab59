using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;

namespace CapitalFlows.EventLog;

/// <summary>
/// Registers a <see cref="TriggerFedTable"/> with Marten's schema (<c>opts.Storage.Add</c>) under
/// <paramref name="identifier"/>: custom features are applied after the event store's tables, which the trigger and
/// the table's reference to <c>mt_events</c> need. Generic because Marten keeps one custom feature per type.
/// </summary>
public sealed class TriggerFedTableFeature<TTable>(string identifier, TTable table) : FeatureSchemaBase(identifier, new PostgresqlMigrator())
    where TTable : TriggerFedTable
{
    protected override IEnumerable<ISchemaObject> schemaObjects() => [table];
}
