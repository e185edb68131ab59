using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CapitalFlows.EventLog;

/// <summary>Who caused an event (invariant 9).</summary>
public sealed record EventUser(string? Sub, string? Name, string? Role);

/// <summary>
/// One event of the log as analysts read it: both dates, who, the command, the event's own data, and its link of
/// the chain (<c>Hash</c>, hex: DOMAIN.md invariant 11; none for an event appended before the chain was installed).
/// </summary>
public sealed record LoggedEvent(
    long Sequence, string StreamKey, long Version, string Type, string? EffectiveOn, string? RecordedAt,
    string? CommandId, string? CorrelationId, EventUser User, bool Reversed, JsonNode? Data, string? Hash)
{
    /// <summary>The columns <see cref="Read"/> expects, from <c>mt_events e</c> and the accepted command <c>c</c>.</summary>
    public static string Columns(string schema) => $"""
        e.seq_id, e.stream_id, e.version, e.mt_dotnet_type, e.data ->> 'EffectiveOn', e.headers ->> 'recordedAt',
        e.headers ->> 'commandId', e.correlation_id, e.headers ->> 'sub', e.headers ->> 'name', e.headers ->> 'role',
        coalesce((select c.data ->> 'ReversedBy' from {schema}.mt_doc_processedcommand c where c.id = (e.headers ->> 'commandId')::uuid), '') <> '',
        e.data::text,
        (select encode(h.hash, 'hex') from {schema}.{Chain.EventChain.TableName} h where h.seq_id = e.seq_id)
        """;

    /// <summary>How many values a row of <see cref="Columns"/> holds.</summary>
    public const int ColumnCount = 14;

    public static LoggedEvent Read(DbDataReader row)
    {
        var values = new object[ColumnCount];
        row.GetValues(values);
        return FromValues(values);
    }

    /// <summary>
    /// An event from the values of a row of <see cref="Columns"/> (as <see cref="DbDataReader.GetValues"/> gives them):
    /// a reader can copy its rows and give its connection back before the events are parsed.
    /// </summary>
    public static LoggedEvent FromValues(object[] row) => new(
        (long)row[0],
        (string)row[1],
        (long)row[2],
        TypeName(Text(row, 3) ?? ""),
        Text(row, 4), Text(row, 5), Text(row, 6), Text(row, 7),
        new EventUser(Text(row, 8), Text(row, 9), Text(row, 10)),
        row[11] is true,
        CamelCase(JsonNode.Parse((string)row[12])),
        Text(row, 13));

    private static string? Text(object[] row, int i) => row[i] as string;

    /// <summary><c>CapitalFlows.Loans.LoanDrawnDown, CapitalFlows</c> → <c>LoanDrawnDown</c>.</summary>
    private static string TypeName(string dotnetType)
    {
        var name = dotnetType.Split(',')[0];
        return name[(name.LastIndexOf('.') + 1)..];
    }

    /// <summary>The store keeps .NET property names; the API speaks camelCase JSON.</summary>
    private static JsonNode? CamelCase(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var renamed = new JsonObject();
                foreach (var (key, value) in o.ToList())
                {
                    o.Remove(key);
                    renamed[JsonNamingPolicy.CamelCase.ConvertName(key)] = CamelCase(value);
                }
                return renamed;
            case JsonArray a:
                return new JsonArray(a.Select(item => { var copy = item?.DeepClone(); return CamelCase(copy); }).ToArray());
            default:
                return node;
        }
    }
}
