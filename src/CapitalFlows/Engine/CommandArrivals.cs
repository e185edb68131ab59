namespace CapitalFlows.Engine;

/// <summary>
/// How many commands this node is taking in: requests that have begun (past authentication, their bodies being
/// checked, their endpoints deciding what they touch) and not yet ended. Group commit's window waits for the ones
/// still on their way to the batcher, and for no one else (<see cref="CommandBatcher{TCommand,TAnswer}"/>): a quiet
/// bank's lone command is not held back for company that is not coming.
/// </summary>
public sealed class CommandArrivals
{
    private readonly Lock _gate = new();
    private int _begun;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>Commands whose requests have begun and not ended.</summary>
    public int Begun => Volatile.Read(ref _begun);

    /// <summary>Completed the next time a command's request ends or a command reaches the batcher (<see cref="Signal"/>).</summary>
    public Task Changed
    {
        get
        {
            lock (_gate) return _changed.Task;
        }
    }

    /// <summary>A command's request has begun; disposing what this returns says it has ended.</summary>
    public IDisposable Begin()
    {
        Interlocked.Increment(ref _begun);
        return new Ending(this);
    }

    /// <summary>Wakes whoever waits on <see cref="Changed"/>.</summary>
    public void Signal()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = NewSignal();
        }
        changed.TrySetResult();
    }

    private sealed class Ending(CommandArrivals arrivals) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 1) return;
            Interlocked.Decrement(ref arrivals._begun);
            arrivals.Signal();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
