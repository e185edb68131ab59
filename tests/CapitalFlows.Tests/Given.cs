using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans;

namespace CapitalFlows.Tests;

/// <summary>State fixtures: the funds, loans and earlier commands a command finds, folded from the events that came before it.</summary>
internal static class Given
{
    /// <summary>A fund folded from its events with its stream's one fold (<see cref="Fund.Evolve"/>), starting empty.</summary>
    public static Fund Fund(FundKey key, params object[] events) =>
        events.Aggregate(CapitalFlows.Funds.Fund.Empty(key), (fund, e) => fund.Evolve(e));

    /// <summary>A fund folded from its events, keyed by its stream key (<c>01/central-budget/general</c>).</summary>
    public static Fund Fund(string streamKey, params object[] events) => Fund(FundKey.Parse(streamKey), events);

    /// <summary>The funds as a command's decision reads them; any fund not given is empty.</summary>
    public static FundStates States(params Fund[] funds) => new(funds.ToDictionary(f => f.Key));

    /// <summary>
    /// A loan folded from its stream with its stream's one fold (<see cref="Loan.Evolve"/>): the first event is its
    /// <see cref="LoanDrawnDown"/>.
    /// </summary>
    public static Loan Loan(LoanDrawnDown drawnDown, params object[] events) =>
        CapitalFlows.Loans.Loan.Fold([drawnDown, .. events])!;

    /// <summary>A loan folded from all the events of its stream, the first of which must be its <see cref="LoanDrawnDown"/>.</summary>
    public static Loan Loan(params object[] events) =>
        events is [LoanDrawnDown drawnDown, .. var rest]
            ? Loan(drawnDown, rest)
            : throw new ArgumentException("A loan's stream starts with its LoanDrawnDown.", nameof(events));

    /// <summary>A loan after some more events of its stream (not its drawdown).</summary>
    public static Loan Then(Loan loan, params object[] events) => CapitalFlows.Loans.Loan.Fold(events, loan)!;

    /// <summary>The state a decision reads: the touched funds, loans (keyed by their ids) and earlier commands.</summary>
    public static LedgerState Ledger(
        FundStates funds, IReadOnlyList<Loan>? loans = null, IReadOnlyList<ProcessedCommand>? commands = null) =>
        new(funds,
            (loans ?? []).ToDictionary(l => l.Id, StringComparer.Ordinal),
            (commands ?? []).ToDictionary(c => c.Id));

    /// <summary>
    /// An accepted command as the recorder remembers it, with the events it appended (their JSON is not needed:
    /// a decision that reads the command takes its typed events separately).
    /// </summary>
    public static ProcessedCommand Movement(Guid commandId, IReadOnlyList<StreamEvent> events) =>
        new(commandId, "hash", 200, "{}", new DateTimeOffset(2025, 9, 1, 3, 0, 0, TimeSpan.Zero),
            events.Select(e => new AppendedEvent(e.StreamKey, e.Event.GetType().Name, "{}")).ToList());
}
