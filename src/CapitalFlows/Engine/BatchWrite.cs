using CapitalFlows.EventLog.LocalityIndex;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Loans;
using CapitalFlows.Loans.ReadingCreditQuality;
using System.Collections.Concurrent;
using System.Text;
using Npgsql;

namespace CapitalFlows.Engine;

/// <summary>
/// Everything a group-commit batch's accepted commands write, gathered row by row as they are decided and then sent
/// as a handful of set-based statements, so that the whole write is one round trip with its commit:
/// <list type="bullet">
/// <item>the streams (<c>mt_streams</c>): new ones inserted at their final version, the others moved forward;</item>
/// <item>the events (<c>mt_events</c>), in decision order, with every column Marten's own append writes
/// (<see cref="EventColumns"/>); the chain's trigger fires on them as on any append;</item>
/// <item>each event's rows of the locality index (<see cref="LocalityEvents"/>): a fund's event at the fund's locality,
/// a loan's at the locality it was drawn in and the one it sits in now, as the loan after it says (the index's trigger
/// would read the same from the loan's events; it passes over a batch's events, which says it writes them itself);</item>
/// <item>each fund's and loan's snapshot (<c>mt_doc_fund</c>, <c>mt_doc_loan</c>) as the batch left it, at the stream's
/// version, as Marten's inline snapshot would;</item>
/// <item>each fund event's movement row (<see cref="FundMovement.After"/>: the fund's running totals after it, numbered
/// by its version), and each loan event's credit-quality rows (<see cref="LoanQualityMovement.Of"/> from the loan
/// before it): the rows a rebuild writes for the same events;</item>
/// <item>the command records (<see cref="ProcessedCommand"/>).</item>
/// </list>
/// The streams' versions come from the batch's reads under its locks; an event whose version another writer took
/// breaks the log's unique (stream, version) key, and the batch fails whole (its commands are then recorded alone).
/// Marten's inline projections do not run for these events: this is their write, from the batch's own folds.
/// </summary>
public sealed class BatchWrite(EventColumns columns, DateTimeOffset appendedAt)
{
    private readonly Dictionary<string, (long Before, long After, Type Aggregate)> _streams = new(StringComparer.Ordinal);
    private readonly List<(Guid Id, string Stream, long Version, string Data, string Type, string DotnetType, string Correlation, string Headers, string User)> _events = [];
    private readonly Dictionary<string, Fund> _funds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Loan> _loans = new(StringComparer.Ordinal);
    private readonly List<(FundMovement Row, long Version)> _fundMovements = [];
    private readonly List<LoanQualityMovement> _loanMovements = [];
    private readonly List<(string Stream, long Version, string Locality, DateOnly EffectiveOn)> _localityRows = [];
    private readonly List<ProcessedCommand> _commands = [];

    public bool IsEmpty => _events.Count == 0 && _commands.Count == 0;

    /// <summary>The stream's version as read under the batch's locks (0: it does not exist yet).</summary>
    public void Read(string stream, long version, Type aggregate) => _streams.TryAdd(stream, (version, version, aggregate));

    /// <summary>A fund's event, with the fund after it; returns the event's id.</summary>
    public Guid Append(string stream, object data, Fund after, Stamp stamp)
    {
        var (id, version) = Append(stream, data, stamp);
        var effectiveOn = ((ILedgerEvent)data).EffectiveOn;
        _funds[stream] = after;
        _fundMovements.Add((FundMovement.After(id, after, effectiveOn, stamp.RecordedAt), version));
        _localityRows.Add((stream, version, after.Locality, effectiveOn));
        return id;
    }

    /// <summary>A loan's event, with the loan before it; returns the loan after it (the fold credit quality's rows come from).</summary>
    public Loan Append(string stream, object data, Loan? before, Stamp stamp)
    {
        // A transfer shows the loan's whole stream afresh at its new place: the index's trigger does that, on a merge's own path.
        if (data is LoanTransferred) throw new InvalidOperationException("A group commit does not carry a loan's transfer.");
        var (id, version) = Append(stream, data, stamp);
        var (after, rows) = LoanQualityMovement.Of(id, data, before, stamp.RecordedAt);
        _loans[stream] = after!;
        _loanMovements.AddRange(rows);
        var effectiveOn = ((ILedgerEvent)data).EffectiveOn;
        _localityRows.Add((stream, version, after!.DrawnIn, effectiveOn));
        if (!string.Equals(after.Locality, after.DrawnIn, StringComparison.Ordinal)) _localityRows.Add((stream, version, after.Locality, effectiveOn));
        return after;
    }

    public void Record(ProcessedCommand command) => _commands.Add(command);

    /// <summary>A stream's version after the batch (as read, if the batch appends nothing to it).</summary>
    public long VersionOf(string stream) => _streams[stream].After;

    private (Guid Id, long Version) Append(string stream, object data, Stamp stamp)
    {
        var (before, after, aggregate) = _streams[stream];
        _streams[stream] = (before, ++after, aggregate);
        var id = Guid.CreateVersion7(appendedAt);
        var (type, dotnetType) = columns.EventType(data.GetType());
        _events.Add((id, stream, after, columns.Json(data), type, dotnetType, stamp.CorrelationId, columns.Json(stamp.Headers), stamp.User));
        return (id, after);
    }

    /// <summary>The batch's statements, in order, for one round trip in its transaction.</summary>
    public IReadOnlyList<NpgsqlBatchCommand> Statements()
    {
        var statements = new List<NpgsqlBatchCommand>();
        var schema = columns.Schema;
        var at = appendedAt.ToUniversalTime();
        var appended = _streams.Where(s => s.Value.After > s.Value.Before).ToList();
        var started = appended.Where(s => s.Value.Before == 0).ToList();
        var moved = appended.Where(s => s.Value.Before > 0).ToList();
        if (started.Count > 0)
            Add(statements, $"""
                insert into {schema}.mt_streams (id, type, version, timestamp, created, tenant_id)
                select s.id, s.type, s.version, ?, ?, '*DEFAULT*' from unnest(?::varchar[], ?::varchar[], ?::bigint[]) as s(id, type, version)
                """, at, at, started.Select(s => s.Key).ToArray(), started.Select(s => columns.AggregateAlias(s.Value.Aggregate)).ToArray(),
                started.Select(s => s.Value.After).ToArray());
        if (moved.Count > 0)
            Add(statements, $"""
                update {schema}.mt_streams as m set version = greatest(m.version, s.version), timestamp = ?
                from unnest(?::varchar[], ?::bigint[]) as s(id, version) where m.id = s.id
                """, at, moved.Select(s => s.Key).ToArray(), moved.Select(s => s.Value.After).ToArray());
        if (_events.Count > 0)
        {
            Add(statements, LocalityEvents.WrittenByTheAppendSql);
            Add(statements, $"""
                insert into {schema}.mt_events
                    (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, correlation_id, headers, user_name)
                select nextval('{schema}.mt_events_sequence'), e.id, e.stream, e.version, e.data, e.type, '*DEFAULT*', ?, e.dotnet_type, false,
                       e.correlation, e.headers, e.username
                from unnest(?::uuid[], ?::varchar[], ?::bigint[], ?::jsonb[], ?::varchar[], ?::varchar[], ?::varchar[], ?::jsonb[], ?::varchar[])
                    as e(id, stream, version, data, type, dotnet_type, correlation, headers, username)
                """, at, _events.Select(e => e.Id).ToArray(), _events.Select(e => e.Stream).ToArray(), _events.Select(e => e.Version).ToArray(),
                _events.Select(e => e.Data).ToArray(), _events.Select(e => e.Type).ToArray(), _events.Select(e => e.DotnetType).ToArray(),
                _events.Select(e => e.Correlation).ToArray(), _events.Select(e => e.Headers).ToArray(), _events.Select(e => e.User).ToArray());
        }
        if (_localityRows.Count > 0)
            Add(statements, $"""
                insert into {schema}.{LocalityEvents.TableName} (locality, seq_id, effective_on)
                select r.locality, e.seq_id, r.effective_on
                from unnest(?::varchar[], ?::bigint[], ?::text[], ?::date[]) as r(stream, version, locality, effective_on)
                join {schema}.mt_events e on e.stream_id = r.stream and e.version = r.version
                """, Column(_localityRows, r => r.Stream), Column(_localityRows, r => r.Version), Column(_localityRows, r => r.Locality),
                Column(_localityRows, r => r.EffectiveOn));
        AddSnapshots(statements, "mt_doc_fund", _funds, f => f.Locality);
        AddSnapshots(statements, "mt_doc_loan", _loans, l => l.Locality);
        if (_fundMovements.Count > 0)
            Add(statements, $"""
                insert into {schema}.{FundMovementProjection.TableName}
                    (id, fund, locality, version, effective_on, recorded_at,
                     inflows_vnd, inflows_reversed_vnd, received_vnd, passed_down_vnd, lent_vnd, repaid_vnd, written_off_vnd)
                select * from unnest(?::uuid[], ?::text[], ?::text[], ?::bigint[], ?::date[], ?::timestamptz[],
                    ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])
                """, Column(_fundMovements, m => m.Row.Id), Column(_fundMovements, m => m.Row.Fund), Column(_fundMovements, m => m.Row.Locality),
                Column(_fundMovements, m => m.Version), Column(_fundMovements, m => m.Row.EffectiveOn),
                Column(_fundMovements, m => m.Row.RecordedAt.ToUniversalTime()), Column(_fundMovements, m => m.Row.InflowsVnd),
                Column(_fundMovements, m => m.Row.InflowsReversedVnd), Column(_fundMovements, m => m.Row.ReceivedVnd),
                Column(_fundMovements, m => m.Row.PassedDownVnd), Column(_fundMovements, m => m.Row.LentVnd),
                Column(_fundMovements, m => m.Row.RepaidVnd), Column(_fundMovements, m => m.Row.WrittenOffVnd));
        if (LoanQualityMovementProjection.Insert(schema, _loanMovements) is var (insert, values)) Add(statements, insert, values);
        if (_commands.Count > 0)
            Add(statements, $"""
                insert into {schema}.mt_doc_processedcommand (id, data, mt_dotnet_type)
                select c.id, c.data, ? from unnest(?::uuid[], ?::jsonb[]) as c(id, data)
                """, typeof(ProcessedCommand).FullName!, _commands.Select(c => c.Id).ToArray(), _commands.Select(columns.Json).ToArray());
        return statements;
    }

    private void AddSnapshots<T>(List<NpgsqlBatchCommand> statements, string table, Dictionary<string, T> snapshots, Func<T, string> locality)
        where T : notnull
    {
        if (snapshots.Count == 0) return;
        Add(statements, $"""
            insert into {columns.Schema}.{table} (id, data, mt_version, mt_dotnet_type, locality)
            select s.id, s.data, s.version, ?, s.locality from unnest(?::varchar[], ?::jsonb[], ?::bigint[], ?::varchar[]) as s(id, data, version, locality)
            on conflict (id) do update set data = excluded.data, mt_version = excluded.mt_version, mt_dotnet_type = excluded.mt_dotnet_type,
                mt_last_modified = excluded.mt_last_modified, locality = excluded.locality
            """, typeof(T).FullName!, snapshots.Keys.ToArray(), snapshots.Values.Select(s => columns.Json(s)).ToArray(),
            snapshots.Keys.Select(k => _streams[k].After).ToArray(), snapshots.Values.Select(locality).ToArray());
    }

    /// <summary>
    /// Each statement's text with its <c>?</c> numbered, made once: a batch sends the same few texts every time. Every
    /// text is fixed but for the schema (values travel as parameters), which keeps this small; a text that carried a
    /// value would grow it without end.
    /// </summary>
    private static readonly ConcurrentDictionary<string, string> Numbered = new(StringComparer.Ordinal);

    /// <summary>Adds a statement with <c>?</c> for each of <paramref name="values"/>, numbered in order.</summary>
    private static void Add(List<NpgsqlBatchCommand> statements, string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(Numbered.GetOrAdd(sql, NumberParameters));
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        statements.Add(command);
    }

    private static string NumberParameters(string sql)
    {
        var text = new StringBuilder(sql.Length + 16);
        var n = 0;
        foreach (var c in sql)
        {
            if (c == '?') text.Append('$').Append(++n);
            else text.Append(c);
        }
        return text.ToString();
    }

    private static TColumn[] Column<TRow, TColumn>(List<TRow> rows, Func<TRow, TColumn> column) => rows.Select(column).ToArray();

    /// <summary>Who and what an event records (invariant 9): the command's correlation, its caller and its headers.</summary>
    public sealed record Stamp(string CorrelationId, string User, DateTimeOffset RecordedAt, IReadOnlyDictionary<string, string> Headers);
}
