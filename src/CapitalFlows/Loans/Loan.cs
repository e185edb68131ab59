using CapitalFlows.Commands;

namespace CapitalFlows.Loans;

// The events of a loan's stream (keyed by the loan id).
public sealed record LoanDrawnDown(
    Guid LoanId, string Locality, string Source, string Programme, long AmountVnd, string BorrowerRef,
    string EntrustedOrganisation, string? SavingsGroup, int TermMonths, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>A repayment of principal; <c>RepaymentId</c> is the command id that recorded it.</summary>
public sealed record LoanRepaid(Guid LoanId, Guid RepaymentId, long AmountVnd, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record LoanDrawdownReversed(Guid LoanId, Guid ReversedCommandId, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record LoanRepaymentReversed(Guid LoanId, Guid RepaymentId, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>A merge moved the loan from its closing locality to the successor: from then on it repays into the successor's fund.</summary>
public sealed record LoanTransferred(Guid LoanId, string From, string To, DateOnly EffectiveOn) : ILedgerEvent;

public static class LoanStatus
{
    public const string Active = "active";
    public const string Repaid = "repaid";
    public const string Reversed = "reversed";
}

/// <summary>
/// A loan's state: the write model of its stream and the inline snapshot that <c>GET /api/loans/{id}</c> reads.
/// <c>Repayments</c> lists the repayments that stand (not reversed), oldest first.
/// </summary>
public sealed record Loan
{
    public string Id { get; set; } = "";

    /// <summary>Where the loan sits now: where it was drawn, or the successor a merge moved it to.</summary>
    public string Locality { get; init; } = "";

    /// <summary>The locality it was drawn in.</summary>
    public string DrawnIn { get; init; } = "";

    public string Source { get; init; } = "";

    public string Programme { get; init; } = "";

    public long PrincipalVnd { get; init; }

    public long RepaidVnd { get; init; }

    public string Status { get; init; } = LoanStatus.Active;

    public string EntrustedOrganisation { get; init; } = "";

    public string BorrowerRef { get; init; } = "";

    public string? SavingsGroup { get; init; }

    public int TermMonths { get; init; }

    public DateOnly DrawnOn { get; init; }

    public DateOnly LastMovementOn { get; init; }

    public IReadOnlyList<Guid> Repayments { get; init; } = [];

    public long OutstandingVnd => Status == LoanStatus.Reversed ? 0 : PrincipalVnd - RepaidVnd;

    public static Loan Create(LoanDrawnDown e) => new()
    {
        Id = e.LoanId.ToString(),
        Locality = e.Locality,
        DrawnIn = e.Locality,
        Source = e.Source,
        Programme = e.Programme,
        PrincipalVnd = e.AmountVnd,
        EntrustedOrganisation = e.EntrustedOrganisation,
        BorrowerRef = e.BorrowerRef,
        SavingsGroup = e.SavingsGroup,
        TermMonths = e.TermMonths,
        DrawnOn = e.EffectiveOn,
        LastMovementOn = e.EffectiveOn,
    };

    public Loan Apply(LoanRepaid e) => this with
    {
        RepaidVnd = RepaidVnd + e.AmountVnd,
        Repayments = [.. Repayments, e.RepaymentId],
        Status = RepaidVnd + e.AmountVnd == PrincipalVnd ? LoanStatus.Repaid : LoanStatus.Active,
        LastMovementOn = e.EffectiveOn,
    };

    public Loan Apply(LoanDrawdownReversed e) => this with { Status = LoanStatus.Reversed, LastMovementOn = e.EffectiveOn };

    public Loan Apply(LoanRepaymentReversed e) => this with
    {
        RepaidVnd = RepaidVnd - e.AmountVnd,
        Repayments = Repayments.Where(r => r != e.RepaymentId).ToList(),
        Status = LoanStatus.Active,
        LastMovementOn = e.EffectiveOn,
    };

    public Loan Apply(LoanTransferred e) => this with { Locality = e.To, LastMovementOn = e.EffectiveOn };

    /// <summary>
    /// The loan after any of its events, starting from nothing (how a loan is read as of a date) or from a state
    /// already folded (a command's answer: the loan right after its events).
    /// </summary>
    public static Loan? Fold(IEnumerable<object> events, Loan? start = null) =>
        events.Aggregate(start, (loan, e) => e switch
        {
            LoanDrawnDown drawn => Create(drawn),
            LoanRepaid repaid => loan?.Apply(repaid),
            LoanDrawdownReversed reversed => loan?.Apply(reversed),
            LoanRepaymentReversed reversed => loan?.Apply(reversed),
            LoanTransferred transferred => loan?.Apply(transferred),
            _ => loan,
        });
}
