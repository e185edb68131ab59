namespace CapitalFlows.Engine;

/// <summary>
/// The fund and loan states this node's batches last read or wrote, each with its stream's version, so that a batch
/// whose streams are all here is decided before it touches the database and then written in one round trip: its
/// locks, a check under them that every stream is still at the version it was decided on, its rows and its commit
/// (<c>MovementRecorder.GroupCommit.cs</c>). A copy is only a guess: another node, or a command recorded alone on this
/// one, may have moved the stream since. The check then fails that round trip, the batch's streams are forgotten here,
/// and the batch runs as before, on what it reads under its locks. States are immutable records, so a copy is shared.
/// <para>A batch takes its streams' states out (<see cref="Take"/>) and keeps them again after its commit, so no other
/// batch decides on a state that a running batch is about to move: one that starts on the same streams before it has
/// finished (its place given up after its time) finds nothing here and reads them under its locks. A state is kept
/// only if it is not older than the one here: two batches' commits and the keeping after them need not come in the
/// same order.</para>
/// At <c>capacity</c> streams it empties itself and fills again from the batches that follow; a capacity of 0 keeps nothing.
/// </summary>
public sealed class StreamStateCache(int capacity)
{
    // A plain dictionary under a lock: at most a few batches a node touch it at once, and its count is then exact and cheap.
    private readonly Dictionary<string, (long Version, object State)> _streams = new(StringComparer.Ordinal);

    /// <summary>Takes the states of <paramref name="streams"/> out, for the one batch that decides on them until it keeps them again.</summary>
    public Taken Take(IEnumerable<string> streams)
    {
        var taken = new Dictionary<string, (long Version, object State)>(StringComparer.Ordinal);
        lock (_streams)
        {
            foreach (var stream in streams)
                if (_streams.Remove(stream, out var kept)) taken[stream] = kept;
        }
        return new Taken(taken);
    }

    /// <summary>
    /// A stream's state at a version read or written under the locks, in a transaction that committed; null: the
    /// stream does not exist. A later version already here (a batch that committed after this one) stays.
    /// </summary>
    public void Keep(string stream, long version, object? state)
    {
        lock (_streams)
        {
            if (_streams.TryGetValue(stream, out var kept) && kept.Version > version) return;
            if (state is null || capacity <= 0)
            {
                _streams.Remove(stream);
                return;
            }
            if (_streams.Count >= capacity && !_streams.ContainsKey(stream)) _streams.Clear();
            _streams[stream] = (version, state);
        }
    }

    /// <summary>A stream's state as kept, without taking it out (null: not kept, or taken by a running batch); only a guess, as every copy here.</summary>
    public T? Peek<T>(string stream)
        where T : class
    {
        lock (_streams)
        {
            return _streams.TryGetValue(stream, out var kept) ? kept.State as T : null;
        }
    }

    public void Forget(IEnumerable<string> streams)
    {
        lock (_streams)
        {
            foreach (var stream in streams) _streams.Remove(stream);
        }
    }

    /// <summary>The states one batch took out, each with its stream's version.</summary>
    public sealed class Taken(IReadOnlyDictionary<string, (long Version, object State)> states)
    {
        public bool TryGet<T>(string stream, out long version, out T? state)
            where T : class
        {
            if (states.TryGetValue(stream, out var kept) && kept.State is T typed)
            {
                (version, state) = (kept.Version, typed);
                return true;
            }
            (version, state) = (0, null);
            return false;
        }
    }
}
