using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Localities;
using CapitalFlows.Operations;
using CapitalFlows.Security;
using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace CapitalFlows.Commands;

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
/// every node decides on the structure the database holds.</para>
/// </summary>
public sealed class MovementRecorder(IDocumentStore store, LocalityDirectory localities, TimeProvider clock, IConfiguration configuration) : IDisposable
{
    private const int MaxAttempts = 5;

    /// <summary>
    /// Commands in flight on this node. Each holds a pooled connection while it waits for its locks, so a queue on
    /// one fund must stay well below the connection pool: the rest wait here, holding nothing.
    /// </summary>
    private readonly SemaphoreSlim _inFlight = new(configuration.GetValue("Commands:MaxInFlight", 48));
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Dispose() => _inFlight.Dispose();

    /// <summary>A command that touches funds only.</summary>
    public Task<IResult> RecordAsync(
        HttpContext http, Guid commandId, DateOnly effectiveOn, IReadOnlyCollection<FundKey> funds,
        Func<FundStates, Decision> decide) =>
        RecordAsync(http, commandId, effectiveOn, new Touches(funds, [], []), state => decide(state.Funds));

    public Task<IResult> RecordAsync(
        HttpContext http, Guid commandId, DateOnly effectiveOn, Touches touches, Func<LedgerState, Decision> decide,
        int successStatus = StatusCodes.Status200OK) =>
        RecordAsync(http, commandId, effectiveOn, new Plan(touches), decide, successStatus);

    /// <summary>A command whose streams depend on the structure (a loan's fund, a reversal following the money): planned under the structure lock.</summary>
    public Task<IResult> RecordAsync(
        HttpContext http, Guid commandId, DateOnly effectiveOn, Func<IQuerySession, CancellationToken, Task<Touches>> plan,
        Func<LedgerState, Decision> decide, int successStatus = StatusCodes.Status200OK) =>
        RecordAsync(http, commandId, effectiveOn, new Plan(null, plan), decide, successStatus);

    /// <summary>A merge: the structure lock taken exclusively, so no other command runs while it moves funds and loans.</summary>
    public Task<IResult> RecordStructureChangeAsync(
        HttpContext http, Guid commandId, DateOnly effectiveOn, Func<IQuerySession, CancellationToken, Task<Touches>> plan,
        Func<LedgerState, Decision> decide) =>
        RecordAsync(http, commandId, effectiveOn, new Plan(null, plan, ChangesStructure: true), decide, StatusCodes.Status200OK);

    /// <summary>What a command touches: known up front, or read under the structure lock.</summary>
    private sealed record Plan(Touches? Known, Func<IQuerySession, CancellationToken, Task<Touches>>? Read = null, bool ChangesStructure = false);

    private async Task<IResult> RecordAsync(
        HttpContext http, Guid commandId, DateOnly effectiveOn, Plan plan, Func<LedgerState, Decision> decide, int successStatus)
    {
        var bodyHash = CommandBodyMiddleware.HashOf(http);
        var command = CommandBodyMiddleware.CommandTypeOf(http)?.Name ?? "command";
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

        await _inFlight.WaitAsync(http.RequestAborted);
        try
        {
            return await RecordWithRetriesAsync(http, commandId, bodyHash, effectiveOn, plan, decide, successStatus, command, activity, request);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private async Task<IResult> RecordWithRetriesAsync(
        HttpContext http, Guid commandId, string bodyHash, DateOnly effectiveOn, Plan plan, Func<LedgerState, Decision> decide,
        int successStatus, string command, Activity? activity, Activity? request)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (result, outcome) = await TryRecordAsync(http, commandId, bodyHash, effectiveOn, plan, decide, successStatus);
                activity?.SetTag("capitalflows.outcome", outcome);
                request?.SetTag("capitalflows.outcome", outcome);
                Telemetry.CountCommand(command, outcome);
                return result;
            }
            catch (ConcurrencyException) when (attempt < MaxAttempts)
            {
                // Only a writer that bypasses the locks can get here; deciding again on fresh state is safe.
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
        HttpContext http, Guid commandId, string bodyHash, DateOnly effectiveOn,
        Plan plan, Func<LedgerState, Decision> decide, int successStatus)
    {
        var ct = http.RequestAborted;
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
        var structure = await LockAsync(session, structureLock, touches is null ? [] : LocksOf(commandId, touches), ct);
        if (structure != localities.Version) await localities.RefreshAsync(session, ct);
        if (touches is null)
        {
            touches = await plan.Read!(session, ct);
            await LockAsync(session, StructureLock.Held, LocksOf(commandId, plan.ChangesStructure ? touches with { Funds = [], Loans = [] } : touches), ct);
        }

        // Everything the decision reads, in one round trip, under the locks.
        var batch = session.CreateBatchQuery();
        var seenTask = batch.Load<ProcessedCommand>(commandId);
        var fundTasks = touches.Funds.Distinct().Select(f => batch.Events.FetchForWriting<Fund>(f.StreamKey)).ToList();
        var loanTasks = touches.Loans.Distinct().Select(l => batch.Events.FetchForWriting<Loan>(l)).ToList();
        var commandTasks = touches.Commands.Distinct().Select(c => batch.Load<ProcessedCommand>(c)).ToList();
        await batch.Execute(ct);

        if (await seenTask is { } seen)
            return (Replay(seen, bodyHash), seen.BodyHash == bodyHash ? "replayed" : "command-id-reused");
        var funds = (await Task.WhenAll(fundTasks)).ToDictionary(s => s.Key!, StringComparer.Ordinal);
        var loans = (await Task.WhenAll(loanTasks)).ToDictionary(s => s.Key!, StringComparer.Ordinal);
        var commands = (await Task.WhenAll(commandTasks)).OfType<ProcessedCommand>().ToDictionary(c => c.Id);

        var state = new LedgerState(
            new FundStates(funds.Values.Where(s => s.Aggregate is not null).ToDictionary(s => FundKey.Parse(s.Key!), s => s.Aggregate!)),
            loans.Values.Where(s => s.Aggregate is not null).ToDictionary(s => s.Key!, s => s.Aggregate!),
            commands);
        var decision = state.Decide(effectiveOn, decide);
        if (decision.Refusal is not null)
            return (decision.Refusal.ToResult(), decision.Refusal.Type?.Replace("/problems/", "", StringComparison.Ordinal) ?? "refused");

        // A loan or fund the plan did not read (a merge moved it after the plan was made) is decided on again.
        if (touches.FirstUnread(decision) is not null)
            throw new ConcurrencyException($"Command {commandId} would append to a stream it did not read", typeof(Fund), commandId);

        var recordedAt = clock.GetUtcNow();
        Stamp(session, http, commandId, recordedAt);
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

    private static string CommandLock(Guid commandId) => $"command/{commandId}";

    private static IEnumerable<string> LocksOf(Guid commandId, Touches touches) =>
    [
        CommandLock(commandId), .. touches.Commands.Select(CommandLock),
        .. touches.Funds.Select(f => f.StreamKey), .. touches.Loans,
    ];

    /// <summary>How a command holds the locality structure: shared by every command, exclusively by a merge.</summary>
    private enum StructureLock
    {
        Shared,
        Exclusive,

        /// <summary>Taken already by an earlier call in the same transaction.</summary>
        Held,
    }

    /// <summary>
    /// Takes the structure lock (unless already held) and then the advisory locks on <paramref name="keys"/> in
    /// sorted order, in one round trip. Returns the structure stream's version as read after the structure lock was
    /// granted (null when it was held already or the stream does not exist).
    /// </summary>
    private async Task<StructureVersion?> LockAsync(IDocumentSession session, StructureLock structure, IEnumerable<string> keys, CancellationToken ct)
    {
        var ordered = keys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        await using var batch = new NpgsqlBatch(session.Connection);
        var takesStructure = structure != StructureLock.Held;
        if (takesStructure)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"select {(structure == StructureLock.Exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared")}(hashtextextended('{LocalityDirectory.StructureStream}', 0))"));
            // Its own statement, so it reads after the lock was granted.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"select version, timestamp from {store.Options.Events.DatabaseSchemaName}.mt_streams where id = '{LocalityDirectory.StructureStream}'"));
        }
        if (ordered.Length > 0)
            batch.BatchCommands.Add(new NpgsqlBatchCommand("select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest($1::text[]) as k")
            {
                Parameters = { new NpgsqlParameter { Value = ordered } },
            });
        if (batch.BatchCommands.Count == 0) return null;

        StructureVersion? version = null;
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (takesStructure)
        {
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct)) version = new StructureVersion(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1));
        }
        return version;
    }

    /// <summary>Invariant 9: every event records who, the command, the correlation and when it was recorded.</summary>
    private static void Stamp(IDocumentSession session, HttpContext http, Guid commandId, DateTimeOffset recordedAt)
    {
        var caller = Caller.From(http.User);
        session.CorrelationId = CorrelationOf(http);
        session.LastModifiedBy = caller.Sub;
        session.SetHeader("commandId", commandId.ToString());
        session.SetHeader("sub", caller.Sub);
        session.SetHeader("name", caller.Name);
        session.SetHeader("role", caller.Role);
        session.SetHeader("recordedAt", recordedAt.ToString("O", CultureInfo.InvariantCulture));
    }

    public static string CorrelationOf(HttpContext http) =>
        http.Request.Headers["X-Correlation-ID"].FirstOrDefault() is { Length: > 0 and <= 200 } given
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
