namespace CapitalFlows.EventLog.LocalityIndex;

/// <summary>
/// Which events make up a locality's history (<c>GET /api/localities/{code}/history</c>), as rows of
/// <see cref="TableName"/>: (locality, the event's <c>seq_id</c>, its effective date). The history of a locality is
/// <list type="bullet">
/// <item>every event of its own funds (a fund's stream key is <c>{locality}/{source}/{programme}</c>), and</item>
/// <item>every event of each loan drawn there or sitting there now (moved by a merge: the latest
/// <c>LoanTransferred</c>'s <c>To</c>): a loan's whole stream shows at both, and at no locality it passed through;</item>
/// </list>
/// of the events that have an effective date. This class is the one definition of those rows, in SQL: the trigger
/// keeps them as events are appended (<see cref="TriggerFunctionSql"/>), and <see cref="ImpliedRowsSql"/> computes
/// them all from the log at once (the refill of a store written before the table, and the tests' check that the
/// table holds what the log implies). Both use the same three expressions below. The one writer that does not go
/// through the trigger is the group commit (<c>BatchWrite</c>), which knows each event's localities from its folds
/// and writes their rows in one statement; it says so with <see cref="WrittenByTheAppendSql"/>, and the trigger's
/// <c>when</c> (<see cref="TriggerWhenSql"/>) then passes over its events.
/// </summary>
public static class LocalityEvents
{
    /// <summary>Named like Marten's tables, so that whatever wipes a store's events (the tests' reset, <c>seed-demo --reset</c>) empties it too.</summary>
    public const string TableName = "mt_locality_events";

    public const string FunctionName = "mt_index_locality_event";

    public const string TriggerName = "mt_events_locality_index";

    /// <summary>
    /// <c>select {schema}.mt_refill_locality_events()</c>: empties the table and fills it from the log (for a bulk path
    /// that wrote <c>mt_events</c> with the trigger switched off; the next start-up after a <c>db-apply</c> that finds
    /// the trigger missing or off does the same).
    /// </summary>
    public const string RefillFunctionName = "mt_refill_locality_events";

    /// <summary>Which definition of the rows a schema holds (with a digest of the function); a changed one refills the table at the next db-apply.</summary>
    public const string Version = "capitalflows locality events v2";

    /// <summary>
    /// The transaction's setting by which an appender says that it writes the rows of its events itself (the group
    /// commit: <c>BatchWrite</c>). Set locally, it lasts to the end of that transaction only.
    /// </summary>
    public const string WrittenByTheAppendSetting = "capitalflows.locality_rows";

    private const string WrittenByTheAppend = "written by the append";

    /// <summary>The statement an appender sends first in its transaction when it writes the rows of its events itself.</summary>
    public const string WrittenByTheAppendSql = $"select set_config('{WrittenByTheAppendSetting}', '{WrittenByTheAppend}', true)";

    /// <summary>
    /// The trigger's condition: every event, unless its transaction writes their rows itself. Evaluated per row without
    /// calling the function, so such a transaction's events cost the trigger almost nothing (its loan query was about
    /// half the cost of appending a drawdown's two events).
    /// </summary>
    public const string TriggerWhenSql = $"current_setting('{WrittenByTheAppendSetting}', true) is distinct from '{WrittenByTheAppend}'";

    /// <summary>Marten's names (<c>mt_events.type</c>) of the two loan events that decide where a loan's stream shows.</summary>
    public const string LoanDrawnDownType = "loan_drawn_down";

    public const string LoanTransferredType = "loan_transferred";

    /// <summary>The effective date of the event in row <paramref name="row"/>, or null (an event without one is in no history).</summary>
    public static string EffectiveOnSql(string row) =>
        $"(case when {row}.data ->> 'EffectiveOn' ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' then ({row}.data ->> 'EffectiveOn')::date end)";

    /// <summary>The locality whose own fund the stream of row <paramref name="row"/> is, or null (not a fund's stream).</summary>
    public static string FundLocalitySql(string row) =>
        $"(case when strpos({row}.stream_id, '/') > 0 then split_part({row}.stream_id, '/', 1) end)";

    /// <summary>
    /// The localities where the loan of stream <paramref name="stream"/> shows, as rows of one column
    /// <c>locality</c>, none when it is not a loan's stream: where it was drawn, and where its latest transfer moved it
    /// (transfers are events of loans' streams only).
    /// </summary>
    public static string LoanLocalitiesSql(string schema, string stream) => $"""
        (select d.data ->> 'Locality' as locality from {schema}.mt_events d
         where d.stream_id = {stream} and d.type = '{LoanDrawnDownType}'
         union
         (select t.data ->> 'To' from {schema}.mt_events t
          where t.stream_id = {stream} and t.type = '{LoanTransferredType}'
          order by t.version desc limit 1))
        """;

    /// <summary>
    /// The trigger function, after insert on <c>mt_events</c>, for each row (COPY fires it too). A fund's event is one
    /// row; a loan's event is one row at each locality where the loan shows; a transfer sets the loan's whole stream
    /// afresh: it shows at the successor, and no longer where the transfer moved it from, unless it was drawn there (a
    /// transfer only ever moves a loan from where it sits, its <c>From</c>, so no other locality can hold its rows). An
    /// after-row trigger sees every row of its statement, so events appended together (a group commit, a COPY) come
    /// out as if appended one by one. <c>security definer</c>: the service's role needs no right on the table.
    /// <c>force_generic_plan</c>: the loan's query is planned once per session, not for every event (left to choose,
    /// PostgreSQL plans it afresh for each stream, because fund streams are long: 120 µs a loan event against 50).
    /// </summary>
    public static string TriggerFunctionSql(string schema)
    {
        var table = $"{schema}.{TableName}";
        return $"""
            create or replace function {schema}.{FunctionName}() returns trigger
                language plpgsql security definer set search_path = pg_catalog, pg_temp
                set plan_cache_mode = force_generic_plan
            as $locality$
            declare
                effective date := {EffectiveOnSql("NEW")};
                fund_locality text := {FundLocalitySql("NEW")};
            begin
                if fund_locality is not null then
                    if effective is not null then
                        insert into {table} (locality, seq_id, effective_on) values (fund_locality, NEW.seq_id, effective);
                    end if;
                elsif NEW.type = '{LoanTransferredType}' then
                    if (NEW.data ->> 'From') not in (select l.locality from {LoanLocalitiesSql(schema, "NEW.stream_id")} l) then
                        delete from {table} x
                        where x.locality = NEW.data ->> 'From'
                          and x.seq_id in (select s.seq_id from {schema}.mt_events s where s.stream_id = NEW.stream_id);
                    end if;
                    insert into {table} (locality, seq_id, effective_on)
                    select l.locality, s.seq_id, {EffectiveOnSql("s")}
                    from {schema}.mt_events s, {LoanLocalitiesSql(schema, "NEW.stream_id")} l
                    where s.stream_id = NEW.stream_id and {EffectiveOnSql("s")} is not null
                    on conflict do nothing;
                elsif effective is not null then
                    insert into {table} (locality, seq_id, effective_on)
                    select l.locality, NEW.seq_id, effective from {LoanLocalitiesSql(schema, "NEW.stream_id")} l
                    on conflict do nothing;
                end if;
                return null;
            end
            $locality$;
            """;
    }

    /// <summary>The table's comment while its rows are still to be filled from the log (<see cref="LocalityEventsBackfill"/>).</summary>
    public const string RefillPending = "refill pending";

    /// <summary>The foreign key of <c>seq_id</c> to <c>mt_events</c>, named so that the refill can drop and add it again.</summary>
    public const string ForeignKeyName = "fk_mt_locality_events_seq_id";

    public const string PrimaryKeyName = "pk_mt_locality_events";

    /// <summary>The table's keys: (locality, seq_id) including the effective date; seq_id references the log.</summary>
    public static string KeysSql(string schema) => $"""
        alter table {schema}.{TableName} add constraint {PrimaryKeyName} primary key (locality, seq_id) include (effective_on);
        alter table {schema}.{TableName} add constraint {ForeignKeyName} foreign key (seq_id) references {schema}.mt_events (seq_id) on delete cascade;
        """;

    /// <summary>
    /// The refill function (<see cref="RefillFunctionName"/>): every row the log implies, in place of what the table
    /// held. The keys are dropped and built again after the insert (far quicker than checking each row), and the
    /// table's <see cref="RefillPending"/> comment cleared. Truncating locks the table, so appends wait for it to end.
    /// </summary>
    public static string RefillFunctionSql(string schema) => $"""
        create or replace function {schema}.{RefillFunctionName}() returns bigint
            language plpgsql security definer set search_path = pg_catalog, pg_temp
        as $refill$
        declare
            written bigint;
        begin
            {EmptySql(schema)}
            insert into {schema}.{TableName} (locality, seq_id, effective_on)
            {ImpliedRowsSql(schema)};
            get diagnostics written = row_count;
            {KeysSql(schema)}
            comment on table {schema}.{TableName} is null;
            analyze {schema}.{TableName};
            return written;
        end
        $refill$;
        """;

    /// <summary>
    /// Empties the table and drops its keys (if they are there), as the refill does first. Dropping the key to
    /// <c>mt_events</c> locks the log against every reader until the transaction ends, so a bulk path that refills the
    /// table at its end runs this at its start, while nothing reads the log: the refill then takes no lock that holds
    /// back a reader of the log beside it (the projections' rebuild).
    /// </summary>
    public static string EmptySql(string schema) => $"""
        truncate {schema}.{TableName};
        alter table {schema}.{TableName} drop constraint if exists {ForeignKeyName};
        alter table {schema}.{TableName} drop constraint if exists {PrimaryKeyName};
        """;

    /// <summary>Every row the log implies, as (locality, seq_id, effective_on): the trigger's rows, computed over the whole log at once.</summary>
    public static string ImpliedRowsSql(string schema) => $"""
        select {FundLocalitySql("e")} as locality, e.seq_id, {EffectiveOnSql("e")} as effective_on
        from {schema}.mt_events e
        where {FundLocalitySql("e")} is not null and {EffectiveOnSql("e")} is not null
        union all
        select l.locality, e.seq_id, {EffectiveOnSql("e")}
        from {schema}.mt_events drawn
        cross join lateral {LoanLocalitiesSql(schema, "drawn.stream_id")} l
        join {schema}.mt_events e on e.stream_id = drawn.stream_id
        where drawn.type = '{LoanDrawnDownType}' and {EffectiveOnSql("e")} is not null
        """;
}
