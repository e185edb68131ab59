using System.Reflection;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans;

namespace CapitalFlows.Tests;

/// <summary>State fixtures: the funds, loans and earlier commands a command finds, folded from the events that came before it.</summary>
internal static class Given
{
    /// <summary>A fund folded from its events through <see cref="Fund"/>'s own Apply methods, starting empty.</summary>
    public static Fund Fund(FundKey key, params object[] events) =>
        events.Aggregate(CapitalFlows.Funds.Fund.Empty(key), Apply);

    /// <summary>A fund folded from its events, keyed by its stream key (<c>01/central-budget/general</c>).</summary>
    public static Fund Fund(string streamKey, params object[] events) => Fund(FundKey.Parse(streamKey), events);

    /// <summary>The funds as a command's decision reads them; any fund not given is empty.</summary>
    public static FundStates States(params Fund[] funds) => new(funds.ToDictionary(f => f.Key));

    /// <summary>
    /// A loan folded from its stream through <see cref="Loan"/>'s own Create and Apply methods: the first event
    /// is its <see cref="LoanDrawnDown"/>.
    /// </summary>
    public static Loan Loan(LoanDrawnDown drawnDown, params object[] events) =>
        events.Aggregate(CapitalFlows.Loans.Loan.Create(drawnDown), Apply);

    /// <summary>A loan folded from all the events of its stream, the first of which must be its <see cref="LoanDrawnDown"/>.</summary>
    public static Loan Loan(params object[] events) =>
        events is [LoanDrawnDown drawnDown, .. var rest]
            ? Loan(drawnDown, rest)
            : throw new ArgumentException("A loan's stream starts with its LoanDrawnDown.", nameof(events));

    /// <summary>A loan after some more events of its stream (not its drawdown), through <see cref="Loan"/>'s own Apply methods.</summary>
    public static Loan Then(Loan loan, params object[] events) => events.Aggregate(loan, Apply);

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

    private static Loan Apply(Loan loan, object @event)
    {
        var apply = typeof(Loan).GetMethod(nameof(CapitalFlows.Loans.Loan.Apply), BindingFlags.Public | BindingFlags.Instance, [@event.GetType()])
            ?? throw new ArgumentException($"Loan has no Apply({@event.GetType().Name}).", nameof(@event));
        return (Loan)apply.Invoke(loan, [@event])!;
    }

    private static Fund Apply(Fund fund, object @event)
    {
        var apply = typeof(Fund).GetMethod(nameof(CapitalFlows.Funds.Fund.Apply), BindingFlags.Public | BindingFlags.Instance, [@event.GetType()])
            ?? throw new ArgumentException($"Fund has no Apply({@event.GetType().Name}).", nameof(@event));
        return (Fund)apply.Invoke(fund, [@event])!;
    }
}
