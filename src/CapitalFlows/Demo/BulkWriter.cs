using System.Diagnostics;
using System.Threading.Channels;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Engine.Rebuilding;
using CapitalFlows.EventLog.LocalityIndex;
using Marten;
using Npgsql;

namespace CapitalFlows.Demo;

/// <summary>
/// Writes accepted commands of the demo history through the engine's bulk path: each batch's events, streams and
/// command records with binary COPY (<see cref="BulkAppend"/>, one transaction a batch, two batches in the database at
/// once), stamped as
/// <see cref="MovementRecorder"/> stamps a request's events (headers <c>commandId</c>, <c>sub</c>, <c>name</c>,
/// <c>role</c>, <c>recordedAt</c>, a correlation id, the user name), a reversed command's record updated to name its
/// reversal; then every projection table (the <c>Fund</c> and <c>Loan</c> snapshots, the fund movements, the
/// credit-quality movements, the daily capital) written by the rebuild's tables (<see cref="ProjectionRebuild"/>), not
/// by Marten's inline projections, from the events as the batches committed them, kept in memory rather than read back
/// from the log (so the log must be empty at the start). Events take their sequence numbers in command order.
/// </summary>
public sealed class BulkWriter(IDocumentStore store)
{
    /// <summary>Batches the simulation may run ahead of the writer.</summary>
    private const int BatchesAhead = 4;

    private static readonly BulkCaller Caller = new(DemoHistory.UserSub, DemoHistory.UserName, Security.Roles.CentralFinance);

    /// <summary>The rebuild of the projections that ended <see cref="WriteAllAsync"/>.</summary>
    public RebuildResult? Rebuilt { get; private set; }

    /// <summary>
    /// Writes every command, <paramref name="commandsPerBatch"/> to a transaction (fewer when they hold many events),
    /// enumerating <paramref name="commands"/> on a thread of its own so that the simulation runs while the store
    /// writes, then writes the projections from the events appended. <paramref name="written"/> hears after each batch.
    /// </summary>
    public async Task<SeedProgress> WriteAllAsync(
        IEnumerable<DecidedCommand> commands, int commandsPerBatch, Action<SeedProgress>? written, CancellationToken ct)
    {
        var database = ((Weasel.Postgresql.PostgresqlDatabase)store.Storage.Database).DataSource;
        var append = new BulkAppend(store, database, TimeProvider.System);
        var schema = store.Options.Events.DatabaseSchemaName;
        // The projections are written at the end from the events as each batch committed them, kept in memory rather
        // than read back from the log: so the log must hold nothing else.
        await using (var any = database.CreateCommand($"select exists (select 1 from {schema}.mt_events)"))
        {
            if ((bool)(await any.ExecuteScalarAsync(ct))!)
                throw new InvalidOperationException("The bulk writer appends into an empty log only: it writes the projections from the events it appends.");
        }

        // The locality index is filled in one statement at the end rather than by its row trigger on every appended
        // event. Its table is emptied and its keys dropped now (LocalityEvents.EmptySql), while nothing reads the log:
        // dropping the key to mt_events locks the log against every reader until the transaction ends, which at the
        // end would be the refill's, however long it takes. Should the seed stop half way, the trigger stays off and the next db-apply or
        // start-up puts it back and refills the table with its keys (LocalityEventsStorage), so the index is never
        // left behind the log.
        await ExecuteAsync(database,
            $"alter table {schema}.mt_events disable trigger {LocalityEvents.TriggerName}; {LocalityEvents.EmptySql(schema)}", ct);

        var batches = Channel.CreateBounded<IReadOnlyList<DecidedCommand>>(
            new BoundedChannelOptions(BatchesAhead) { SingleReader = true, SingleWriter = true });
        var simulation = Task.Run(() => BatchAsync(commands, commandsPerBatch, batches.Writer, ct), ct);
        var appended = new List<LogRow>();
        var watch = Stopwatch.StartNew();
        var progress = new SeedProgress(0, new Dictionary<string, int>(StringComparer.Ordinal), null, TimeSpan.Zero);
        // Two batches in the database at once: one inserts its rows while the one before it chains and commits.
        (IReadOnlyList<DecidedCommand> Commands, BulkAppend.Batch Batch, Task<int> Written)? writing = null;
        Task? lastWrite = null;
        try
        {
            await foreach (var decided in batches.Reader.ReadAllAsync(ct))
            {
                var batch = await append.PrepareAsync(decided.Select(ToBulk).ToList(), ct);
                var write = append.WriteAsync(batch, ct);
                lastWrite = write;
                if (writing is { } before) await ReportAsync(before.Commands, before.Batch, before.Written);
                writing = (decided, batch, write);
            }
            if (writing is { } last) await ReportAsync(last.Commands, last.Batch, last.Written);
        }
        catch when (lastWrite is not null)
        {
            // A batch after a failed one does not commit: let it roll back before the failure is told.
            await Task.WhenAny(lastWrite);
            throw;
        }
        await simulation;
        // The locality index (from the log) and the projections (from the appended events) are written side by side:
        // different tables, and the index's one statement alone would leave a core idle.
        var refill = ExecuteAsync(database,
            $"select {schema}.{LocalityEvents.RefillFunctionName}(); alter table {schema}.mt_events enable trigger {LocalityEvents.TriggerName}", ct);
        var rebuild = new ProjectionRebuild(store, database).WriteAsync(appended.ToAsyncEnumerable(), ct);
        await Task.WhenAll(refill, rebuild);
        Rebuilt = await rebuild;
        return progress with { Elapsed = watch.Elapsed };

        async Task ReportAsync(IReadOnlyList<DecidedCommand> decided, BulkAppend.Batch batch, Task<int> write)
        {
            var events = await write;
            appended.AddRange(batch.Appended());
            var byType = new Dictionary<string, int>(progress.Commands, StringComparer.Ordinal);
            foreach (var command in decided) byType[command.Type] = byType.GetValueOrDefault(command.Type) + 1;
            progress = new SeedProgress(progress.Events + events, byType, decided[^1].EffectiveOn, watch.Elapsed);
            written?.Invoke(progress);
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource database, string sql, CancellationToken ct)
    {
        await using var command = database.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static BulkCommand ToBulk(DecidedCommand command) => new(
        command.CommandId, command.RecordedAt, Caller,
        command.Events.Select(e => new BulkEvent(e.StreamKey, e.Data, e.AggregateType)).ToList(),
        command.Processed, command.ReversedOriginal);

    /// <summary>Runs the enumeration (the simulation) and hands its commands over in batches.</summary>
    private static async Task BatchAsync(
        IEnumerable<DecidedCommand> commands, int commandsPerBatch, ChannelWriter<IReadOnlyList<DecidedCommand>> batches, CancellationToken ct)
    {
        try
        {
            var batch = new List<DecidedCommand>(commandsPerBatch);
            var events = 0;
            foreach (var command in commands)
            {
                batch.Add(command);
                events += command.Events.Count;
                if (batch.Count < commandsPerBatch && events < commandsPerBatch * 3) continue;
                await batches.WriteAsync(batch, ct);
                (batch, events) = (new List<DecidedCommand>(commandsPerBatch), 0);
            }
            if (batch.Count > 0) await batches.WriteAsync(batch, ct);
            batches.Complete();
        }
        catch (Exception e)
        {
            batches.Complete(e);
        }
    }
}
