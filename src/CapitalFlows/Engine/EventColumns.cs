using System.Collections.Concurrent;
using System.Data.Common;
using Marten;
using Marten.Events;

namespace CapitalFlows.Engine;

/// <summary>
/// What the engine's own writes put in the columns Marten's append would fill, taken from the store's own
/// configuration: the schema, the serializer (event data, headers, snapshots, command records), each event type's
/// alias and .NET type name, and each aggregate's stream type. Shared by the bulk path (<see cref="BulkAppend"/>) and
/// group commit (<see cref="BatchWrite"/>), so that a row either writes is a row Marten would have written.
/// </summary>
public sealed class EventColumns(IDocumentStore store)
{
    private readonly ISerializer _serializer = store.Options.Serializer();
    private readonly EventGraph _events = (EventGraph)((DocumentStore)store).Options.Events;
    private readonly ConcurrentDictionary<Type, (string Alias, string DotnetType)> _eventTypes = new();
    private readonly ConcurrentDictionary<Type, string> _aggregateAliases = new();

    public string Schema => _events.DatabaseSchemaName;

    public string Json(object value) => _serializer.ToJson(value);

    /// <summary>A document or event read back from a JSON column.</summary>
    public T Read<T>(DbDataReader reader, int index) => _serializer.FromJson<T>(reader, index);

    /// <summary>The event type's alias (<c>type</c>) and .NET type name (<c>mt_dotnet_type</c>).</summary>
    public (string Alias, string DotnetType) EventType(Type type) =>
        _eventTypes.GetOrAdd(type, t => _events.EventMappingFor(t) is var mapping ? (mapping.EventTypeName, mapping.DotNetTypeName) : default);

    /// <summary>The stream type of an aggregate's streams (<c>mt_streams.type</c>).</summary>
    public string AggregateAlias(Type aggregate) => _aggregateAliases.GetOrAdd(aggregate, _events.AggregateAliasFor);
}
