using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CapitalFlows.Api;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Localities;
using CapitalFlows.Operations;
using CapitalFlows.Periods;
using CapitalFlows.Security;
using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace CapitalFlows.Engine;

/// <summary>
/// Records one command: the single place where a pure decision meets the event store.
/// <list type="number">
/// <item>In one transaction it takes a PostgreSQL advisory lock on the command id and on every fund, loan and
/// earlier command the command touches, in a fixed order. Commands on the same fund therefore queue instead of
/// racing: each one decides on the state its predecessor left, so every command the money covers succeeds and
/// the rest get 409 insufficient-funds, never a concurrency clash. The locks live in the database, so this
/// holds across nodes; commands on different funds never wait for each other.</item>
/// <item>Under the locks, an accepted <c>commandId</c> is answered from its record (the same answer, or 409 if the
/// body differs), so two racing requests with one id append once.</item>
/// <item>It fetches the streams (optimistic versions stay on as a second guard), runs the decision, appends its
/// events with who/when/command metadata, stores the answer with them, and commits.</item>
/// </list>
/// A refusal rolls the transaction back: nothing is appended and the command id is not remembered.
/// <para>The locality structure: every command first takes a shared lock on it, a merge an exclusive one, so a
/// merge waits for the commands in flight and holds new ones back until it has committed. Under that lock the
/// node's <see cref="LocalityDirectory"/> is brought up to the stream's version before anything is decided, so
/// every node decides on the structure the database holds. So is this node's copy of the closed date
/// (<see cref="ClosedPeriods"/>): a period close holds the structure lock exclusively too.</para>
/// </summary>
public sealed partial class MovementRecorder(
    IDocumentStore store, LocalityDirectory localities, ClosedPeriods closedPeriods, TimeProvider clock, IConfiguration configuration,
    CommandArrivals arrivals, ILogger<MovementRecorder> logger) : IDisposable
{
    private const int MaxAttempts = 5;

    /// <summary>How many commands run at once, and how long one waits for that and for its locks (checked against the pool at start-up).</summary>
    private readonly CommandLimits _limits = CommandLimits.From(configuration);

    /// <summary>
    /// Commands in flight on this node. Each holds a pooled connection while it waits for its locks, so a queue on
    /// one fund must stay below the connection pool: the rest wait here, holding nothing, for at most the lock timeout.
    /// </summary>
    private readonly SemaphoreSlim _inFlight = new(CommandLimits.From(configuration).MaxInFlight);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The columns of the rows group commit writes itself (<see cref="BatchWrite"/>).</summary>
    private readonly EventColumns _columns = new(store);

    /// <summary>Group commit (see MovementRecorder.GroupCommit.cs).</summary>
    private readonly CommandBatcher<BatchedCommand, (IResult Result, string Outcome)> _batcher = BatcherFrom(configuration, arrivals);

    /// <summary>The states group commit's batches left, for deciding the next batch before its round trip (see MovementRecorder.GroupCommit.cs).</summary>
    private readonly StreamStateCache _states = new(configuration.GetValue("Commands:KeptStreams", DefaultKeptStreams));

    /// <summary>
    /// A loan as this node's last batch on it left it, if it still keeps it: only a guess (another node, or a merge, may
    /// have moved the loan since), which the engine checks under the command's locks like every kept state.
    /// </summary>
    public Loan? KeptLoan(string loanId) => _states.Peek<Loan>(loanId);

    public void Dispose()
    {
        _inFlight.Dispose();
        _batcher.Dispose();
    }

    /// <summary>A command that touches funds only.</summary>
    public Task<IResult> RecordAsync(
        CommandEnvelope envelope, Guid commandId, DateOnly effectiveOn, IReadOnlyCollection<FundKey> funds,
        Func<FundStates, Decision> decide) =>
        RecordAsync(envelope, commandId, effectiveOn, new Touches(funds, [], []), state => decide(state.Funds));

    public Task<IResult> RecordAsync(
        CommandEnvelope envelope, Guid commandId, DateOnly effectiveOn, Touches touches, Func<LedgerState, Decision> decide,
        int successStatus = StatusCodes.Status200OK) =>
        RecordAsync(envelope, commandId, effectiveOn, new Plan(touches), decide, successStatus);

    /// <summary>A command whose streams depend on the structure (a loan's fund, a reversal following the money): planned under the structure lock.</summary>
    public Task<IResult> RecordAsync(
        CommandEnvelope envelope, Guid commandId, DateOnly effectiveOn, Func<IQuerySession, CancellationToken, Task<Touches>> plan,
        Func<LedgerState, Decision> decide, int successStatus = StatusCodes.Status200OK) =>
        RecordAsync(envelope, commandId, effectiveOn, new Plan(null, plan), decide, successStatus);

    /// <summary>
    /// A command on one loan whose streams follow from the loan's current document (its fund moves with a merge), read
    /// under the structure lock; in a batch, every such command's loan is read in one round trip. <paramref name="asRead"/>
    /// is the loan as the endpoint read it: what the plan works on if the document is gone, and what group commit
    /// expects the command to touch when it forms batches.
    /// </summary>
    public Task<IResult> RecordOnLoanAsync(
        CommandEnvelope envelope, Guid commandId, DateOnly effectiveOn, Loan asRead, Func<Loan, Touches> plan,
        Func<LedgerState, Decision> decide, int successStatus = StatusCodes.Status200OK)
    {
        var onLoan = new LoanPlan(asRead, plan);
        return RecordAsync(envelope, commandId, effectiveOn,
            new Plan(null, async (current, ct) => onLoan.TouchesOf(await current.LoadAsync<Loan>(asRead.Id, ct)), OnLoan: onLoan),
            decide, successStatus);
    }

    /// <summary>A merge: the structure lock taken exclusively, so no other command runs while it moves funds and loans.</summary>
    public Task<IResult> RecordStructureChangeAsync(
        CommandEnvelope envelope, Guid commandId, DateOnly effectiveOn, Func<IQuerySession, CancellationToken, Task<Touches>> plan,
        Func<LedgerState, Decision> decide) =>
        RecordAsync(envelope, commandId, effectiveOn, new Plan(null, plan, ChangesStructure: true), decide, StatusCodes.Status200OK);

    /// <summary>What a command touches: known up front, or read under the structure lock (from one loan's document, when <paramref name="OnLoan"/> says which).</summary>
    private sealed record Plan(
        Touches? Known, Func<IQuerySession, CancellationToken, Task<Touches>>? Read = null, bool ChangesStructure = false, LoanPlan? OnLoan = null);

    /// <summary>A plan that reads one loan's document and nothing else.</summary>
    private sealed record LoanPlan(Loan AsRead, Func<Loan, Touches> Plan)
    {
        public string LoanId => AsRead.Id;

        /// <summary>The streams the command touches with the loan's current document (as read by the endpoint if it is gone).</summary>
        public Touches TouchesOf(Loan? current) => Plan(current ?? AsRead);
    }

    private async Task<IResult> RecordAsync(
        CommandEnvelope envelope, Guid commandId, DateOnly effectiveOn, Plan plan, Func<LedgerState, Decision> decide, int successStatus)
    {
        var bodyHash = envelope.BodyHash;
        var command = envelope.Command;
        var touched = plan.Known is { } known ? string.Join(",", known.Funds.Select(f => f.Locality).Distinct()) : "";
        // The HTTP request's span and a span of our own around the decision carry the command and its id.
        var request = Activity.Current;
        using var activity = Telemetry.Source.StartActivity($"{command} {commandId}");
        foreach (var span in new[] { request, activity })
        {
            span?.SetTag("capitalflows.command", command);
            span?.SetTag("capitalflows.command_id", commandId.ToString());
            span?.SetTag("capitalflows.localities", touched);
        }

        // A place in an ordered run (an import): decided in place order, not through the shared batcher (MovementRecorder.InOrder.cs).
        if (envelope.Place is { } place)
            return await RecordInPlaceAsync(place, new BatchedCommand(envelope, commandId, effectiveOn, plan, decide, successStatus), activity, request);

        if (!await _inFlight.WaitAsync(_limits.LockTimeout, envelope.Aborted))
        {
            Telemetry.CountCommand(command, "busy");
            return Busy.Answer(logger, command, $"The node's {_limits.MaxInFlight} commands in flight did not make room within {_limits.LockTimeout.TotalSeconds:0.#} s.", null);
        }
        try
        {
            var (result, outcome) = MayBatch(envelope, plan)
                ? await _batcher.SubmitAsync(new BatchedCommand(envelope, commandId, effectiveOn, plan, decide, successStatus), RecordBatchAsync)
                : await RecordAloneAsync(envelope, commandId, effectiveOn, plan, decide, successStatus);
            activity?.SetTag("capitalflows.outcome", outcome);
            request?.SetTag("capitalflows.outcome", outcome);
            Telemetry.CountCommand(command, outcome);
            return result;
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>One command in a transaction of its own; its answer and the outcome it is counted under.</summary>
    private async Task<(IResult Result, string Outcome)> RecordAloneAsync(
        CommandEnvelope envelope, Guid commandId, DateOnly effectiveOn, Plan plan, Func<LedgerState, Decision> decide, int successStatus)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryRecordAsync(envelope, commandId, envelope.BodyHash, effectiveOn, plan, decide, successStatus);
            }
            catch (ConcurrencyException) when (attempt < MaxAttempts)
            {
                // Only a writer that bypasses the locks can get here; deciding again on fresh state is safe.
            }
            catch (Exception e) when (Busy.IsBusy(e))
            {
                // lock_timeout ran out (a merge holds the structure, or a long queue on a fund): rolled back, nothing appended.
                return (Busy.Answer(logger, envelope.Command, $"Command {commandId} could not get its locks within {_limits.LockTimeout.TotalSeconds:0.#} s.", e), "busy");
            }
        }
    }

    /// <summary>An accepted command's record, read outside any transaction.</summary>
    public async Task<ProcessedCommand?> FindAsync(Guid commandId, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return await query.LoadAsync<ProcessedCommand>(commandId, ct);
    }

    private async Task<(IResult Result, string Outcome)> TryRecordAsync(
        CommandEnvelope envelope, Guid commandId, string bodyHash, DateOnly effectiveOn,
        Plan plan, Func<LedgerState, Decision> decide, int successStatus)
    {
        var ct = envelope.Aborted;
        var parent = Activity.Current;
        await using var session = store.LightweightSession();
        // Marten 9.58 starts a "marten.connection" span with the session and, when the session begins a
        // transaction, swaps its tracing connection out without ending that span: end it with the session.
        using var connectionSpan = Activity.Current is { Source.Name: "Marten" } span && span != parent ? span : null;
        await session.BeginTransactionAsync(ct);
        // Locks in one order everywhere: the structure, then the commands and streams (sorted), so no deadlock.
        // A merge holds the structure exclusively and so needs no lock per fund or loan.
        var touches = plan.Known;
        var structureLock = plan.ChangesStructure ? StructureLock.Exclusive : StructureLock.Shared;
        var (structure, periods) = await LockAsync(session.Connection, structureLock, touches is null ? [] : LocksOf(commandId, touches), ct);
        if (structure != localities.Version) await localities.RefreshAsync(session, ct);
        var closedThrough = await closedPeriods.ThroughAsync(session, periods, ct);
        if (touches is null)
        {
            touches = await plan.Read!(session, ct);
            await LockAsync(session.Connection, StructureLock.Held, LocksOf(commandId, plan.ChangesStructure ? touches with { Funds = [], Loans = [] } : touches), ct);
        }
        // This command's streams move outside group commit's rows: the states batches left of them are no longer a guess worth making.
        _states.Forget([.. touches.Funds.Select(f => f.StreamKey), .. touches.Loans]);

        // Everything the decision reads, in one round trip, under the locks.
        var batch = session.CreateBatchQuery();
        var seenTask = batch.Load<ProcessedCommand>(commandId);
        var fundTasks = touches.Funds.Distinct().Select(f => batch.Events.FetchForWriting<Fund>(f.StreamKey)).ToList();
        var loanTasks = touches.Loans.Distinct().Select(l => batch.Events.FetchForWriting<Loan>(l)).ToList();
        var commandTasks = touches.Commands.Distinct().Select(c => batch.Load<ProcessedCommand>(c)).ToList();
        var streamTasks = touches.Streams.Concat(touches.Reads).Distinct(StringComparer.Ordinal)
            .Select(k => (Key: k, Events: batch.Events.FetchStream(k))).ToList();
        await batch.Execute(ct);

        if (await seenTask is { } seen)
            return (Replay(seen, bodyHash), seen.BodyHash == bodyHash ? "replayed" : "command-id-reused");
        var funds = (await Task.WhenAll(fundTasks)).ToDictionary(s => s.Key!, StringComparer.Ordinal);
        var loans = (await Task.WhenAll(loanTasks)).ToDictionary(s => s.Key!, StringComparer.Ordinal);
        LoansReadForWriting.Tell(session, loans);
        var commands = (await Task.WhenAll(commandTasks)).OfType<ProcessedCommand>().ToDictionary(c => c.Id);
        var streams = new Dictionary<string, IReadOnlyList<object>>(StringComparer.Ordinal);
        foreach (var (key, events) in streamTasks) streams[key] = (await events).Select(e => e.Data).ToList();

        var state = new LedgerState(
            new FundStates(funds.Values.Where(s => s.Aggregate is not null).ToDictionary(s => FundKey.Parse(s.Key!), s => s.Aggregate!)),
            loans.Values.Where(s => s.Aggregate is not null).ToDictionary(s => s.Key!, s => s.Aggregate!),
            commands)
        {
            ClosedThrough = closedThrough,
            Streams = streams,
        };
        var decision = state.Decide(effectiveOn, decide);
        if (decision.Refusal is not null)
            return (decision.Refusal.ToResult(), decision.Refusal.Type?.Replace("/problems/", "", StringComparison.Ordinal) ?? "refused");

        // Totals never wrap: only an inflow reads the national total (under a lock of its own, see TotalLimit).
        if (TotalLimit.InflowsOf(decision) is { Count: > 0 } inflows
            && TotalLimit.Refuse(state.Funds, inflows, await TotalLimit.NationalReceivedAsync(session, ct)) is { } pastLimit)
            return (pastLimit.ToResult(), "total-limit");

        // A loan or fund the plan did not read (a merge moved it after the plan was made) is decided on again.
        if (touches.FirstUnread(decision) is not null)
            throw new ConcurrencyException($"Command {commandId} would append to a stream it did not read", typeof(Fund), commandId);

        var recordedAt = clock.GetUtcNow();
        Stamp(session, envelope, commandId, recordedAt);
        foreach (var (streamKey, @event) in decision.Events)
        {
            if (funds.TryGetValue(streamKey, out var fund)) fund.AppendOne(@event);
            else if (loans.TryGetValue(streamKey, out var loan)) loan.AppendOne(@event);
            else session.Events.Append(streamKey, @event);
        }

        var processed = ProcessedCommand.Accepted(commandId, bodyHash, successStatus, recordedAt, effectiveOn, decision, state, localities);
        session.Insert(processed);
        if (decision.Reverses is { } reversed && commands.TryGetValue(reversed, out var original))
            session.Update(original with { ReversedBy = commandId });
        if (envelope.Approval is { } approval && await approval.BeforeCommit(session, processed, ct) is { } refused)
            return (refused.ToResult(), refused.Type?.Replace("/problems/", "", StringComparison.Ordinal) ?? "refused");
        await session.SaveChangesAsync(ct);
        if (plan.ChangesStructure)
        {
            await using var query = store.QuerySession();
            await localities.RefreshAsync(query, CancellationToken.None);
        }
        foreach (var e in decision.Events)
            Telemetry.EventsAppended.Add(1, new KeyValuePair<string, object?>("type", e.Event.GetType().Name));
        return (Results.Content(processed.Answer, "application/json", Encoding.UTF8, successStatus), "accepted");
    }

    public static string CommandLock(Guid commandId) => $"command/{commandId}";

    private static IEnumerable<string> LocksOf(Guid commandId, Touches touches) =>
    [
        CommandLock(commandId), .. touches.Commands.Select(CommandLock),
        .. touches.Funds.Select(f => f.StreamKey), .. touches.Loans, .. touches.Streams,
    ];

    /// <summary>How a command holds the locality structure: shared by every command, exclusively by a merge.</summary>
    private enum StructureLock
    {
        Shared,
        Exclusive,

        /// <summary>Taken already by an earlier call in the same transaction.</summary>
        Held,
    }

    /// <summary>The first statement of a transaction that locks: from here on no lock wait outlasts the lock timeout (55P03, then 503 busy).</summary>
    private NpgsqlBatchCommand LockTimeoutStatement() =>
        new($"select set_config('lock_timeout', '{(long)_limits.LockTimeout.TotalMilliseconds}ms', true)");

    private static NpgsqlBatchCommand StructureLockStatement(StructureLock structure) =>
        new($"select {(structure == StructureLock.Exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared")}(hashtextextended('{LocalityDirectory.StructureStream}', 0))");

    /// <summary>The advisory locks on <paramref name="ordered"/>, taken in that order (sorted, distinct).</summary>
    private static NpgsqlBatchCommand KeyLocksStatement(string[] ordered) =>
        new("select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest($1::text[]) as k")
        {
            Parameters = { new NpgsqlParameter { Value = ordered } },
        };

    private static string[] InLockOrder(IEnumerable<string> keys) => keys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Takes the structure lock (unless already held) and then the advisory locks on <paramref name="keys"/> in
    /// sorted order, in one round trip. Returns the versions of the structure stream and of the closed periods'
    /// stream as read after the structure lock was granted (null when it was held already or the stream does not exist).
    /// </summary>
    private async Task<(StructureVersion? Structure, long? Periods)> LockAsync(
        NpgsqlConnection connection, StructureLock structure, IEnumerable<string> keys, CancellationToken ct, BatchRead? then = null)
    {
        var ordered = InLockOrder(keys);
        await using var batch = new NpgsqlBatch(connection);
        var takesStructure = structure != StructureLock.Held;
        if (takesStructure)
        {
            batch.BatchCommands.Add(LockTimeoutStatement());
            batch.BatchCommands.Add(StructureLockStatement(structure));
            // Its own statement, so it reads after the lock was granted.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"select version, timestamp from {store.Options.Events.DatabaseSchemaName}.mt_streams where id = '{LocalityDirectory.StructureStream}'"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"select version from {store.Options.Events.DatabaseSchemaName}.mt_streams where id = '{ClosedPeriods.Stream}'"));
        }
        if (ordered.Length > 0) batch.BatchCommands.Add(KeyLocksStatement(ordered));
        then?.AddTo(batch);
        if (batch.BatchCommands.Count == 0) return (null, null);

        StructureVersion? version = null;
        long? periods = null;
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var first = true;
        if (takesStructure)
        {
            await NextAsync();
            await NextAsync();
            await NextAsync();
            if (await reader.ReadAsync(ct)) version = new StructureVersion(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
            await NextAsync();
            if (await reader.ReadAsync(ct)) periods = reader.GetInt64(0);
        }
        if (ordered.Length > 0) await NextAsync();
        if (then is not null) await then.ReadAsync(reader, NextAsync, ct);
        return (version, periods);

        // The first result is current already; each later one is the next.
        async Task NextAsync()
        {
            if (!first) await reader.NextResultAsync(ct);
            first = false;
        }
    }

    /// <summary>
    /// Invariant 9: every event records who, the command, the correlation and when it was recorded; an approved
    /// command its maker (as the user) and its checker.
    /// </summary>
    private static void Stamp(IDocumentSession session, CommandEnvelope envelope, Guid commandId, DateTimeOffset recordedAt)
    {
        session.CorrelationId = envelope.CorrelationId;
        session.LastModifiedBy = envelope.Caller.Sub;
        foreach (var (key, value) in HeadersOf(envelope, commandId, recordedAt)) session.SetHeader(key, value);
    }

    /// <summary>The metadata headers of a command's events: who, the command, when recorded, and any checker.</summary>
    private static IEnumerable<(string Key, string Value)> HeadersOf(CommandEnvelope envelope, Guid commandId, DateTimeOffset recordedAt)
    {
        yield return ("commandId", commandId.ToString());
        yield return ("sub", envelope.Caller.Sub);
        yield return ("name", envelope.Caller.Name);
        yield return ("role", envelope.Caller.Role);
        yield return ("recordedAt", recordedAt.ToString("O", CultureInfo.InvariantCulture));
        if (envelope.Approval is { } approval)
        {
            yield return ("approvalId", approval.ApprovalId.ToString());
            yield return ("approvedBySub", approval.Checker.Sub);
            yield return ("approvedByName", approval.Checker.Name);
        }
    }

    public static string CorrelationOf(HttpContext http) =>
        http.Request.Headers[CorrelationIdCheck.Header].FirstOrDefault() is { } given && CorrelationIdCheck.IsPlainToken(given)
            ? given
            : Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;

    private static IResult Replay(ProcessedCommand seen, string bodyHash) =>
        seen.BodyHash == bodyHash
            ? Results.Content(seen.Answer, "application/json", Encoding.UTF8, seen.Status)
            : Problems.CommandIdReused(seen.Id).ToResult();

    /// <summary>The events a command appended, read back as their types.</summary>
    public static IReadOnlyList<StreamEvent> EventsOf(ProcessedCommand command) =>
        command.Events
            .Select(e => new StreamEvent(e.StreamKey, JsonSerializer.Deserialize(e.Data, LedgerEvents.ByName[e.Type], Json)!))
            .ToList();
}
