using System.Diagnostics;
using System.Globalization;
using System.Text;
using CapitalFlows.Api;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Localities;
using CapitalFlows.Periods;
using CapitalFlows.Operations;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace CapitalFlows.Engine;

/// <summary>
/// Group commit: commands on funds and loans that arrive within <c>Commands:BatchWindowMilliseconds</c> (2) share one
/// transaction, at most <c>Commands:MaxBatch</c> (64) of them (the window waits only while other commands' requests are
/// on their way to the engine, <see cref="CommandArrivals"/>: a lone command does not wait; with
/// <c>Commands:BatchWindowWaitsForArrivals</c> false, always the whole window), because every appending transaction waits for the hash
/// chain's lock and the disk flush at commit. At most <c>Commands:BatchesInFlight</c> (2) batches run at once on a node
/// (0: no limit), so that under load the queue makes batches larger rather than more numerous; a batch gives its place
/// up after <c>Commands:BatchPlaceMilliseconds</c> (50) even if it has not finished (it may be waiting for a lock).
/// Batches running at once on a node never share a stream (<see cref="CommandBatcher{TCommand,TAnswer}"/>), so they
/// never wait for each other's locks.
/// <list type="number">
/// <item>On a connection and transaction of its own, the structure lock is taken shared, as by one command; then every
/// command's id and stream locks, sorted; and after them every command's record and every fund's and loan's version and
/// snapshot (<see cref="BatchRead"/>): one round trip. A command on one loan locks the loan's fund as its endpoint read
/// the loan, and is recorded alone if the loan read under the locks says otherwise (a merge moved it); a plan that reads
/// anything else is read under the structure lock first, a round trip more.</item>
/// <item>Each command is decided in arrival order on the state the ones before it left: their events are folded onto
/// the funds and loans read, so two commands on one fund see each other. A refusal leaves no trace; a command id
/// seen earlier in the batch gets that command's answer, as a replay.</item>
/// <item>Everything accepted is written by the engine itself from those folds (<see cref="BatchWrite"/>), with the
/// COMMIT, in one round trip, and every caller is answered after it.</item>
/// </list>
/// Before all that, a batch whose streams this node kept from the batches before it (<see cref="StreamStateCache"/>) is
/// decided on them first and, if every command is accepted, written in one round trip instead of two: its locks, a
/// check under them that nothing it decided on has moved, its rows and the COMMIT (<c>TryRecordOnKeptStatesAsync</c>).
/// If anything moved, it runs as above.
/// A command the batch does not serve — an inflow (the national total's lock), one whose plan reads or locks earlier
/// commands or other streams, one whose decision throws or appends to a stream it did not read — is recorded alone
/// right after the batch commits, as if it had arrived just after it. If the batch's transaction fails in any way (a
/// busy lock, a concurrency error, a fault), every command in it is recorded alone, one by one in arrival order, on the
/// single-command path, so every answer and guarantee is exactly that path's. A batch of one takes this path as well:
/// its one or two round trips are quicker than the single-command path's, which a quiet hour's commands would otherwise all take.
/// Commands recorded alone still hold their batch's place and streams. Merges, period closes and approved commands
/// never join a batch.
/// </summary>
public sealed partial class MovementRecorder
{
    public const int DefaultBatchWindowMilliseconds = 2;
    public const int DefaultMaxBatch = 64;
    public const int DefaultBatchesInFlight = 2;
    public const int DefaultBatchPlaceMilliseconds = 50;

    /// <summary>How many streams' states a node keeps for deciding batches before their round trip (<c>Commands:KeptStreams</c>; 0: none).</summary>
    public const int DefaultKeptStreams = 200_000;

    /// <summary>A command waiting for its batch.</summary>
    private sealed record BatchedCommand(
        CommandEnvelope Envelope, Guid CommandId, DateOnly EffectiveOn, Plan Plan, Func<LedgerState, Decision> Decide, int SuccessStatus)
    {
        /// <summary>When it was handed to the batcher (<see cref="System.Diagnostics.Stopwatch"/> ticks): the "queue" phase ends when its batch starts.</summary>
        public long Queued { get; } = Stopwatch.GetTimestamp();
    }

    private static CommandBatcher<BatchedCommand, (IResult Result, string Outcome)> BatcherFrom(IConfiguration configuration, CommandArrivals arrivals)
    {
        var window = configuration.GetValue("Commands:BatchWindowMilliseconds", (double)DefaultBatchWindowMilliseconds);
        if (window is < 0 or > 1000)
            throw new InvalidOperationException($"Commands:BatchWindowMilliseconds is {window}; it must be from 0 to 1000.");
        var maxBatch = configuration.GetValue("Commands:MaxBatch", DefaultMaxBatch);
        if (maxBatch < 1)
            throw new InvalidOperationException($"Commands:MaxBatch is {maxBatch}; it must be at least 1 (1 turns group commit off).");
        var inFlight = configuration.GetValue("Commands:BatchesInFlight", DefaultBatchesInFlight);
        if (inFlight < 0)
            throw new InvalidOperationException($"Commands:BatchesInFlight is {inFlight}; it must be at least 0 (0: no limit).");
        var placeHeld = configuration.GetValue("Commands:BatchPlaceMilliseconds", (double)DefaultBatchPlaceMilliseconds);
        if (placeHeld is <= 0 or > 60_000)
            throw new InvalidOperationException($"Commands:BatchPlaceMilliseconds is {placeHeld}; it must be more than 0 and at most 60000.");
        return new(TimeSpan.FromMilliseconds(window), maxBatch, inFlight, TimeSpan.FromMilliseconds(placeHeld), ExpectedStreams,
            configuration.GetValue("Commands:BatchWindowWaitsForArrivals", true) ? arrivals : null);
    }

    /// <summary>
    /// The streams a command is expected to lock, for keeping a node's running batches apart: its known touches, or those
    /// of its loan as the endpoint read it. Only a guess for the loan's fund (a merge may move it): the locks decide.
    /// </summary>
    private static IReadOnlyCollection<string> ExpectedStreams(BatchedCommand command) =>
        (command.Plan.Known ?? command.Plan.OnLoan?.TouchesOf(null)) is { } touches
            ? [.. touches.Funds.Select(f => f.StreamKey), .. touches.Loans]
            : [];

    /// <summary>Merges, closes and approvals hold the structure or run four eyes' check: always alone.</summary>
    private static bool MayBatch(CommandEnvelope envelope, Plan plan) =>
        envelope.Approval is null && !plan.ChangesStructure && (plan.Known is null || OnFundsAndLoansOnly(plan.Known));

    private static bool OnFundsAndLoansOnly(Touches touches) =>
        touches.Commands.Count == 0 && touches.Streams.Count == 0 && touches.Reads.Count == 0;

    /// <summary>
    /// A batch's answers in order, each answered as soon as it is known. A batch whose transaction failed, and every
    /// command the batch did not serve are recorded alone here, each on its own, at once, so that
    /// one stuck on a lock holds back no other; they too hold the batch's place and streams meanwhile.
    /// </summary>
    private async Task<IReadOnlyList<Task<(IResult Result, string Outcome)>>> RecordBatchAsync(IReadOnlyList<BatchedCommand> commands)
    {
        BatchTelemetry.Size.Record(commands.Count);
        foreach (var command in commands) BatchTelemetry.Lap(command.Queued, "queue");
        IReadOnlyList<(IResult Result, string Outcome)?> served = new (IResult, string)?[commands.Count];
        try
        {
            served = await TryRecordBatchAsync(commands);
        }
        catch (Exception e)
        {
            LogBatchFailed(logger, e, commands.Count);
        }
        return commands.Zip(served, (c, answer) => answer is { } given ? Task.FromResult(given) : RecordAloneAsync(c)).ToList();
    }

    /// <param name="inOrder">An ordered run's batch: once a command is set aside, every command after it is left
    /// undecided (null) as well, so that nothing is decided before a command that comes earlier.</param>
    private async Task<IReadOnlyList<(IResult Result, string Outcome)?>> TryRecordBatchAsync(IReadOnlyList<BatchedCommand> commands, bool inOrder = false)
    {
        // The states kept of the streams this batch expects to touch are its own until it keeps them again after its commit.
        var taken = _states.Take(commands.SelectMany(ExpectedStreams));
        if (!inOrder && await TryRecordOnKeptStatesAsync(commands, taken) is { } recorded) return recorded;
        var ct = CancellationToken.None;
        var lap = Stopwatch.GetTimestamp();
        // The batch's own connection and transaction: its locks, reads and writes are the engine's statements, and Marten
        // only reads in it what a plan or a changed structure needs.
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var query = store.QuerySession(Marten.Services.SessionOptions.ForTransaction(transaction));

        // Locks in the one global order: the structure (shared), then every command's id and streams, sorted; and in the
        // same round trip everything the commands read (once every plan is known). A plan on one loan is taken from the
        // loan as its endpoint read it, and checked against the loan read under the locks below.
        var touches = commands
            .Select(c => c.Plan.Known ?? (c.Plan.OnLoan?.TouchesOf(null) is { } guessed && OnFundsAndLoansOnly(guessed) ? guessed : null))
            .ToArray();
        var plansRead = touches.Any(t => t is null);
        var read = plansRead ? null : ReadOf(touches);
        var (structure, periods) = await LockAsync(connection, StructureLock.Shared, plansRead ? [] : Locks(), ct, read);
        if (structure != localities.Version) await localities.RefreshAsync(query, ct);
        if (plansRead)
        {
            // Any other plan reads under the structure lock on its own; then the locks and reads of every command.
            for (var i = 0; i < commands.Count; i++)
                if (touches[i] is null && await commands[i].Plan.Read!(query, ct) is var planned && OnFundsAndLoansOnly(planned))
                    touches[i] = planned;
            read = ReadOf(touches);
            await LockAsync(connection, StructureLock.Held, Locks(), ct, read);
        }
        // A loan a merge moved after its endpoint read it: its command has the wrong streams locked, and is recorded alone.
        for (var i = 0; i < commands.Count; i++)
            if (commands[i].Plan is { Known: null, OnLoan: { } onLoan } && touches[i] is { } guessed
                && !SameStreams(onLoan.TouchesOf(read!.Loans.GetValueOrDefault(onLoan.LoanId).State), guessed))
                touches[i] = null;
        var closedThrough = await closedPeriods.ThroughAsync(query, periods, ct);
        lap = BatchTelemetry.Lap(lap, "lock");

        var decided = DecideBatch(commands, touches, read!, closedThrough, inOrder);
        lap = BatchTelemetry.Lap(lap, "decide");
        if (decided.Appended.Count > 0)
        {
            // The rows and the commit in one round trip.
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(GenericPlansStatement());
            AddRowsAndCommit(batch, decided.Write);
            await batch.ExecuteNonQueryAsync(ct);
            BatchTelemetry.Lap(lap, "write");
            CountAppended(decided.Appended);
        }
        KeepStates(read!, decided);
        return decided.Answers;

        IEnumerable<string> Locks() => BatchLocks(commands, touches);

        static bool SameStreams(Touches current, Touches guessed) =>
            current.Funds.SequenceEqual(guessed.Funds) && current.Loans.SequenceEqual(guessed.Loans, StringComparer.Ordinal);

        BatchRead ReadOf(Touches?[] planned) => new(
            _columns,
            commands.Select(c => c.CommandId).Distinct().ToArray(),
            planned.OfType<Touches>().SelectMany(t => t.Funds).Select(f => f.StreamKey).Distinct(StringComparer.Ordinal).ToArray(),
            planned.OfType<Touches>().SelectMany(t => t.Loans).Distinct(StringComparer.Ordinal).ToArray());
    }

    private long _keptStatesWritten;
    private long _keptStatesStale;

    /// <summary>Batches this node wrote on kept states in one round trip, and those whose check found a stream moved and that ran again on what they read.</summary>
    public (long Written, long Stale) KeptStateBatches => (Interlocked.Read(ref _keptStatesWritten), Interlocked.Read(ref _keptStatesStale));

    /// <summary>
    /// A batch decided on the states earlier batches left (<see cref="StreamStateCache"/>) and written in one round
    /// trip instead of two: the structure lock and every command's locks as below, then a check, under them, that every
    /// stream read is still at the version it was decided on and that the structure and the closed periods are still
    /// where this node knows them (<see cref="StaleCheck"/>), then the rows and the COMMIT. It applies when every
    /// command's streams are known (a command on one loan: from the loan as kept), every fund is kept (a loan that is
    /// not counts as new, version 0, and the check holds it to that), and every command is accepted. Otherwise, or if the round trip fails in any way (its streams are then forgotten),
    /// it returns null and the batch runs on what it reads under its locks: a refusal, a replay and a busy lock are
    /// always that path's answers.
    /// </summary>
    private async Task<IReadOnlyList<(IResult Result, string Outcome)?>?> TryRecordOnKeptStatesAsync(
        IReadOnlyList<BatchedCommand> commands, StreamStateCache.Taken kept)
    {
        var touches = new Touches?[commands.Count];
        var read = new BatchRead(_columns, [], [], []);
        for (var i = 0; i < commands.Count; i++)
        {
            var plan = commands[i].Plan;
            var touched = plan.Known;
            if (touched is null && plan.OnLoan is { } onLoan && kept.TryGet<Loan>(onLoan.LoanId, out _, out var loanKept)) touched = onLoan.TouchesOf(loanKept);
            if (touched is null || !OnFundsAndLoansOnly(touched)) return null;
            foreach (var fund in touched.Funds)
            {
                if (!kept.TryGet<Fund>(fund.StreamKey, out var version, out var state)) return null;
                read.Funds[fund.StreamKey] = (version, state);
            }
            foreach (var loan in touched.Loans)
                read.Loans[loan] = kept.TryGet<Loan>(loan, out var version, out var state) ? (version, state) : (0, null);
            touches[i] = touched;
        }
        var (periods, closedThrough) = closedPeriods.Known;
        var lap = Stopwatch.GetTimestamp();
        var decided = DecideBatch(commands, touches, read, closedThrough, inOrder: false);
        if (decided.Answers.Any(a => a is not { Outcome: "accepted" })) return null;
        lap = BatchTelemetry.Lap(lap, "decide");

        var ct = CancellationToken.None;
        try
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(LockTimeoutStatement());
            batch.BatchCommands.Add(GenericPlansStatement());
            batch.BatchCommands.Add(StructureLockStatement(StructureLock.Shared));
            batch.BatchCommands.Add(KeyLocksStatement(InLockOrder(BatchLocks(commands, touches))));
            batch.BatchCommands.Add(StaleCheck(
            [
                (LocalityDirectory.StructureStream, localities.Version?.Version ?? 0), (ClosedPeriods.Stream, periods ?? 0),
                .. read.Funds.Select(f => (f.Key, f.Value.Version)), .. read.Loans.Select(l => (l.Key, l.Value.Version)),
            ]));
            AddRowsAndCommit(batch, decided.Write);
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e)
        {
            _states.Forget([.. read.Funds.Keys, .. read.Loans.Keys]);
            // A lock not granted in time is the batch's failure, as on the path below: its commands are recorded alone.
            if (Busy.IsBusy(e)) throw;
            LogKeptStatesFailed(logger, e, commands.Count);
            Interlocked.Increment(ref _keptStatesStale);
            BatchTelemetry.KeptStates.Add(1, new KeyValuePair<string, object?>("outcome", "stale"));
            return null;
        }
        Interlocked.Increment(ref _keptStatesWritten);
        BatchTelemetry.KeptStates.Add(1, new KeyValuePair<string, object?>("outcome", "written"));
        BatchTelemetry.Lap(lap, "write");
        CountAppended(decided.Appended);
        KeepStates(read, decided);
        return decided.Answers;
    }

    /// <summary>
    /// Fails the statement, and so its transaction, unless every stream named is at the version given (0: no such
    /// stream). Plain SQL has no statement that raises an error, so a mismatch becomes a failing cast whose message
    /// names the streams: invalid input syntax for type integer: "stale: … is at 7, not 6".
    /// </summary>
    private NpgsqlBatchCommand StaleCheck(IReadOnlyList<(string Stream, long Version)> expected) =>
        new($"""
            select case when count(*) = 0 then 0
                        else ('stale: ' || string_agg(k.id || ' is at ' || coalesce(s.version, 0) || ', not ' || k.version, '; '))::int end
            from unnest($1::varchar[], $2::bigint[]) as k(id, version)
            left join {store.Options.Events.DatabaseSchemaName}.mt_streams s on s.id = k.id
            where coalesce(s.version, 0) <> k.version
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = expected.Select(e => e.Stream).ToArray() },
                new NpgsqlParameter { Value = expected.Select(e => e.Version).ToArray() },
            },
        };

    /// <summary>What a batch decided: each command's answer (null: set aside, recorded alone), the events appended, the rows to write, and each stream's state after the batch.</summary>
    private sealed record BatchDecisions(
        (IResult Result, string Outcome)?[] Answers, IReadOnlyList<StreamEvent> Appended, BatchWrite Write,
        IReadOnlyDictionary<string, Fund?> FundsNow, IReadOnlyDictionary<string, Loan?> LoansNow);

    /// <summary>
    /// Decides each command in arrival order on the state the ones before it left (their events folded onto the funds
    /// and loans read), gathering the rows of the accepted ones; a command it cannot serve is left undecided (null).
    /// </summary>
    private BatchDecisions DecideBatch(IReadOnlyList<BatchedCommand> commands, Touches?[] touches, BatchRead read, DateOnly? closedThrough, bool inOrder)
    {
        var answers = new (IResult Result, string Outcome)?[commands.Count];
        var seen = read.Seen;
        // The state as the commands decided so far left it.
        var fundsNow = read.Funds.ToDictionary(f => f.Key, f => f.Value.State, StringComparer.Ordinal);
        var loansNow = read.Loans.ToDictionary(l => l.Key, l => l.Value.State, StringComparer.Ordinal);
        // The batch's rows, written by the engine itself from the folds below (BatchWrite), not by Marten's append.
        var write = new BatchWrite(_columns, clock.GetUtcNow());
        foreach (var (key, fund) in read.Funds) write.Read(key, fund.Version, typeof(Fund));
        foreach (var (key, loan) in read.Loans) write.Read(key, loan.Version, typeof(Loan));
        var alone = new HashSet<Guid>();
        var appended = new List<StreamEvent>();

        for (var i = 0; i < commands.Count; i++)
        {
            var command = commands[i];
            if (inOrder && alone.Count > 0) continue;
            if (touches[i] is not { } touched || alone.Contains(command.CommandId))
            {
                alone.Add(command.CommandId);
                continue;
            }
            if (seen.TryGetValue(command.CommandId, out var earlier))
            {
                answers[i] = (Replay(earlier, command.Envelope.BodyHash), earlier.BodyHash == command.Envelope.BodyHash ? "replayed" : "command-id-reused");
                continue;
            }

            var state = new LedgerState(
                new FundStates(touched.Funds.Distinct().Where(f => fundsNow[f.StreamKey] is not null).ToDictionary(f => f, f => fundsNow[f.StreamKey]!)),
                touched.Loans.Distinct().Where(l => loansNow[l] is not null).ToDictionary(l => l, l => loansNow[l]!),
                new Dictionary<Guid, ProcessedCommand>())
            {
                ClosedThrough = closedThrough,
            };
            Decision decision;
            try
            {
                decision = state.Decide(command.EffectiveOn, command.Decide);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                alone.Add(command.CommandId);
                continue;
            }
            if (decision.Refusal is not null)
            {
                answers[i] = (decision.Refusal.ToResult(), decision.Refusal.Type?.Replace("/problems/", "", StringComparison.Ordinal) ?? "refused");
                continue;
            }
            // Inflows read the national total under a lock of their own; anything off the streams read is decided again alone.
            if (TotalLimit.InflowsOf(decision).Count > 0 || decision.Events.Any(e => !read.Funds.ContainsKey(e.StreamKey) && !read.Loans.ContainsKey(e.StreamKey))
                || touched.FirstUnread(decision) is not null)
            {
                alone.Add(command.CommandId);
                continue;
            }

            var recordedAt = clock.GetUtcNow();
            var processed = ProcessedCommand.Accepted(
                command.CommandId, command.Envelope.BodyHash, command.SuccessStatus, recordedAt, command.EffectiveOn, decision, state, localities);
            write.Record(processed);
            seen[command.CommandId] = processed;
            var stamp = new BatchWrite.Stamp(command.Envelope.CorrelationId, command.Envelope.Caller.Sub, recordedAt,
                HeadersOf(command.Envelope, command.CommandId, recordedAt).ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal));
            foreach (var (streamKey, @event) in decision.Events)
            {
                if (read.Funds.ContainsKey(streamKey))
                    write.Append(streamKey, @event, fundsNow[streamKey] = (fundsNow[streamKey] ?? Fund.Empty(FundKey.Parse(streamKey))).Evolve(@event), stamp);
                else
                    loansNow[streamKey] = write.Append(streamKey, @event, loansNow[streamKey], stamp);
            }
            appended.AddRange(decision.Events);
            answers[i] = (Results.Content(processed.Answer, "application/json", Encoding.UTF8, command.SuccessStatus), "accepted");
        }
        return new BatchDecisions(answers, appended, write, fundsNow, loansNow);
    }

    /// <summary>The locks of every command of a batch whose streams are known (a command set aside has none).</summary>
    private static IEnumerable<string> BatchLocks(IReadOnlyList<BatchedCommand> commands, Touches?[] touches) =>
        commands.Zip(touches).Where(c => c.Second is not null).SelectMany(c => LocksOf(c.First.CommandId, c.Second!));

    /// <summary>After a batch: each stream it read at the version and in the state the batch left it.</summary>
    private void KeepStates(BatchRead read, BatchDecisions decided)
    {
        foreach (var key in read.Funds.Keys) _states.Keep(key, decided.Write.VersionOf(key), decided.FundsNow[key]);
        foreach (var key in read.Loans.Keys) _states.Keep(key, decided.Write.VersionOf(key), decided.LoansNow[key]);
    }

    /// <summary>
    /// The rest of the batch's transaction runs on generic plans (<c>plan_cache_mode</c>, set locally), so each prepared
    /// statement is planned once per connection. Left to choose, PostgreSQL planned them again on every execution: with
    /// the arrays' lengths known, each custom plan looks cheaper than the generic one. Both are the same nested loops
    /// over the arrays into the tables' keys.
    /// </summary>
    private static NpgsqlBatchCommand GenericPlansStatement() => new("select set_config('plan_cache_mode', 'force_generic_plan', true)");

    /// <summary>A batch's rows and its COMMIT, sent after whatever the batch holds: a statement that fails skips the rest, COMMIT included.</summary>
    private static void AddRowsAndCommit(NpgsqlBatch batch, BatchWrite write)
    {
        foreach (var statement in write.Statements()) batch.BatchCommands.Add(statement);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("commit"));
    }

    private static void CountAppended(IEnumerable<StreamEvent> appended)
    {
        foreach (var e in appended)
            Telemetry.EventsAppended.Add(1, new KeyValuePair<string, object?>("type", e.Event.GetType().Name));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A batch of {Count} commands decided on kept states failed; it runs again on what it reads")]
    private static partial void LogKeptStatesFailed(ILogger logger, Exception cause, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "A batch of {Count} commands failed; each is recorded alone")]
    private static partial void LogBatchFailed(ILogger logger, Exception cause, int count);
}
