using System.Text.Json;
using System.Text.Json.Serialization;
using CapitalFlows.Api;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Localities;

namespace CapitalFlows.Engine;

/// <summary>
/// The engine's bulk entry point, for a history written into a store in one go (<c>seed-demo</c>): commands are
/// submitted as values (route, body, id, effective date, what they touch and their pure decision) and decided one by
/// one, in order, with <see cref="LedgerState.Decide"/> exactly as <see cref="MovementRecorder"/> decides them, on an
/// in-memory ledger of every fund and loan the run has touched (it starts from an empty store and holds it alone, so
/// it needs no locks and no reads). The state a command reads holds only the funds, loans and earlier commands it
/// touches (those that exist); an accepted command's events are folded onto the ledger with each stream's one fold
/// and returned, with the record the recorder would store, as a <see cref="DecidedCommand"/> for
/// <see cref="BulkAppend"/> to write by COPY. A refused command leaves nothing, as in the service, and is counted by
/// command and problem type.
/// </summary>
public sealed class BulkLedger(TimeProvider clock, LocalityDirectory localities)
{
    /// <summary>How a client sends a command: camelCase JSON, an omitted field left out.</summary>
    private static readonly JsonSerializerOptions Body = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Dictionary<FundKey, Fund> _funds = [];
    private readonly Dictionary<string, List<FundKey>> _fundsByLocality = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Loan> _loans = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, ProcessedCommand> _remembered = [];
    private readonly Dictionary<string, int> _refusals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<object>> _streams = new(StringComparer.Ordinal);
    private bool _structureStarted;

    public IReadOnlyDictionary<FundKey, Fund> Funds => _funds;

    public IReadOnlyDictionary<string, Loan> Loans => _loans;

    /// <summary>Refused commands, by <c>command: problem</c> (for example <c>DrawDownLoan: insufficient-funds</c>).</summary>
    public IReadOnlyDictionary<string, int> Refusals => _refusals;

    public Fund? Fund(FundKey key) => _funds.GetValueOrDefault(key);

    /// <summary>The funds held at a locality that have had a movement.</summary>
    public IReadOnlyList<FundKey> FundsAt(string locality) =>
        _fundsByLocality.TryGetValue(locality, out var keys) ? keys : [];

    public Loan? Loan(string loanId) => _loans.GetValueOrDefault(loanId);

    /// <summary>The events of a stream that is neither a fund nor a loan (a plan's), oldest first.</summary>
    public IReadOnlyList<object> Stream(string streamKey) => _streams.TryGetValue(streamKey, out var events) ? events : [];

    /// <summary>
    /// Keeps an accepted command's record where a later reversal can read it. The service remembers every
    /// command; the simulation keeps only those it may still reverse, to stay small.
    /// </summary>
    public void Remember(ProcessedCommand command) => _remembered[command.Id] = command;

    public void Forget(Guid commandId) => _remembered.Remove(commandId);

    public ProcessedCommand? Remembered(Guid commandId) => _remembered.GetValueOrDefault(commandId);

    /// <summary>
    /// Decides and records one command: <paramref name="route"/> and <paramref name="command"/> give the body hash
    /// the service would keep, <paramref name="touches"/> what the recorder would read and lock, and
    /// <paramref name="decide"/> the command's own decision. Returns null when the command is refused.
    /// </summary>
    public DecidedCommand? Record(
        string route, object command, Guid commandId, DateOnly effectiveOn, Touches touches,
        Func<LedgerState, Decision> decide, int successStatus = 200)
    {
        var funds = touches.Funds.Distinct().Where(_funds.ContainsKey).ToDictionary(k => k, k => _funds[k]);
        var loans = touches.Loans.Distinct(StringComparer.Ordinal).Where(_loans.ContainsKey).ToDictionary(l => l, l => _loans[l], StringComparer.Ordinal);
        var commands = touches.Commands.Distinct().Where(_remembered.ContainsKey).ToDictionary(c => c, c => _remembered[c]);
        var streams = touches.Streams.Concat(touches.Reads).Distinct(StringComparer.Ordinal)
            .ToDictionary(k => k, k => (IReadOnlyList<object>)Stream(k), StringComparer.Ordinal);
        var state = new LedgerState(new FundStates(funds), loans, commands) { Streams = streams };

        var type = command.GetType().Name;
        var decision = state.Decide(effectiveOn, decide);
        if (decision.Refusal is { } refusal)
        {
            var slug = refusal.Type?.Replace("/problems/", "", StringComparison.Ordinal) ?? "refused";
            _refusals[$"{type}: {slug}"] = _refusals.GetValueOrDefault($"{type}: {slug}") + 1;
            return null;
        }

        if (touches.FirstUnread(decision) is { } unread)
            throw new InvalidOperationException($"{type} {commandId} would append to {unread.StreamKey}, which it did not read.");

        var fundsAfter = new Dictionary<string, Fund>(StringComparer.Ordinal);
        var loansAfter = new Dictionary<string, Loan>(StringComparer.Ordinal);
        Stage(decision, fundsAfter, loansAfter);

        var recordedAt = clock.GetUtcNow();
        var events = decision.Events.Select(e => Apply(e, fundsAfter, loansAfter)).ToList();
        var processed = ProcessedCommand.Accepted(commandId, BodyHash(route, command), successStatus, recordedAt, effectiveOn, decision, state, localities);
        ProcessedCommand? reversed = null;
        if (decision.Reverses is { } reversedId && commands.TryGetValue(reversedId, out var original))
        {
            reversed = original with { ReversedBy = commandId };
            _remembered[reversedId] = reversed;
        }
        return new DecidedCommand(route, command, effectiveOn, events, processed, reversed);
    }

    /// <summary>The hash the service keeps of a command's body (<see cref="CanonicalJson"/>, with its route).</summary>
    public static string BodyHash(string route, object command)
    {
        using var body = JsonSerializer.SerializeToDocument(command, command.GetType(), Body);
        return CanonicalJson.Hash(body.RootElement, route);
    }

    /// <summary>
    /// Folds the decision's events (into <paramref name="funds"/> and <paramref name="loans"/>, by stream key) on the
    /// states they touch, with the one fold of each stream, for <see cref="Apply"/> to record.
    /// </summary>
    private void Stage(Decision decision, Dictionary<string, Fund> funds, Dictionary<string, Loan> loans)
    {
        foreach (var (streamKey, data) in decision.Events)
        {
            if (Engine.Rebuilding.StreamFolds.IsFund(streamKey))
            {
                var key = FundKey.Parse(streamKey);
                var before = funds.TryGetValue(streamKey, out var staged) ? staged : _funds.GetValueOrDefault(key);
                funds[streamKey] = (before ?? CapitalFlows.Funds.Fund.Empty(key)).Evolve(data);
            }
            else if (Engine.Rebuilding.StreamFolds.IsLoan(streamKey))
            {
                var before = loans.TryGetValue(streamKey, out var staged) ? staged : _loans.GetValueOrDefault(streamKey);
                loans[streamKey] = (before ?? new CapitalFlows.Loans.Loan()).Evolve(data);
            }
        }
    }

    /// <summary>Applies one accepted event to the ledger: its stream takes the state the decision's events leave (staged, folded as the snapshots fold them).</summary>
    private DecidedEvent Apply(StreamEvent e, Dictionary<string, Fund> funds, Dictionary<string, Loan> loans)
    {
        var (streamKey, data) = e;
        if (streamKey == LocalityDirectory.StructureStream)
        {
            var starts = !_structureStarted;
            _structureStarted = true;
            return new DecidedEvent(streamKey, data, null, starts);
        }
        if (streamKey.Contains(':', StringComparison.Ordinal))
        {
            // A plan's stream (credit-plan:..., local-capital-plan:...): no snapshot, its events are its state.
            var startsStream = !_streams.TryGetValue(streamKey, out var events);
            if (startsStream) _streams[streamKey] = events = [];
            events!.Add(data);
            return new DecidedEvent(streamKey, data, null, startsStream);
        }
        if (streamKey.Contains('/', StringComparison.Ordinal))
        {
            var key = FundKey.Parse(streamKey);
            var existed = _funds.ContainsKey(key);
            _funds[key] = funds[streamKey];
            if (!existed)
            {
                if (!_fundsByLocality.TryGetValue(key.Locality, out var keys)) _fundsByLocality[key.Locality] = keys = [];
                keys.Add(key);
            }
            return new DecidedEvent(streamKey, data, typeof(Fund), !existed);
        }

        var loanExisted = _loans.ContainsKey(streamKey);
        _loans[streamKey] = loans[streamKey];
        return new DecidedEvent(streamKey, data, typeof(Loan), !loanExisted);
    }
}
