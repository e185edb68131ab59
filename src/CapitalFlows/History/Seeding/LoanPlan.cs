namespace CapitalFlows.History.Seeding;

/// <summary>
/// When a loan of the demo history is repaid: an instalment every 6 or 12 months (the principal spread evenly over
/// the term) and what is left at maturity. A due date that falls on a Sunday moves to the Monday. The plan counts
/// the repayments still due within the history (up to its last date), so the history knows how many events the
/// loans it has drawn will still append.
/// </summary>
public sealed class LoanPlan
{
    private LoanPlan(string loanId, long instalmentVnd, int intervalMonths, DateOnly nextDue, DateOnly maturity, int remainingDues)
    {
        LoanId = loanId;
        InstalmentVnd = instalmentVnd;
        IntervalMonths = intervalMonths;
        NextDue = nextDue;
        Maturity = maturity;
        RemainingDues = remainingDues;
    }

    public string LoanId { get; }

    public long InstalmentVnd { get; }

    public int IntervalMonths { get; }

    public DateOnly NextDue { get; private set; }

    /// <summary>The last due date: whatever is outstanding then is repaid in full.</summary>
    public DateOnly Maturity { get; private set; }

    /// <summary>Repayments still due on or before the history's last date.</summary>
    public int RemainingDues { get; private set; }

    /// <summary>Nothing more is due: the loan was repaid, or its drawdown reversed.</summary>
    public bool Ended { get; private set; }

    public bool IsFinal(DateOnly due) => due >= Maturity;

    public static LoanPlan For(string loanId, long principalVnd, int termMonths, int intervalMonths, DateOnly drawnOn, DateOnly lastDay)
    {
        var maturity = WorkingDay(drawnOn.AddMonths(termMonths));
        var first = Next(drawnOn, intervalMonths, maturity);
        var instalment = Math.Max(100_000, principalVnd * intervalMonths / termMonths / 100_000 * 100_000);
        return new LoanPlan(loanId, instalment, intervalMonths, first, maturity, DuesWithin(first, intervalMonths, maturity, lastDay));
    }

    /// <summary>How many repayments a plan starting at <paramref name="first"/> has due on or before <paramref name="lastDay"/>.</summary>
    public static int DuesWithin(DateOnly first, int intervalMonths, DateOnly maturity, DateOnly lastDay)
    {
        var count = 0;
        for (var due = first; due <= lastDay; due = Next(due, intervalMonths, maturity))
        {
            count++;
            if (due >= maturity) break;
        }
        return count;
    }

    /// <summary>The due at <see cref="NextDue"/> has come: it is no longer to come.</summary>
    public void Take() => RemainingDues--;

    /// <summary>Moves on to the next due; false when there is none within the history.</summary>
    public bool ScheduleNext(DateOnly lastDay)
    {
        if (IsFinal(NextDue)) return false;
        NextDue = Next(NextDue, IntervalMonths, Maturity);
        return NextDue <= lastDay;
    }

    /// <summary>Ends the plan; returns how many dues within the history it drops.</summary>
    public int End()
    {
        var dropped = Ended ? 0 : RemainingDues;
        Ended = true;
        RemainingDues = 0;
        return dropped;
    }

    /// <summary>A repaid loan whose last repayment was reversed owes again: one final due a month later.</summary>
    public bool Reopen(DateOnly today, DateOnly lastDay)
    {
        Maturity = NextDue = WorkingDay(today.AddMonths(1));
        Ended = false;
        RemainingDues = NextDue <= lastDay ? 1 : 0;
        return RemainingDues == 1;
    }

    private static DateOnly Next(DateOnly due, int intervalMonths, DateOnly maturity)
    {
        var next = WorkingDay(due.AddMonths(intervalMonths));
        return next >= maturity ? maturity : next;
    }

    private static DateOnly WorkingDay(DateOnly date) => date.DayOfWeek == DayOfWeek.Sunday ? date.AddDays(1) : date;
}
