using CapitalFlows.Api;
using CapitalFlows.Funds;
using CapitalFlows.Loans;

namespace CapitalFlows.Engine;

/// <summary>The state a decision reads: the touched funds and loans, and earlier commands it refers to.</summary>
public sealed class LedgerState(FundStates funds, IReadOnlyDictionary<string, Loan> loans, IReadOnlyDictionary<Guid, ProcessedCommand> commands)
{
    public FundStates Funds { get; } = funds;

    public IReadOnlyDictionary<string, Loan> Loans { get; } = loans;

    public Loan? Loan(string loanId) => Loans.GetValueOrDefault(loanId);

    public ProcessedCommand? Command(Guid commandId) => commands.GetValueOrDefault(commandId);

    /// <summary>The events of the other streams the command read (<see cref="Touches.Streams"/> and <see cref="Touches.Reads"/>), by stream key; empty when a stream has none.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<object>> Streams { get; init; } = new Dictionary<string, IReadOnlyList<object>>();

    /// <summary>The last date of the closed periods (invariant 10); null when no period is closed.</summary>
    public DateOnly? ClosedThrough { get; init; }

    /// <summary>
    /// The command's decision on this state, after invariant 10 (nothing takes effect in a closed period) and
    /// invariant 7 (no fund or loan it touches moves back in time), and checked on the states it leaves for invariant 1
    /// (no fund below zero) and again for invariant 7 (no event dated before its stream's last movement), whatever its
    /// decider checked: what the recorder and the demo history's bulk path both run. A decider may refuse earlier with
    /// a clearer problem; these checks are the guarantee.
    /// </summary>
    public Decision Decide(DateOnly effectiveOn, Func<LedgerState, Decision> decide)
    {
        var decision = RefuseIfInClosedPeriod(effectiveOn)
            ?? Funds.RefuseIfEarlierThanLastMovement(effectiveOn)
            ?? RefuseIfEarlierThanLastLoanMovement(effectiveOn)
            ?? decide(this);
        return decision.Refusal is null
            ? Funds.RefuseIfAnyFundGoesNegative(decision.Events) ?? RefuseIfAnyEventGoesBackInTime(decision.Events) ?? decision
            : decision;
    }

    /// <summary>Invariant 10: a command effective on or before the closed date is refused, whatever it is.</summary>
    public Decision? RefuseIfInClosedPeriod(DateOnly effectiveOn) =>
        ClosedThrough is { } closed && effectiveOn <= closed
            ? Decision.Refuse(Problems.PeriodClosed(closed, $"The books are closed through {closed:yyyy-MM-dd}; nothing may take effect on {effectiveOn:yyyy-MM-dd}."))
            : null;

    /// <summary>Invariant 7 for loans: a loan's effective dates never go backwards.</summary>
    public Decision? RefuseIfEarlierThanLastLoanMovement(DateOnly effectiveOn) =>
        Loans.Values
            .Where(l => l.LastMovementOn > effectiveOn)
            .Select(l => Decision.Refuse(Problems.EffectiveDateTooEarly($"loan {l.Id}", l.LastMovementOn, effectiveOn)))
            .FirstOrDefault();

    /// <summary>
    /// Invariant 7 on the events a decision appends: each fund or loan event is dated no earlier than its stream's last
    /// movement, as read or as the decision's earlier events leave it (a loan not read, such as one a merge moves, is
    /// not checked here).
    /// </summary>
    public Decision? RefuseIfAnyEventGoesBackInTime(IEnumerable<StreamEvent> events)
    {
        var last = new Dictionary<string, DateOnly?>(StringComparer.Ordinal);
        foreach (var (streamKey, @event) in events)
        {
            var isFund = streamKey.Contains('/', StringComparison.Ordinal);
            if (@event is not ILedgerEvent dated || (!isFund && !Loans.ContainsKey(streamKey))) continue;
            var before = last.TryGetValue(streamKey, out var staged) ? staged
                : isFund ? Funds[FundKey.Parse(streamKey)].LastMovementOn
                : Loans[streamKey].LastMovementOn;
            if (before > dated.EffectiveOn)
                return Decision.Refuse(Problems.EffectiveDateTooEarly($"{(isFund ? "fund" : "loan")} {streamKey}", before.Value, dated.EffectiveOn));
            last[streamKey] = dated.EffectiveOn;
        }
        return null;
    }
}
