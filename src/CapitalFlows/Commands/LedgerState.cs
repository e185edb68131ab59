using CapitalFlows.Funds;
using CapitalFlows.Loans;

namespace CapitalFlows.Commands;

/// <summary>The state a decision reads: the touched funds and loans, and earlier commands it refers to.</summary>
public sealed class LedgerState(FundStates funds, IReadOnlyDictionary<string, Loan> loans, IReadOnlyDictionary<Guid, ProcessedCommand> commands)
{
    public FundStates Funds { get; } = funds;

    public IReadOnlyDictionary<string, Loan> Loans { get; } = loans;

    public Loan? Loan(string loanId) => Loans.GetValueOrDefault(loanId);

    public ProcessedCommand? Command(Guid commandId) => commands.GetValueOrDefault(commandId);

    /// <summary>
    /// The command's decision on this state, after invariant 7 (no fund or loan it touches moves back in time):
    /// what the recorder and the demo history both run.
    /// </summary>
    public Decision Decide(DateOnly effectiveOn, Func<LedgerState, Decision> decide) =>
        Funds.RefuseIfEarlierThanLastMovement(effectiveOn)
        ?? RefuseIfEarlierThanLastLoanMovement(effectiveOn)
        ?? decide(this);

    /// <summary>Invariant 7 for loans: a loan's effective dates never go backwards.</summary>
    public Decision? RefuseIfEarlierThanLastLoanMovement(DateOnly effectiveOn) =>
        Loans.Values
            .Where(l => l.LastMovementOn > effectiveOn)
            .Select(l => Decision.Refuse(Problems.EffectiveDateTooEarly($"loan {l.Id}", l.LastMovementOn, effectiveOn)))
            .FirstOrDefault();
}
