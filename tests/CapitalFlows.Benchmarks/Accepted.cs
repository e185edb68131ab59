using System.Collections.Concurrent;

/// <summary>The id of every command the service answered with 2xx: after the run, each must be in the event log.</summary>
internal sealed class Accepted
{
    private readonly ConcurrentQueue<Guid> _commandIds = new();

    public int Count => _commandIds.Count;

    public void Add(Guid commandId) => _commandIds.Enqueue(commandId);

    public IReadOnlyList<Guid> CommandIds => [.. _commandIds];
}
