using System.Diagnostics;
using CapitalFlows.Engine;
using CapitalFlows.Localities;

namespace CapitalFlows.Import;

/// <summary>
/// Applies an import file's lines in file order, many at a time.
/// <para><b>Waves.</b> Consecutive lines are gathered into waves of at most <c>waveSize</c>. Every line of a wave is
/// sent at once through the service's pipeline (<see cref="InProcessSender"/>), carrying its place in the wave's
/// <see cref="OrderedRun"/>; lines refused before the engine (body checks, authorisation, <c>Validate</c>, scope)
/// are answered there, and the engine decides the rest strictly in file order, sharing group-commit transactions
/// (MovementRecorder.InOrder.cs). A wave is decided only after the wave before it has finished, so the order holds
/// across waves too; while one wave is in the database, the next one's requests already pass their checks
/// (<c>wavesInFlight</c>, 2).</para>
/// <para><b>What the engine cannot order</b> is what an endpoint reads before it hands the command over, so the
/// importer orders that itself (<see cref="ImportRoute"/>): a line on <c>/api/loans/{loanId}/...</c> starts a new
/// wave when its loan is drawn in the current one, and its request waits until the wave that drew the loan has
/// finished; a reversal, merge, period close, approval or any other route runs alone, after every earlier line has
/// its answer and before any later line is sent.</para>
/// <para>At most <c>linesInChecks</c> (32) lines are in the pipeline before the engine at once (a line on a loan reads
/// it there, on a pooled connection); a line leaves that count when it reaches the engine, where it waits holding
/// nothing, or when it is answered before.</para>
/// <para>A line answered with a fault (a 5xx other than 503 busy) stops the import: the lines already sent get their
/// answers, no further line is sent.</para>
/// </summary>
public sealed class Importer(
    InProcessSender sender, CommandRoutes routes, LocalityDirectory localities, TimeProvider clock, int waveSize, int wavesInFlight = 2, int linesInChecks = 32)
    : IDisposable
{
    private readonly SemaphoreSlim _checks = new(Math.Max(linesInChecks, 1));
    private readonly ImportSummary _summary = new();
    private readonly Queue<Task> _open = new();
    private readonly Dictionary<string, Task> _drawnIn = new(StringComparer.Ordinal);
    private readonly HashSet<string> _drawnInWave = new(StringComparer.Ordinal);
    private List<ImportLine> _wave = [];
    private Task _last = Task.CompletedTask;
    private DateTimeOffset _started;

    public void Dispose() => _checks.Dispose();

    public async Task<ImportSummary> RunAsync(TextReader reader, Action<ImportSummary, TimeSpan>? progress = null)
    {
        _started = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        var reported = TimeSpan.Zero;
        var number = 0;
        while (_summary.Fault is null && await reader.ReadLineAsync() is { } text)
        {
            number++;
            if (progress is not null && watch.Elapsed - reported >= TimeSpan.FromSeconds(5))
            {
                progress(_summary, watch.Elapsed);
                reported = watch.Elapsed;
            }
            var blank = string.IsNullOrWhiteSpace(text);
            _summary.Read(blank);
            if (blank) continue;
            var (line, malformed) = ImportLineParser.Parse(number, text, routes, localities);
            if (line is null)
            {
                _summary.AddMalformed(number, malformed!);
                continue;
            }
            await AddAsync(line);
        }
        await FlushAsync();
        await DrainAsync();
        _summary.Elapsed = watch.Elapsed;
        return _summary;
    }

    private async Task AddAsync(ImportLine line)
    {
        if (line.Kind == ImportRoute.Barrier)
        {
            // After every earlier line has its answer, alone, and answered before any later line is sent.
            await FlushAsync();
            await DrainAsync();
            _wave.Add(line);
            await FlushAsync();
            await DrainAsync();
            return;
        }
        if (_wave.Count >= waveSize || (line.OnLoan is { } loan && _drawnInWave.Contains(loan))) await FlushAsync();
        _wave.Add(line);
        if (line.DrawsLoan is { } drawn) _drawnInWave.Add(drawn);
    }

    /// <summary>Sends the gathered wave as one ordered run, decided after the run before it.</summary>
    private async Task FlushAsync()
    {
        // After a fault nothing more is sent.
        if (_wave.Count == 0 || _summary.Fault is not null) return;
        while (_open.Count >= Math.Max(wavesInFlight, 1)) await _open.Dequeue();
        // Each line leaves the checks once: when it reaches the engine, or when it is answered before.
        var inChecks = new int[_wave.Count];
        void LeaveChecks(int position)
        {
            if (Interlocked.Exchange(ref inChecks[position], 0) == 1) _checks.Release();
        }
        var run = new OrderedRun(_wave.Count, _last, LeaveChecks);
        var answered = new Task[_wave.Count];
        for (var i = 0; i < _wave.Count; i++)
        {
            var line = _wave[i];
            var drawnEarlier = line.OnLoan is { } loan && _drawnIn.TryGetValue(loan, out var drew) && !drew.IsCompleted ? drew : null;
            answered[i] = SendAsync(line, new OrderedPlace(run, i), drawnEarlier, inChecks, LeaveChecks);
        }
        if (_drawnIn.Count > 100_000)
            foreach (var done in _drawnIn.Where(d => d.Value.IsCompleted).Select(d => d.Key).ToList()) _drawnIn.Remove(done);
        foreach (var drawn in _drawnInWave) _drawnIn[drawn] = run.Finished;
        _last = run.Finished;
        _open.Enqueue(Task.WhenAll(answered));
        _wave = [];
        _drawnInWave.Clear();
    }

    private async Task DrainAsync()
    {
        while (_open.Count > 0) await _open.Dequeue();
    }

    private async Task SendAsync(ImportLine line, OrderedPlace place, Task? drawnEarlier, int[] inChecks, Action<int> leaveChecks)
    {
        try
        {
            // The endpoint reads the loan before the engine: the wave that draws it must have been recorded.
            if (drawnEarlier is not null) await drawnEarlier;
            await _checks.WaitAsync();
            Volatile.Write(ref inChecks[place.Position], 1);
            var (status, body) = await sender.SendAsync(line, place);
            leaveChecks(place.Position);
            place.Run.Pass(place.Position);
            _summary.AddAnswer(line.Number, status, body, place.Run.OutcomeAt(place.Position), _started);
        }
        catch (Exception e)
        {
            leaveChecks(place.Position);
            place.Run.Pass(place.Position);
            _summary.AddAnswer(line.Number, StatusCodes.Status500InternalServerError, e.Message, null, _started);
        }
    }
}
