using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using CapitalFlows.Commands;
using Marten;

namespace CapitalFlows.History.Seeding;

/// <summary>
/// Writes accepted commands of the demo history through Marten, many commands to one lightweight session and
/// transaction, so that the inline projections (the <c>Fund</c> and <c>Loan</c> snapshots and the fund movements)
/// run on them exactly as they run for the API. Each command's events carry what <see cref="MovementRecorder"/>
/// stamps on a request's events (headers <c>commandId</c>, <c>sub</c>, <c>name</c>, <c>role</c>, <c>recordedAt</c>,
/// a correlation id, the user name), set per event because a session holds many commands; a fund's or loan's
/// first event starts its stream with its write model as the stream type, as <c>FetchForWriting</c> does. Each
/// command's record (<see cref="ProcessedCommand"/>) is inserted with its events, and a reversed command's record
/// updated to name its reversal.
/// <para>Marten numbers a transaction's events stream by stream, so within one batch the global sequence groups
/// events by stream; each stream's own order, and every date, is as the API would have written it.</para>
/// </summary>
public sealed class BulkWriter(IDocumentStore store)
{
    /// <summary>Batches the simulation may run ahead of the writer.</summary>
    private const int BatchesAhead = 4;

    /// <summary>
    /// Writes every command, <paramref name="commandsPerBatch"/> to a transaction (fewer when they hold many events),
    /// enumerating <paramref name="commands"/> on a thread of its own so that the simulation runs while the store
    /// writes. <paramref name="written"/> hears after each batch.
    /// </summary>
    public async Task<SeedProgress> WriteAllAsync(
        IEnumerable<SeededCommand> commands, int commandsPerBatch, Action<SeedProgress>? written, CancellationToken ct)
    {
        var batches = Channel.CreateBounded<IReadOnlyList<SeededCommand>>(
            new BoundedChannelOptions(BatchesAhead) { SingleReader = true, SingleWriter = true });
        var simulation = Task.Run(() => BatchAsync(commands, commandsPerBatch, batches.Writer, ct), ct);

        var watch = Stopwatch.StartNew();
        var progress = new SeedProgress(0, new Dictionary<string, int>(StringComparer.Ordinal), null, TimeSpan.Zero);
        await foreach (var batch in batches.Reader.ReadAllAsync(ct))
        {
            var events = await WriteAsync(batch, ct);
            var byType = new Dictionary<string, int>(progress.Commands, StringComparer.Ordinal);
            foreach (var command in batch) byType[command.Type] = byType.GetValueOrDefault(command.Type) + 1;
            progress = new SeedProgress(progress.Events + events, byType, batch[^1].EffectiveOn, watch.Elapsed);
            written?.Invoke(progress);
        }
        await simulation;
        return progress with { Elapsed = watch.Elapsed };
    }

    /// <summary>Writes one batch of commands in one transaction; returns how many events it appended.</summary>
    public async Task<int> WriteAsync(IReadOnlyList<SeededCommand> commands, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.LastModifiedBy = DemoHistory.UserSub;
        var inserted = new Dictionary<Guid, ProcessedCommand>();
        var updated = new Dictionary<Guid, ProcessedCommand>();
        var events = 0;
        foreach (var command in commands)
        {
            var commandId = command.CommandId.ToString();
            var correlationId = command.CommandId.ToString("N");
            var recordedAt = command.RecordedAt.ToString("O", CultureInfo.InvariantCulture);
            foreach (var e in command.Events)
            {
                var stream = e is { AggregateType: { } type, StartsStream: true }
                    ? session.Events.StartStream(type, e.StreamKey, e.Data)
                    : session.Events.Append(e.StreamKey, e.Data);
                if (e.AggregateType is { } aggregate) stream.AggregateType = aggregate;
                var appended = stream.Events[^1];
                appended.CorrelationId = correlationId;
                appended.SetHeader("commandId", commandId);
                appended.SetHeader("sub", DemoHistory.UserSub);
                appended.SetHeader("name", DemoHistory.UserName);
                appended.SetHeader("role", Security.Roles.CentralFinance);
                appended.SetHeader("recordedAt", recordedAt);
                events++;
            }

            inserted[command.CommandId] = command.Processed;
            if (command.ReversedOriginal is { } original)
            {
                // A command reversed in the batch that recorded it is inserted as reversed.
                if (inserted.ContainsKey(original.Id)) inserted[original.Id] = original;
                else updated[original.Id] = original;
            }
        }
        foreach (var command in inserted.Values) session.Insert(command);
        foreach (var command in updated.Values) session.Update(command);
        await session.SaveChangesAsync(ct);
        return events;
    }

    /// <summary>Runs the enumeration (the simulation) and hands its commands over in batches.</summary>
    private static async Task BatchAsync(
        IEnumerable<SeededCommand> commands, int commandsPerBatch, ChannelWriter<IReadOnlyList<SeededCommand>> batches, CancellationToken ct)
    {
        try
        {
            var batch = new List<SeededCommand>(commandsPerBatch);
            var events = 0;
            foreach (var command in commands)
            {
                batch.Add(command);
                events += command.Events.Count;
                if (batch.Count < commandsPerBatch && events < commandsPerBatch * 3) continue;
                await batches.WriteAsync(batch, ct);
                (batch, events) = (new List<SeededCommand>(commandsPerBatch), 0);
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
