using System.Text.Json.Serialization;

namespace CapitalFlows.Funds;

// The events of a fund's stream. Each is a fact with the amount it moved, never a balance.
public sealed record CentralBudgetEntrusted(string Programme, long AmountVnd, string DecisionRef, DateOnly EffectiveOn);

public sealed record MobilisedCapitalReceived(string Programme, long AmountVnd, string Instrument, string Reference, DateOnly EffectiveOn);

public sealed record LocalBudgetToppedUp(string Locality, string Programme, long AmountVnd, string DecisionRef, DateOnly EffectiveOn);

public sealed record CharityDonationReceived(string Locality, string Programme, long AmountVnd, string? Donor, string? Campaign, DateOnly EffectiveOn);

/// <summary>Capital left the parent's fund for a direct child (appended to the parent's fund).</summary>
public sealed record CapitalAllocated(string From, string To, string Source, string Programme, string ToProgramme, long AmountVnd, string? DecisionRef, DateOnly EffectiveOn);

/// <summary>The child's side of an allocation (appended to the child's fund, which may be earmarked from general).</summary>
public sealed record AllocationReceived(string From, string To, string Source, string Programme, string ToProgramme, long AmountVnd, string? DecisionRef, DateOnly EffectiveOn);

/// <summary>Capital taken back from a child's fund (appended to the child's fund).</summary>
public sealed record CapitalRecalled(string From, string To, string Source, string Programme, long AmountVnd, string Reason, DateOnly EffectiveOn);

/// <summary>The parent's side of a recall (appended to the parent's fund).</summary>
public sealed record RecallReceived(string From, string To, string Source, string Programme, long AmountVnd, string Reason, DateOnly EffectiveOn);

/// <summary>
/// A fund's state, folded from its stream: the write model that decisions read, kept as an inline snapshot
/// that the capital and allocation reads query too. Immutable: each Apply returns a new state.
/// <c>AvailableVnd = ReceivedVnd − PassedDownVnd − LentVnd + RepaidVnd</c> (API.md, allocations report identity).
/// </summary>
public sealed record Fund
{
    /// <summary>The fund's stream key, <c>locality/source/programme</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>Capital that entered the bank into this fund: entrusted, mobilised, topped up or donated.</summary>
    public long InflowsVnd { get; init; }

    /// <summary>All capital that came in: inflows and allocations from above, less recalls by the parent.</summary>
    public long ReceivedVnd { get; init; }

    /// <summary>Allocated down to children, less what was recalled from them.</summary>
    public long PassedDownVnd { get; init; }

    public long LentVnd { get; init; }

    public long RepaidVnd { get; init; }

    /// <summary>The effective date of the fund's latest movement: no later movement may be dated before it.</summary>
    public DateOnly? LastMovementOn { get; init; }

    public string Locality => FundKey.Parse(Id).Locality;

    public string Source => FundKey.Parse(Id).Source;

    public string Programme => FundKey.Parse(Id).Programme;

    public long AvailableVnd => ReceivedVnd - PassedDownVnd - LentVnd + RepaidVnd;

    public long LoansOutstandingVnd => LentVnd - RepaidVnd;

    [JsonIgnore]
    public FundKey Key => FundKey.Parse(Id);

    public static Fund Empty(FundKey key) => new() { Id = key.StreamKey };

    public Fund Apply(CentralBudgetEntrusted e) => Inflow(e.AmountVnd, e.EffectiveOn);

    public Fund Apply(MobilisedCapitalReceived e) => Inflow(e.AmountVnd, e.EffectiveOn);

    public Fund Apply(LocalBudgetToppedUp e) => Inflow(e.AmountVnd, e.EffectiveOn);

    public Fund Apply(CharityDonationReceived e) => Inflow(e.AmountVnd, e.EffectiveOn);

    public Fund Apply(CapitalAllocated e) => this with { PassedDownVnd = PassedDownVnd + e.AmountVnd, LastMovementOn = e.EffectiveOn };

    public Fund Apply(AllocationReceived e) => this with { ReceivedVnd = ReceivedVnd + e.AmountVnd, LastMovementOn = e.EffectiveOn };

    public Fund Apply(CapitalRecalled e) => this with { ReceivedVnd = ReceivedVnd - e.AmountVnd, LastMovementOn = e.EffectiveOn };

    public Fund Apply(RecallReceived e) => this with { PassedDownVnd = PassedDownVnd - e.AmountVnd, LastMovementOn = e.EffectiveOn };

    private Fund Inflow(long amountVnd, DateOnly effectiveOn) => this with
    {
        InflowsVnd = InflowsVnd + amountVnd,
        ReceivedVnd = ReceivedVnd + amountVnd,
        LastMovementOn = effectiveOn,
    };
}
