using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Loans.Scheduling;

namespace CapitalFlows.Loans;

// The events of a loan's stream (keyed by the loan id).
public sealed record LoanDrawnDown(
    Guid LoanId, string Locality, string Source, string Programme, long AmountVnd, string BorrowerRef,
    string EntrustedOrganisation, string? SavingsGroup, int TermMonths, DateOnly EffectiveOn) : ILedgerEvent
{
    /// <summary>The repayment period the drawdown asked for; null (and every loan drawn before schedules existed): the default for its term.</summary>
    public int? RepaymentEveryMonths { get; init; }
}

/// <summary>A repayment of principal; <c>RepaymentId</c> is the command id that recorded it.</summary>
public sealed record LoanRepaid(Guid LoanId, Guid RepaymentId, long AmountVnd, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record LoanDrawdownReversed(Guid LoanId, Guid ReversedCommandId, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record LoanRepaymentReversed(Guid LoanId, Guid RepaymentId, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>Unpaid instalments and the maturity moved later by <c>Months</c>; <c>ExtensionId</c> is the command id that recorded it.</summary>
public sealed record LoanExtended(Guid LoanId, Guid ExtensionId, int Months, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record LoanExtensionReversed(Guid LoanId, Guid ExtensionId, int Months, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>Unrecoverable principal removed from the books (xóa nợ); the loss falls on the loan's source.</summary>
public sealed record LoanWrittenOff(Guid LoanId, Guid WriteOffId, long AmountVnd, string Cause, string DecisionRef, DateOnly EffectiveOn) : ILedgerEvent;

public sealed record LoanWriteOffReversed(Guid LoanId, Guid WriteOffId, long AmountVnd, string Reason, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>A merge moved the loan from its closing locality to the successor: from then on it repays into the successor's fund.</summary>
public sealed record LoanTransferred(Guid LoanId, string From, string To, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>A write-off of the loan that stands (not reversed).</summary>
public sealed record StandingWriteOff(Guid WriteOffId, long AmountVnd, DateOnly EffectiveOn);

public static class LoanStatus
{
    public const string Active = "active";
    public const string Repaid = "repaid";
    public const string Reversed = "reversed";
    public const string WrittenOff = "written-off";
}

/// <summary>
/// A loan's state: the write model of its stream and the inline snapshot that <c>GET /api/loans/{id}</c> reads.
/// <c>Repayments</c> lists the repayments that stand (not reversed), oldest first; <c>Movements</c> every standing
/// repayment, extension and write-off, oldest first (only the latest may be reversed). <c>Schedule</c> is a pure
/// function of the drawdown and those movements (<see cref="RepaymentSchedule"/>).
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

    public int RepaymentEveryMonths { get; init; }

    public long WrittenOffVnd { get; init; }

    /// <summary>The months all standing extensions moved the loan by (at most its term).</summary>
    public int ExtendedMonths { get; init; }

    public IReadOnlyList<Guid> Movements { get; init; } = [];

    /// <summary>The write-offs that stand, with their dates (credit quality counts those of a year).</summary>
    public IReadOnlyList<StandingWriteOff> WriteOffs { get; init; } = [];

    public IReadOnlyList<Instalment> Schedule { get; init; } = [];

    public DateOnly MaturityOn => DrawnOn.AddMonths(TermMonths).AddMonths(ExtendedMonths);

    public long OutstandingVnd => Status == LoanStatus.Reversed ? 0 : PrincipalVnd - RepaidVnd - WrittenOffVnd;

    /// <summary>Principal due before <paramref name="date"/> and not repaid (nor written off) in this state: read it on the state folded to that date.</summary>
    public long OverdueOn(DateOnly date) => Status == LoanStatus.Reversed ? 0 : RepaymentSchedule.OverdueOn(Schedule, date);

    private string StatusAfter(long repaidVnd, long writtenOffVnd) =>
        repaidVnd + writtenOffVnd < PrincipalVnd ? LoanStatus.Active
        : writtenOffVnd > 0 ? LoanStatus.WrittenOff
        : LoanStatus.Repaid;

    private static Loan Create(LoanDrawnDown e)
    {
        var every = RepaymentSchedule.EveryMonths(e.TermMonths, e.RepaymentEveryMonths);
        return new Loan
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
            RepaymentEveryMonths = every,
            Schedule = RepaymentSchedule.Of(e.EffectiveOn, e.TermMonths, every, e.AmountVnd),
        };
    }

    private Loan Apply(LoanRepaid e) => this with
    {
        RepaidVnd = RepaidVnd + e.AmountVnd,
        Repayments = [.. Repayments, e.RepaymentId],
        Movements = [.. Movements, e.RepaymentId],
        Schedule = RepaymentSchedule.Repay(Schedule, e.AmountVnd),
        Status = StatusAfter(RepaidVnd + e.AmountVnd, WrittenOffVnd),
        LastMovementOn = e.EffectiveOn,
    };

    private Loan Apply(LoanExtended e) => this with
    {
        ExtendedMonths = ExtendedMonths + e.Months,
        Movements = [.. Movements, e.ExtensionId],
        Schedule = RepaymentSchedule.Extend(Schedule, e.Months),
        LastMovementOn = e.EffectiveOn,
    };

    private Loan Apply(LoanExtensionReversed e) => this with
    {
        ExtendedMonths = ExtendedMonths - e.Months,
        Movements = Movements.Where(m => m != e.ExtensionId).ToList(),
        Schedule = RepaymentSchedule.Extend(Schedule, -e.Months),
        LastMovementOn = e.EffectiveOn,
    };

    private Loan Apply(LoanWrittenOff e) => this with
    {
        WrittenOffVnd = WrittenOffVnd + e.AmountVnd,
        Movements = [.. Movements, e.WriteOffId],
        WriteOffs = [.. WriteOffs, new StandingWriteOff(e.WriteOffId, e.AmountVnd, e.EffectiveOn)],
        Schedule = RepaymentSchedule.WriteOff(Schedule, e.AmountVnd),
        Status = StatusAfter(RepaidVnd, WrittenOffVnd + e.AmountVnd),
        LastMovementOn = e.EffectiveOn,
    };

    private Loan Apply(LoanWriteOffReversed e) => this with
    {
        WrittenOffVnd = WrittenOffVnd - e.AmountVnd,
        Movements = Movements.Where(m => m != e.WriteOffId).ToList(),
        WriteOffs = WriteOffs.Where(w => w.WriteOffId != e.WriteOffId).ToList(),
        Schedule = RepaymentSchedule.UndoWriteOff(Schedule, e.AmountVnd),
        Status = StatusAfter(RepaidVnd, WrittenOffVnd - e.AmountVnd),
        LastMovementOn = e.EffectiveOn,
    };

    private Loan Apply(LoanDrawdownReversed e) => this with { Status = LoanStatus.Reversed, LastMovementOn = e.EffectiveOn };

    private Loan Apply(LoanRepaymentReversed e) => this with
    {
        RepaidVnd = RepaidVnd - e.AmountVnd,
        Repayments = Repayments.Where(r => r != e.RepaymentId).ToList(),
        Movements = Movements.Where(m => m != e.RepaymentId).ToList(),
        Schedule = RepaymentSchedule.UndoRepayment(Schedule, e.AmountVnd),
        Status = StatusAfter(RepaidVnd - e.AmountVnd, WrittenOffVnd),
        LastMovementOn = e.EffectiveOn,
    };

    private Loan Apply(LoanTransferred e) => this with { Locality = e.To, LastMovementOn = e.EffectiveOn };

    /// <summary>
    /// The one fold of a loan's stream: the loan after one more event, from a loan not yet drawn down
    /// (<c>new Loan()</c>) or from its state already folded. Marten's inline snapshot calls it (a self-aggregating
    /// <c>Evolve</c>: its switch below is also the list of events the snapshot reads), and so do the decisions' state,
    /// the group commit, a command's answer, the as-of reads, the credit-quality rows, the demo history and a rebuild.
    /// An event that is not a loan's, a first event that does not draw the loan down, or a drawdown of a loan already
    /// drawn is an error, never skipped.
    /// </summary>
    public Loan Evolve(object @event) => @event switch
    {
        LoanDrawnDown e when !IsDrawnDown => Create(e),
        LoanRepaid e when IsDrawnDown => Apply(e),
        LoanDrawdownReversed e when IsDrawnDown => Apply(e),
        LoanRepaymentReversed e when IsDrawnDown => Apply(e),
        LoanTransferred e when IsDrawnDown => Apply(e),
        LoanExtended e when IsDrawnDown => Apply(e),
        LoanExtensionReversed e when IsDrawnDown => Apply(e),
        LoanWrittenOff e when IsDrawnDown => Apply(e),
        LoanWriteOffReversed e when IsDrawnDown => Apply(e),
        _ => throw new EventNotFoldedException(@event, IsDrawnDown ? $"loan {Id}" : "a new loan"),
    };

    /// <summary>
    /// The loan after <paramref name="events"/> with <see cref="Evolve"/>, from <paramref name="start"/> (a state already
    /// folded) or from nothing; null when there is neither a start nor an event (a loan not drawn by then).
    /// </summary>
    public static Loan? Fold(IEnumerable<object> events, Loan? start = null) =>
        events.Aggregate(start, (loan, e) => (loan ?? new Loan()).Evolve(e));

    /// <summary>A loan exists from its drawdown (a blank <c>new Loan()</c> is where its stream starts).</summary>
    private bool IsDrawnDown => DrawnOn != default;
}
