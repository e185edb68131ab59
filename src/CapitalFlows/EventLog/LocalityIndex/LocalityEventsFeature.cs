using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;

namespace CapitalFlows.EventLog.LocalityIndex;

/// <summary>
/// Registers <see cref="LocalityEventsStorage"/> with Marten's schema (<c>opts.Storage.Add</c>): custom features are
/// applied after the event store's tables, which the trigger and the table's reference need.
/// </summary>
public sealed class LocalityEventsFeature(string schema) : FeatureSchemaBase("LocalityEvents", new PostgresqlMigrator())
{
    protected override IEnumerable<ISchemaObject> schemaObjects() => [new LocalityEventsStorage(schema)];
}
