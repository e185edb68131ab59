using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;

namespace CapitalFlows.EventLog.Chain;

/// <summary>
/// Registers <see cref="EventChainStorage"/> with Marten's schema (<c>opts.Storage.Add</c>): custom features are applied
/// after the event store's tables, which the trigger and the hash table's reference need.
/// </summary>
public sealed class EventChainFeature(string schema) : FeatureSchemaBase("EventChain", new PostgresqlMigrator())
{
    protected override IEnumerable<ISchemaObject> schemaObjects() => [new EventChainStorage(schema)];
}
