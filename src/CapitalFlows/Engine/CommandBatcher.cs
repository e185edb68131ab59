namespace CapitalFlows.Engine;

/// <summary>
/// Group commit's queue: commands that arrive within a short window are handed over together. The first command to
/// arrive while no one is gathering becomes the batch's leader: it waits <c>window</c>, then for one of the
/// <c>batchesInFlight</c> places (0: as many as come), takes what is queued by then (in arrival order, at most <c>maxBatch</c>) and runs it
/// on its own flow, so the batch's database work is traced inside the leader's request. Commands that arrive while
/// the places are taken keep queueing, so under load batches grow instead of multiplying: every appending transaction
/// waits for the hash chain's lock and the disk flush at commit, and many small batches would only queue there.
/// Whatever a batch leaves in the queue (past <c>maxBatch</c>) forms the next batch as soon as a place frees.
/// A batch gives its place up when it finishes or after <c>placeHeld</c>, whichever comes first, so a batch waiting
/// for a lock (up to the lock timeout) never holds back commands on other streams for longer than that; batches
/// that overlap are kept apart by their locks (taken in one global order). Each caller gets its own answer once its
/// batch has finished.
/// </summary>
public sealed class CommandBatcher<TCommand, TAnswer>(TimeSpan window, int maxBatch, int batchesInFlight, TimeSpan placeHeld) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _places = new(batchesInFlight > 0 ? batchesInFlight : int.MaxValue / 2);
    private readonly Queue<Pending> _queue = new();
    private bool _gathering;

    private sealed record Pending(TCommand Command, TaskCompletionSource<TAnswer> Answer);

    public void Dispose() => _places.Dispose();

    /// <summary>Queues <paramref name="command"/> and returns its answer; <paramref name="run"/> answers a whole batch, in order.</summary>
    public async Task<TAnswer> SubmitAsync(TCommand command, Func<IReadOnlyList<TCommand>, Task<IReadOnlyList<TAnswer>>> run)
    {
        var pending = new Pending(command, new TaskCompletionSource<TAnswer>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool leads;
        lock (_gate)
        {
            _queue.Enqueue(pending);
            leads = !_gathering;
            _gathering = true;
        }
        if (leads) await LeadAsync(run, window);
        return await pending.Answer.Task;
    }

    private async Task LeadAsync(Func<IReadOnlyList<TCommand>, Task<IReadOnlyList<TAnswer>>> run, TimeSpan wait)
    {
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        await _places.WaitAsync();
        var batch = new List<Pending>();
        bool more;
        lock (_gate)
        {
            while (batch.Count < maxBatch && _queue.TryDequeue(out var next)) batch.Add(next);
            more = _queue.Count > 0;
            _gathering = more;
        }
        if (more)
        {
            // The rest are the next batch; it has waited its window already, and is traced on its own.
            using (ExecutionContext.SuppressFlow()) _ = Task.Run(() => LeadAsync(run, TimeSpan.Zero));
        }
        var running = RunAsync(batch, run);
        if (placeHeld > TimeSpan.Zero) await Task.WhenAny(running, Task.Delay(placeHeld));
        else await running;
        _places.Release();
        await running;
    }

    private static async Task RunAsync(List<Pending> batch, Func<IReadOnlyList<TCommand>, Task<IReadOnlyList<TAnswer>>> run)
    {
        try
        {
            var answers = await run(batch.Select(p => p.Command).ToList());
            for (var i = 0; i < batch.Count; i++) batch[i].Answer.TrySetResult(answers[i]);
        }
        catch (Exception e)
        {
            foreach (var pending in batch) pending.Answer.TrySetException(e);
        }
    }
}
