using System.Text.Json.Serialization;
using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Funds;

// The events of a fund's stream. Each is a fact with the amount it moved, never a balance.
public sealed record CentralBudgetEntrusted(string Programme, long AmountVnd, string DecisionRef, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record MobilisedCapitalReceived(string Programme, long AmountVnd, string Instrument, string Reference, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record LocalBudgetToppedUp(string Locality, string Programme, long AmountVnd, string DecisionRef, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record CharityDonationReceived(string Locality, string Programme, long AmountVnd, string? Donor, string? Campaign, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>Capital left the parent's fund for a direct child (appended to the parent's fund).</summary>
public sealed record CapitalAllocated(string From, string To, string Source, string Programme, string ToProgramme, long AmountVnd, string? DecisionRef, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>The child's side of an allocation (appended to the child's fund, which may be earmarked from general).</summary>
public sealed record AllocationReceived(string From, string To, string Source, string Programme, string ToProgramme, long AmountVnd, string? DecisionRef, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>Capital taken back from a child's fund (appended to the child's fund).</summary>
public sealed record CapitalRecalled(string From, string To, string Source, string Programme, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>The parent's side of a recall (appended to the parent's fund).</summary>
public sealed record RecallReceived(string From, string To, string Source, string Programme, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>Principal lent from the fund to a new loan.</summary>
public sealed record CapitalLent(Guid LoanId, string Locality, string Source, string Programme, long AmountVnd, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>Principal repaid into the fund the loan came from: capital revolves.</summary>
public sealed record RepaymentReceived(Guid LoanId, Guid RepaymentId, string Locality, string Source, string Programme, long AmountVnd, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>
/// Principal of a loan from this fund written off: the loans outstanding of the fund fall, nothing becomes available
/// (the loss falls on the fund's source; DOMAIN invariant 2).
/// </summary>
public sealed record LoanPrincipalWrittenOff(Guid LoanId, Guid WriteOffId, string Locality, string Source, string Programme, long AmountVnd, string Cause, DateOnly EffectiveOn) : ILedgerEvent;

// Compensating events of a reversal: each undoes one side of an earlier movement, on its own effective date.
public sealed record InflowReversed(Guid ReversedCommandId, string Locality, string Source, string Programme, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record AllocationReversed(Guid ReversedCommandId, string From, string To, string Source, string Programme, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record AllocationReceiptReversed(Guid ReversedCommandId, string From, string To, string Source, string Programme, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record RecallReversed(Guid ReversedCommandId, string From, string To, string Source, string Programme, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record RecallReceiptReversed(Guid ReversedCommandId, string From, string To, string Source, string Programme, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record LendingReversed(Guid ReversedCommandId, Guid LoanId, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record RepaymentReversed(Guid ReversedCommandId, Guid LoanId, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record WriteOffReversed(Guid ReversedCommandId, Guid LoanId, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>
/// A merge moved this fund of a closing locality to its successor: what was available, and the principal lent
/// and repaid of the loans that moved with it (netted into <c>ReceivedVnd</c>, so the fund ends at zero).
/// </summary>
public sealed record FundMergedOut(string Locality, string Into, string Source, string Programme, long AvailableVnd, long LentVnd, long RepaidVnd, DateOnly EffectiveOn) : ILedgerEvent
{
    /// <summary>Principal written off of the loans that moved (0 in merges recorded before write-offs existed).</summary>
    public long WrittenOffVnd { get; init; }
}

/// <summary>The successor's side of a merge: the same amounts, into the fund of the same source and programme.</summary>
public sealed record FundMergedIn(string Locality, string From, string Source, string Programme, long AvailableVnd, long LentVnd, long RepaidVnd, DateOnly EffectiveOn) : ILedgerEvent
{
    public long WrittenOffVnd { get; init; }
}

/// <summary>
/// A fund's state, folded from its stream: the write model that decisions read, kept as an inline snapshot
/// that the capital and allocation reads query too. Immutable: <see cref="Evolve"/> returns a new state.
/// <c>AvailableVnd = ReceivedVnd − PassedDownVnd − LentVnd + RepaidVnd</c> (API.md, allocations report identity);
/// <c>LoansOutstandingVnd = LentVnd − RepaidVnd − WrittenOffVnd</c>.
/// </summary>
public sealed record Fund
{
    private string _id = "";

    /// <summary>The fund's stream key, <c>locality/source/programme</c>; read into <see cref="Key"/> once, when it is set.</summary>
    public string Id
    {
        get => _id;
        set => (_id, Key) = (value, value.Length == 0 ? default : FundKey.Parse(value));
    }

    /// <summary>Capital that entered the bank into this fund: entrusted, mobilised, topped up or donated.</summary>
    public long InflowsVnd { get; init; }

    /// <summary>The part of those inflows that was reversed.</summary>
    public long InflowsReversedVnd { get; init; }

    /// <summary>All capital that came in: inflows and allocations from above, less recalls by the parent.</summary>
    public long ReceivedVnd { get; init; }

    /// <summary>Allocated down to children, less what was recalled from them.</summary>
    public long PassedDownVnd { get; init; }

    public long LentVnd { get; init; }

    public long RepaidVnd { get; init; }

    /// <summary>Principal of loans from this fund written off: lent, never repaid, and no longer outstanding.</summary>
    public long WrittenOffVnd { get; init; }

    /// <summary>The effective date of the fund's latest movement: no later movement may be dated before it.</summary>
    public DateOnly? LastMovementOn { get; init; }

    public string Locality => Key.Locality;

    public string Source => Key.Source;

    public string Programme => Key.Programme;

    public long AvailableVnd => ReceivedVnd - PassedDownVnd - LentVnd + RepaidVnd;

    public long LoansOutstandingVnd => LentVnd - RepaidVnd - WrittenOffVnd;

    [JsonIgnore]
    public FundKey Key { get; private set; }

    public static Fund Empty(FundKey key) => new() { Id = key.StreamKey };

    private Fund Apply(CentralBudgetEntrusted e) => Inflow(e.AmountVnd, e.EffectiveOn);

    private Fund Apply(MobilisedCapitalReceived e) => Inflow(e.AmountVnd, e.EffectiveOn);

    private Fund Apply(LocalBudgetToppedUp e) => Inflow(e.AmountVnd, e.EffectiveOn);

    private Fund Apply(CharityDonationReceived e) => Inflow(e.AmountVnd, e.EffectiveOn);

    private Fund Apply(CapitalAllocated e) => this with { PassedDownVnd = PassedDownVnd + e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(AllocationReceived e) => this with { ReceivedVnd = ReceivedVnd + e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(CapitalRecalled e) => this with { ReceivedVnd = ReceivedVnd - e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(RecallReceived e) => this with { PassedDownVnd = PassedDownVnd - e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(CapitalLent e) => this with { LentVnd = LentVnd + e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(RepaymentReceived e) => this with { RepaidVnd = RepaidVnd + e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(InflowReversed e) => this with
    {
        InflowsReversedVnd = InflowsReversedVnd + e.AmountVnd,
        ReceivedVnd = ReceivedVnd - e.AmountVnd,
        LastMovementOn = e.EffectiveOn,
    };

    private Fund Apply(AllocationReversed e) => this with { PassedDownVnd = PassedDownVnd - e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(AllocationReceiptReversed e) => this with { ReceivedVnd = ReceivedVnd - e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(RecallReversed e) => this with { ReceivedVnd = ReceivedVnd + e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(RecallReceiptReversed e) => this with { PassedDownVnd = PassedDownVnd + e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(LendingReversed e) => this with { LentVnd = LentVnd - e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(RepaymentReversed e) => this with { RepaidVnd = RepaidVnd - e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(LoanPrincipalWrittenOff e) => this with { WrittenOffVnd = WrittenOffVnd + e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(WriteOffReversed e) => this with { WrittenOffVnd = WrittenOffVnd - e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Apply(FundMergedOut e) => this with
    {
        ReceivedVnd = ReceivedVnd - e.AvailableVnd - (e.LentVnd - e.RepaidVnd),
        LentVnd = LentVnd - e.LentVnd,
        RepaidVnd = RepaidVnd - e.RepaidVnd,
        WrittenOffVnd = WrittenOffVnd - e.WrittenOffVnd,
        LastMovementOn = e.EffectiveOn,
    };

    private Fund Apply(FundMergedIn e) => this with
    {
        ReceivedVnd = ReceivedVnd + e.AvailableVnd + (e.LentVnd - e.RepaidVnd),
        LentVnd = LentVnd + e.LentVnd,
        RepaidVnd = RepaidVnd + e.RepaidVnd,
        WrittenOffVnd = WrittenOffVnd + e.WrittenOffVnd,
        LastMovementOn = e.EffectiveOn,
    };

    /// <summary>
    /// The one fold of a fund's stream: the fund after one more event. Marten's inline snapshot calls it (a
    /// self-aggregating <c>Evolve</c>: its switch below is also the list of events the snapshot reads), and so do the
    /// decisions' state, the group commit, the demo history and a rebuild. An event that is not a fund's is an error,
    /// never skipped.
    /// </summary>
    public Fund Evolve(object @event) => @event switch
    {
        CentralBudgetEntrusted e => Apply(e),
        MobilisedCapitalReceived e => Apply(e),
        LocalBudgetToppedUp e => Apply(e),
        CharityDonationReceived e => Apply(e),
        CapitalAllocated e => Apply(e),
        AllocationReceived e => Apply(e),
        CapitalRecalled e => Apply(e),
        RecallReceived e => Apply(e),
        CapitalLent e => Apply(e),
        RepaymentReceived e => Apply(e),
        InflowReversed e => Apply(e),
        AllocationReversed e => Apply(e),
        AllocationReceiptReversed e => Apply(e),
        RecallReversed e => Apply(e),
        RecallReceiptReversed e => Apply(e),
        LendingReversed e => Apply(e),
        RepaymentReversed e => Apply(e),
        LoanPrincipalWrittenOff e => Apply(e),
        WriteOffReversed e => Apply(e),
        FundMergedOut e => Apply(e),
        FundMergedIn e => Apply(e),
        _ => throw new EventNotFoldedException(@event, Id.Length > 0 ? $"fund {Id}" : "a new fund"),
    };

    private Fund Inflow(long amountVnd, DateOnly effectiveOn) => this with
    {
        InflowsVnd = InflowsVnd + amountVnd,
        ReceivedVnd = ReceivedVnd + amountVnd,
        LastMovementOn = effectiveOn,
    };
}
