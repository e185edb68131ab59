namespace CapitalFlows.Loans.Scheduling;

/// <summary>
/// A loan's repayment schedule as a pure function of its drawdown and what happened to it since (API.md, second
/// edition): the principal falls due in equal instalments, the remainder in the last, on the drawdown date plus each
/// period, the last at maturity (a 15-month loan every 6 months: at 6, 12 and 15 months). Repayments and write-offs
/// settle the earliest unpaid instalment first; an extension moves every unpaid instalment later.
/// </summary>
public static class RepaymentSchedule
{
    /// <summary>Every 6 months unless the drawdown says otherwise.</summary>
    public const int DefaultEveryMonths = 6;

    /// <summary>A loan of at most this many months repays at maturity unless the drawdown says otherwise.</summary>
    public const int RepaidAtMaturityUpToMonths = 12;

    /// <summary>The period a loan repays by: as asked, or the default for its term (loans drawn before schedules existed included).</summary>
    public static int EveryMonths(int termMonths, int? asked) =>
        asked ?? (termMonths <= RepaidAtMaturityUpToMonths ? termMonths : DefaultEveryMonths);

    public static IReadOnlyList<Instalment> Of(DateOnly drawnOn, int termMonths, int everyMonths, long principalVnd)
    {
        var count = (termMonths + everyMonths - 1) / everyMonths;
        var each = principalVnd / count;
        return Enumerable.Range(1, count)
            .Select(k => new Instalment(
                drawnOn.AddMonths(k == count ? termMonths : k * everyMonths),
                k == count ? principalVnd - (each * (count - 1)) : each))
            .ToList();
    }

    /// <summary>Principal of the instalments due before <paramref name="date"/> that is neither repaid nor written off.</summary>
    public static long OverdueOn(IReadOnlyList<Instalment> schedule, DateOnly date)
    {
        // A plain loop: the demo history sums this over every troubled loan each simulated day.
        long overdue = 0;
        for (var i = 0; i < schedule.Count; i++)
            if (schedule[i].DueOn < date) overdue += schedule[i].UnpaidVnd;
        return overdue;
    }

    /// <summary>A repayment, earliest unpaid instalment first.</summary>
    public static IReadOnlyList<Instalment> Repay(IReadOnlyList<Instalment> schedule, long amountVnd) =>
        Settle(schedule, amountVnd, (i, part) => i with { PaidVnd = i.PaidVnd + part });

    /// <summary>A write-off, earliest unpaid instalment first (what is overdue is what is lost first).</summary>
    public static IReadOnlyList<Instalment> WriteOff(IReadOnlyList<Instalment> schedule, long amountVnd) =>
        Settle(schedule, amountVnd, (i, part) => i with { WrittenOffVnd = i.WrittenOffVnd + part });

    /// <summary>The reversal of the latest repayment: what it settled was the tail of what is settled.</summary>
    public static IReadOnlyList<Instalment> UndoRepayment(IReadOnlyList<Instalment> schedule, long amountVnd) =>
        Unsettle(schedule, amountVnd, i => i.PaidVnd, (i, part) => i with { PaidVnd = i.PaidVnd - part });

    public static IReadOnlyList<Instalment> UndoWriteOff(IReadOnlyList<Instalment> schedule, long amountVnd) =>
        Unsettle(schedule, amountVnd, i => i.WrittenOffVnd, (i, part) => i with { WrittenOffVnd = i.WrittenOffVnd - part });

    /// <summary>Every instalment not yet settled moves later by <paramref name="months"/> (earlier, to undo an extension).</summary>
    public static IReadOnlyList<Instalment> Extend(IReadOnlyList<Instalment> schedule, int months) =>
        schedule.Select(i => i.UnpaidVnd > 0 ? i with { ExtendedMonths = i.ExtendedMonths + months } : i).ToList();

    private static List<Instalment> Settle(IReadOnlyList<Instalment> schedule, long amountVnd, Func<Instalment, long, Instalment> settle)
    {
        var left = amountVnd;
        var result = new List<Instalment>(schedule.Count);
        foreach (var instalment in schedule)
        {
            var part = Math.Min(left, instalment.UnpaidVnd);
            result.Add(part > 0 ? settle(instalment, part) : instalment);
            left -= part;
        }
        return result;
    }

    private static List<Instalment> Unsettle(
        IReadOnlyList<Instalment> schedule, long amountVnd, Func<Instalment, long> settled, Func<Instalment, long, Instalment> unsettle)
    {
        var left = amountVnd;
        var result = schedule.ToList();
        for (var i = result.Count - 1; i >= 0 && left > 0; i--)
        {
            var part = Math.Min(left, settled(result[i]));
            if (part == 0) continue;
            result[i] = unsettle(result[i], part);
            left -= part;
        }
        return result;
    }
}
