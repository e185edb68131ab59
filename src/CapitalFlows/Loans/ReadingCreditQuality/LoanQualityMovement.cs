using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Loans.ReadingCreditQuality;

/// <summary>What a row of <see cref="LoanQualityMovement"/> moves.</summary>
public static class LoanQualityKind
{
    /// <summary>The loan itself (1 where it stands, on <c>OnDate</c> its drawdown date): a locality holds the loans whose rows there add up to 1.</summary>
    public const short Held = 0;

    /// <summary>Principal of the instalments due on <c>OnDate</c> that is neither repaid nor written off.</summary>
    public const short Unpaid = 1;

    /// <summary>Principal written off by a write-off effective on <c>OnDate</c> that stands.</summary>
    public const short WrittenOff = 2;
}

/// <summary>
/// One change one loan event made to the loan's credit-quality figures at one locality: to the unpaid principal
/// falling due on a date, or to the standing write-offs of a date, with the event's two dates (effective and
/// recorded). Stored as a row of <see cref="LoanQualityMovementProjection"/>'s table.
/// <para>
/// The rows of an event are the loan's contributions after it less those before it (<see cref="Of"/>), so the rows
/// of a loan's events up to a date and an instant add up to the loan as it stood then: a loan's effective dates
/// never go backwards and its events are recorded in order, so "effective by D and recorded by K" is a prefix of its
/// stream. As of D the loan's outstanding principal is the sum of its <see cref="LoanQualityKind.Unpaid"/> rows, what
/// is overdue the sum of those due before D (<see cref="Scheduling.RepaymentSchedule.OverdueOn"/>), and a merge that
/// moves the loan moves every contribution from the old locality to the new one.
/// </para>
/// </summary>
public sealed record LoanQualityMovement(
    string Id,
    Guid LoanId,
    string Locality,
    string Programme,
    string EntrustedOrganisation,
    string BorrowerRef,
    short Kind,
    DateOnly OnDate,
    long AmountVnd,
    DateOnly EffectiveOn,
    DateTimeOffset RecordedAt)
{
    /// <summary>
    /// The one home of the rows' computation, for the inline projection and for any other path that writes the
    /// table (a bulk load, a rebuild): the loan after the event <paramref name="data"/> (<see cref="Loan.Fold"/> from
    /// <paramref name="before"/>, the loan folded over its earlier events, null before its drawdown) and the rows the
    /// event writes, each with the id <c>{eventId}:{n}</c>. Pure: no clock, no database.
    /// </summary>
    public static (Loan? After, IReadOnlyList<LoanQualityMovement> Rows) Of(Guid eventId, object data, Loan? before, DateTimeOffset recordedAt)
    {
        var after = Loan.Fold([data], before);
        return (after, Rows(eventId, data, before, after, recordedAt));
    }

    /// <summary>The rows of <see cref="Of"/> for a caller that has folded the loan already (a rebuild's folds).</summary>
    public static IReadOnlyList<LoanQualityMovement> Rows(Guid eventId, object data, Loan? before, Loan? after, DateTimeOffset recordedAt)
    {
        if (data is not ILedgerEvent ledgerEvent || (after ?? before) is not { } loan) return [];

        // The contributions before, negated, and after, in the rows' order: those of one key sit together and are summed.
        var changes = new List<Contribution>();
        AddContributions(changes, before, -1);
        AddContributions(changes, after, 1);
        changes.Sort(Contribution.Compare);

        var loanId = Guid.Parse(loan.Id);
        var rows = new List<LoanQualityMovement>();
        for (var i = 0; i < changes.Count;)
        {
            var key = changes[i];
            var amount = 0L;
            for (; i < changes.Count && Contribution.Compare(changes[i], key) == 0; i++) amount += changes[i].AmountVnd;
            if (amount == 0) continue;
            rows.Add(new LoanQualityMovement(
                $"{eventId}:{rows.Count}", loanId, key.Locality, loan.Programme, loan.EntrustedOrganisation, loan.BorrowerRef,
                key.Kind, key.On, amount, ledgerEvent.EffectiveOn, recordedAt));
        }
        return rows;
    }

    /// <summary>
    /// A loan's figures in a state, each with <paramref name="sign"/>, by locality, kind and date: the loan itself, its
    /// unpaid principal by due date (none once its drawdown is reversed) and its standing write-offs by their dates.
    /// </summary>
    private static void AddContributions(List<Contribution> changes, Loan? loan, int sign)
    {
        if (loan is null) return;
        changes.Add(new Contribution(loan.Locality, LoanQualityKind.Held, loan.DrawnOn, sign));
        if (loan.Status != LoanStatus.Reversed)
            foreach (var instalment in loan.Schedule)
                if (instalment.UnpaidVnd != 0)
                    changes.Add(new Contribution(loan.Locality, LoanQualityKind.Unpaid, instalment.DueOn, sign * instalment.UnpaidVnd));
        foreach (var writeOff in loan.WriteOffs)
            changes.Add(new Contribution(loan.Locality, LoanQualityKind.WrittenOff, writeOff.EffectiveOn, sign * writeOff.AmountVnd));
    }

    /// <summary>One figure of a loan at a locality, of a kind, on a date; ordered by those three, as the rows are.</summary>
    private readonly record struct Contribution(string Locality, short Kind, DateOnly On, long AmountVnd)
    {
        public static int Compare(Contribution a, Contribution b)
        {
            var byLocality = string.CompareOrdinal(a.Locality, b.Locality);
            if (byLocality != 0) return byLocality;
            return a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : a.On.CompareTo(b.On);
        }
    }
}
