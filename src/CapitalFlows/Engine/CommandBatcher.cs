namespace CapitalFlows.Engine;

/// <summary>
/// Group commit's queue: commands that arrive within a short window are handed over together. The first command to
/// arrive while no one is gathering becomes the batch's leader: it waits up to <c>window</c> for the commands on their
/// way to the batcher (<c>arrivals</c>: their requests have begun and they are not queued yet), not at all when none
/// is (without <c>arrivals</c>, the whole window), then for one of the
/// <c>batchesInFlight</c> places (0: as many as come), takes what is queued by then (in arrival order, at most <c>maxBatch</c>) and runs it
/// on its own flow, so the batch's database work is traced inside the leader's request. Commands that arrive while
/// the places are taken keep queueing, so under load batches grow instead of multiplying: every appending transaction
/// waits for the hash chain's lock and the disk flush at commit, and many small batches would only queue there.
/// Whatever a batch leaves in the queue forms the next batch as soon as a place frees. While other places are free,
/// a batch takes only its share of the queue (and every command on a stream it has taken), and the rest forms the
/// next batch at once on a free place: at low load the bank would otherwise wait for one batch's round trips at a time.
/// <para>Batches running at once on this node never share a stream: a command on a stream (<c>streamsOf</c>) that a
/// running batch holds waits in the queue for the next batch, and so does every later command on any of its
/// streams, so commands on one stream keep their arrival order. A batch therefore never waits for another batch of
/// its own node's locks (their locks stay in PostgreSQL for the other nodes), and a waiting command is taken by the
/// first batch formed after the one holding its streams has finished. When every queued command waits so, the
/// leader waits for a running batch to finish.</para>
/// A batch gives its place and its streams up when it finishes or after <c>placeHeld</c>, whichever comes first, so a
/// batch waiting for a lock (up to the lock timeout) never holds back other commands for longer than that: past it,
/// the next batch on its streams waits on their locks in PostgreSQL. Each caller gets its own answer as soon as it is
/// known.
/// </summary>
public sealed class CommandBatcher<TCommand, TAnswer>(
    TimeSpan window, int maxBatch, int batchesInFlight, TimeSpan placeHeld, Func<TCommand, IReadOnlyCollection<string>> streamsOf,
    CommandArrivals? arrivals = null) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _places = new(batchesInFlight > 0 ? batchesInFlight : int.MaxValue / 2);
    private readonly List<Pending> _queue = [];

    /// <summary>The streams of the batches running now (within their place time), with how many of them hold each.</summary>
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);

    /// <summary>Completed, and replaced, each time a batch gives its streams up.</summary>
    private TaskCompletionSource _finished = NewSignal();

    private bool _gathering;

    /// <summary>Commands handed to <see cref="SubmitAsync"/> that have not had their answers yet.</summary>
    private int _submitted;

    private sealed record Pending(TCommand Command, IReadOnlyCollection<string> Streams, TaskCompletionSource<TAnswer> Answer);

    public void Dispose() => _places.Dispose();

    /// <summary>
    /// Queues <paramref name="command"/> and returns its answer; <paramref name="run"/> answers a whole batch, in order,
    /// each answer a task of its own. The batch holds its streams until every answer is known.
    /// </summary>
    public async Task<TAnswer> SubmitAsync(TCommand command, Func<IReadOnlyList<TCommand>, Task<IReadOnlyList<Task<TAnswer>>>> run)
    {
        var pending = new Pending(command, streamsOf(command), new TaskCompletionSource<TAnswer>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool leads;
        Interlocked.Increment(ref _submitted);
        try
        {
            lock (_gate)
            {
                _queue.Add(pending);
                leads = !_gathering;
                _gathering = true;
            }
            arrivals?.Signal();
            if (leads) await LeadAsync(run, window);
            return await pending.Answer.Task;
        }
        finally
        {
            Interlocked.Decrement(ref _submitted);
        }
    }

    /// <summary>
    /// The window: waits up to <paramref name="wait"/> while commands are on their way to this batcher (more requests
    /// have begun than commands are here), and not at all once none is. Without <c>arrivals</c>, the whole window.
    /// </summary>
    private async Task GatherAsync(TimeSpan wait)
    {
        if (wait <= TimeSpan.Zero) return;
        if (arrivals is null)
        {
            await Task.Delay(wait);
            return;
        }
        var windowEnds = Task.Delay(wait);
        while (true)
        {
            var changed = arrivals.Changed;
            if (arrivals.Begun <= Volatile.Read(ref _submitted)) return;
            if (await Task.WhenAny(changed, windowEnds) == windowEnds) return;
        }
    }

    private async Task LeadAsync(Func<IReadOnlyList<TCommand>, Task<IReadOnlyList<Task<TAnswer>>>> run, TimeSpan wait)
    {
        await GatherAsync(wait);
        List<Pending> batch;
        string[] streams;
        bool more;
        while (true)
        {
            await _places.WaitAsync();
            Task finished;
            lock (_gate)
            {
                batch = Take(ShareOfQueue());
                more = _queue.Count > 0;
                finished = _finished.Task;
                streams = batch.SelectMany(p => p.Streams).Distinct(StringComparer.Ordinal).ToArray();
                if (batch.Count > 0)
                {
                    _gathering = more;
                    foreach (var stream in streams) _held[stream] = _held.GetValueOrDefault(stream) + 1;
                }
            }
            if (batch.Count > 0) break;
            // Every queued command waits for a running batch's streams: wait for one to finish, without a place.
            _places.Release();
            await finished;
        }
        if (more)
        {
            // The rest are the next batch; it has waited its window already, and is traced on its own.
            using (ExecutionContext.SuppressFlow()) _ = Task.Run(() => LeadAsync(run, TimeSpan.Zero));
        }
        var running = RunAsync(batch, run);
        if (placeHeld > TimeSpan.Zero) await Task.WhenAny(running, Task.Delay(placeHeld));
        else await running;
        // Finished, or waiting on a lock past its time: its place and streams go to the next batch (which then waits
        // on the locks in PostgreSQL, as commands of two nodes do).
        _places.Release();
        Release(streams);
        await running;
    }

    /// <summary>Gives a batch's streams back and wakes a leader waiting for them.</summary>
    private void Release(string[] streams)
    {
        TaskCompletionSource finished;
        lock (_gate)
        {
            foreach (var stream in streams)
                if (--_held[stream] == 0) _held.Remove(stream);
            finished = _finished;
            _finished = NewSignal();
        }
        finished.TrySetResult();
    }

    /// <summary>
    /// How many queued commands this batch takes: all it may (<c>maxBatch</c>) while every other place is taken, and its
    /// share when other places are free, so that the queue is shared out among them and runs at once instead of one
    /// batch after another: the whole bank otherwise waits for one batch's round trips at a time. Under load no place
    /// is free and batches grow as before. Called under the gate, with this batch's place taken.
    /// </summary>
    private int ShareOfQueue() =>
        batchesInFlight > 0 && _places.CurrentCount > 0
            ? Math.Max(1, (int)Math.Ceiling(_queue.Count / (double)(_places.CurrentCount + 1)))
            : maxBatch;

    /// <summary>
    /// The next batch, in arrival order: every queued command none of whose streams a running batch holds or an
    /// earlier waiting command needs, up to <paramref name="share"/> of them, and past it those that share a stream with
    /// the batch (they could only wait for it), never more than <c>maxBatch</c>. The others stay queued, in order.
    /// Called under the gate.
    /// </summary>
    private List<Pending> Take(int share)
    {
        var batch = new List<Pending>();
        var streams = new HashSet<string>(StringComparer.Ordinal);
        var waiting = new HashSet<string>(StringComparer.Ordinal);
        var rest = new List<Pending>();
        foreach (var pending in _queue)
        {
            if (batch.Count < maxBatch && (batch.Count < share || pending.Streams.Any(streams.Contains))
                && !pending.Streams.Any(s => _held.ContainsKey(s) || waiting.Contains(s)))
            {
                batch.Add(pending);
                streams.UnionWith(pending.Streams);
            }
            else
            {
                rest.Add(pending);
                waiting.UnionWith(pending.Streams);
            }
        }
        _queue.Clear();
        _queue.AddRange(rest);
        return batch;
    }

    private static async Task RunAsync(List<Pending> batch, Func<IReadOnlyList<TCommand>, Task<IReadOnlyList<Task<TAnswer>>>> run)
    {
        try
        {
            var answers = await run(batch.Select(p => p.Command).ToList());
            await Task.WhenAll(batch.Select((pending, i) => AnswerAsync(pending, answers[i])));
        }
        catch (Exception e)
        {
            foreach (var pending in batch) pending.Answer.TrySetException(e);
        }
    }

    /// <summary>Answers one caller as soon as its own answer is known, before the rest of its batch.</summary>
    private static async Task AnswerAsync(Pending pending, Task<TAnswer> answer)
    {
        try
        {
            pending.Answer.TrySetResult(await answer);
        }
        catch (Exception e)
        {
            pending.Answer.TrySetException(e);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
