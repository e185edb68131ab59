namespace CapitalFlows.Commands;

/// <summary>
/// Group commit's queue: commands that arrive within a short window are handed over together. The first command to
/// arrive while no one is gathering becomes the batch's leader: it waits <c>window</c>, takes everything queued
/// meanwhile (in arrival order, in batches of at most <c>maxBatch</c>) and runs them on its own flow, so the batch's
/// database work is traced inside the leader's request. A command that arrives while a batch runs starts the next
/// one: batches overlap, and their locks (taken in one global order) keep them apart. Each caller gets its own
/// answer once its batch has finished.
/// </summary>
public sealed class CommandBatcher<TCommand, TAnswer>(TimeSpan window, int maxBatch)
{
    private readonly Lock _gate = new();
    private List<Pending> _queue = [];
    private bool _gathering;

    private sealed record Pending(TCommand Command, TaskCompletionSource<TAnswer> Answer);

    /// <summary>Queues <paramref name="command"/> and returns its answer; <paramref name="run"/> answers a whole batch, in order.</summary>
    public async Task<TAnswer> SubmitAsync(TCommand command, Func<IReadOnlyList<TCommand>, Task<IReadOnlyList<TAnswer>>> run)
    {
        var pending = new Pending(command, new TaskCompletionSource<TAnswer>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool leads;
        lock (_gate)
        {
            _queue.Add(pending);
            leads = !_gathering;
            _gathering = true;
        }
        if (leads) await LeadAsync(run);
        return await pending.Answer.Task;
    }

    private async Task LeadAsync(Func<IReadOnlyList<TCommand>, Task<IReadOnlyList<TAnswer>>> run)
    {
        if (window > TimeSpan.Zero) await Task.Delay(window);
        List<Pending> taken;
        lock (_gate)
        {
            (taken, _queue) = (_queue, []);
            _gathering = false;
        }
        await Task.WhenAll(taken.Chunk(maxBatch).Select(batch => RunAsync(batch, run)));
    }

    private static async Task RunAsync(Pending[] batch, Func<IReadOnlyList<TCommand>, Task<IReadOnlyList<TAnswer>>> run)
    {
        try
        {
            var answers = await run(batch.Select(p => p.Command).ToList());
            for (var i = 0; i < batch.Length; i++) batch[i].Answer.TrySetResult(answers[i]);
        }
        catch (Exception e)
        {
            foreach (var pending in batch) pending.Answer.TrySetException(e);
        }
    }
}
