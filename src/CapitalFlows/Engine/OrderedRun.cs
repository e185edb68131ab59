namespace CapitalFlows.Engine;

/// <summary>
/// Commands that the engine decides strictly in the order of their places: an <c>import</c>'s wave of lines. Each
/// command still goes through its endpoint (body checks, authorisation, <c>Validate</c>, scope), which hands the
/// recorder an envelope carrying its <see cref="OrderedPlace"/>. When every place has either arrived at the recorder
/// or been passed (its request was answered before it got there, or it never reached the engine), and the run before
/// this one has finished, the recorder decides the arrived commands in place order
/// (<see cref="MovementRecorder"/>, MovementRecorder.InOrder.cs): as group-commit batches that end just before a
/// command the batch path sets aside (an inflow, a reversal, a plan...), which is recorded alone before anything
/// after it is decided. So the order never depends on timing: not on when a request reached the engine, nor on
/// batches running side by side, nor on a failed batch being re-run.
/// </summary>
public sealed class OrderedRun
{
    private readonly Lock _gate = new();
    private readonly object?[] _arrived;
    private readonly TaskCompletionSource<(IResult Result, string Outcome)>?[] _answers;
    private readonly string?[] _outcomes;
    private readonly bool[] _settled;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _after;
    private readonly Action<int>? _arrivedAt;
    private int _open;
    private Func<IReadOnlyList<object>, Action<int, (IResult Result, string Outcome)>, Task>? _decide;

    /// <param name="places">How many commands the run holds (places 0 to <paramref name="places"/> − 1).</param>
    /// <param name="after">The run this one follows (its <see cref="Finished"/>): nothing here is decided before it has finished.</param>
    /// <param name="arrivedAt">Told the place of each command as it reaches the recorder (where it waits for the run, holding nothing).</param>
    public OrderedRun(int places, Task? after = null, Action<int>? arrivedAt = null)
    {
        _arrivedAt = arrivedAt;
        ArgumentOutOfRangeException.ThrowIfNegative(places);
        _arrived = new object?[places];
        _answers = new TaskCompletionSource<(IResult, string)>?[places];
        _outcomes = new string?[places];
        _settled = new bool[places];
        _open = places;
        _after = after ?? Task.CompletedTask;
        if (places == 0) Start();
    }

    /// <summary>Done when every command that arrived has its answer, and the runs before this one have finished.</summary>
    public Task Finished => _finished.Task;

    /// <summary>
    /// The engine's word for the command at <paramref name="position"/>: <c>accepted</c>, <c>replayed</c>, a problem's
    /// slug, <c>busy</c>; null when it never reached the engine (or has no answer yet).
    /// </summary>
    public string? OutcomeAt(int position)
    {
        lock (_gate) return _outcomes[position];
    }

    /// <summary>The request at <paramref name="position"/> has its answer: if it never reached the recorder, the run no longer waits for it.</summary>
    public void Pass(int position)
    {
        bool last;
        lock (_gate)
        {
            if (_settled[position]) return;
            _settled[position] = true;
            last = --_open == 0;
        }
        if (last) Start();
    }

    /// <summary>
    /// The recorder's side: the command at <paramref name="position"/> waits here for its answer. <paramref name="decide"/>
    /// decides the run's arrived commands, in place order, and calls back with each one's answer (by its index among them).
    /// </summary>
    internal Task<(IResult Result, string Outcome)> ArriveAsync(
        int position, object command, Func<IReadOnlyList<object>, Action<int, (IResult Result, string Outcome)>, Task> decide)
    {
        var answer = new TaskCompletionSource<(IResult, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool last;
        lock (_gate)
        {
            if (_settled[position])
                throw new InvalidOperationException($"Place {position} of an ordered run reached the engine twice, or after it was passed.");
            _settled[position] = true;
            _arrived[position] = command;
            _answers[position] = answer;
            _decide ??= decide;
            last = --_open == 0;
        }
        _arrivedAt?.Invoke(position);
        if (last) Start();
        return answer.Task;
    }

    private void Start()
    {
        // Not traced inside whichever request happened to settle the last place.
        using (ExecutionContext.SuppressFlow()) _ = Task.Run(RunAsync);
    }

    private async Task RunAsync()
    {
        try
        {
            await _after;
        }
        catch (Exception)
        {
            // A run before this one that failed has answered its own commands with the failure; this one still runs.
        }
        var places = Enumerable.Range(0, _arrived.Length).Where(p => _arrived[p] is not null).ToList();
        try
        {
            if (places.Count > 0)
                await _decide!(places.Select(p => _arrived[p]!).ToList(), (index, answer) =>
                {
                    var position = places[index];
                    lock (_gate) _outcomes[position] = answer.Outcome;
                    _answers[position]!.TrySetResult(answer);
                });
        }
        catch (Exception e)
        {
            foreach (var position in places) _answers[position]!.TrySetException(e);
        }
        _finished.TrySetResult();
    }
}
