using System.Reflection;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.National.ReadingDailyCapital;
using Npgsql;
using NpgsqlTypes;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary>
/// <c>mt_doc_dailycapital</c>, the asynchronous <see cref="DailyCapitalProjection"/>: written here too, with the
/// projection's own <c>Apply</c> methods (found by reflection, so an event type it learns is applied here as well),
/// each event on the day of its effective date, as the projection's identities put it. Its shard's progression is set
/// to the last event of the log, so the daemon goes on from there instead of applying the log a second time.
/// </summary>
public sealed class DailyCapitalTable(RebuildContext context) : IProjectionTable
{
    /// <summary>The projection's shard in <c>mt_event_progression</c>.</summary>
    public const string Shard = $"{nameof(DailyCapital)}:All";

    private static readonly DailyCapitalProjection Projection = new();

    private static readonly Dictionary<Type, MethodInfo> Appliers = typeof(DailyCapitalProjection)
        .GetMethods(BindingFlags.Public | BindingFlags.Instance)
        .Where(m => m.Name == "Apply" && m.GetParameters() is [{ ParameterType: var d }, _] && d == typeof(DailyCapital))
        .ToDictionary(m => m.GetParameters()[1].ParameterType);

    private readonly SortedDictionary<string, DailyCapital> _days = new(StringComparer.Ordinal);

    /// <summary>Each day's <c>mt_version</c>: the sequence of the last event applied to it, as the daemon stores it.</summary>
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private NpgsqlConnection? _connection;

    public string Name => "mt_doc_dailycapital";

    public Task BeginAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        _connection = connection;
        return Task.CompletedTask;
    }

    /// <summary>The event types the projection folds: what its daemon reads of the log.</summary>
    public static IReadOnlyCollection<Type> FoldedTypes => Appliers.Keys;

    /// <summary>
    /// Folds <paramref name="data"/> into its effective date's row of <paramref name="days"/> with the projection's own
    /// <c>Apply</c>, as its daemon does; returns the row's id, or null when the projection does not read the event.
    /// </summary>
    public static string? Fold(IDictionary<string, DailyCapital> days, object data)
    {
        if (!Appliers.TryGetValue(data.GetType(), out var apply)) return null;
        var id = DailyCapitalProjection.Day(((ILedgerEvent)data).EffectiveOn);
        if (!days.TryGetValue(id, out var day)) days[id] = day = new DailyCapital { Id = id };
        apply.Invoke(Projection, [day, data]);
        return id;
    }

    public ValueTask WriteAsync(FoldedEvent e, CancellationToken ct)
    {
        if (Fold(_days, e.Data) is { } id) _versions[id] = e.Sequence;
        return ValueTask.CompletedTask;
    }

    public async Task<long> CompleteAsync(StreamFolds folds, CancellationToken ct)
    {
        var connection = _connection!;
        var dotnetType = typeof(DailyCapital).FullName!;
        await using (var copy = await connection.BeginBinaryImportAsync(
            $"copy {context.Qualified(Name)} (id, data, mt_dotnet_type, mt_version) from stdin (format binary)", ct))
        {
            foreach (var day in _days.Values)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(day.Id, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(context.Serializer.ToJson(day), NpgsqlDbType.Jsonb, ct);
                await copy.WriteAsync(dotnetType, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(_versions[day.Id], NpgsqlDbType.Bigint, ct);
            }
            await copy.CompleteAsync(ct);
        }

        await using var progression = new NpgsqlCommand($"""
            insert into {context.Qualified("mt_event_progression")} (name, last_seq_id, last_updated) values ($1, $2, transaction_timestamp())
            on conflict (name) do update set last_seq_id = excluded.last_seq_id, last_updated = excluded.last_updated
            """, connection);
        progression.Parameters.AddWithValue(Shard);
        progression.Parameters.AddWithValue(folds.LastSequence);
        await progression.ExecuteNonQueryAsync(ct);
        return _days.Count;
    }
}
