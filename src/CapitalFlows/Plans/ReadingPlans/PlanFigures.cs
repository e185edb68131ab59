using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Reading;

namespace CapitalFlows.Plans.ReadingPlans;

/// <summary>A target beside its actual, and the percentage of the target achieved (null without a target, or with a target of zero).</summary>
public sealed record Achievement(long? TargetVnd, Int128 ActualVnd, double? Pct)
{
    public static Achievement Of(long? targetVnd, Int128 actualVnd) =>
        new(targetVnd, actualVnd, targetVnd is > 0 ? Math.Round((double)actualVnd * 100 / targetVnd.Value, 1) : null);
}

/// <summary>One programme's plan against its actuals: loans outstanding, and new lending in the year.</summary>
public sealed record ProgrammePlan(string Programme, string ProgrammeName, Achievement Outstanding, Achievement Disbursement);

/// <summary>What a province's People's Committee planned to entrust in the year, what it entrusted (net of reversals), and the percentage.</summary>
public sealed record LocalCapitalAchievement(long? PlannedVnd, Int128 EntrustedVnd, double? Pct)
{
    public static LocalCapitalAchievement Of(long? plannedVnd, Int128 entrustedVnd) =>
        new(plannedVnd, entrustedVnd, plannedVnd is > 0 ? Math.Round((double)entrustedVnd * 100 / plannedVnd.Value, 1) : null);
}

/// <summary>
/// The actuals of a subtree, from its funds as of the reading's date and as of the end of the previous year (both
/// known at the same instant): outstanding is lent less repaid on the date; new lending is what was lent between
/// the two dates (net of reversed drawdowns); local capital entrusted is the locality's own local-budget inflows
/// between them, net of reversed inflows. Merges move lent principal between funds, so both readings take the
/// subtree with every locality merged into it: the moves cancel out.
/// </summary>
public static class PlanFigures
{
    public static IReadOnlyList<ProgrammePlan> ByProgramme(
        IReadOnlyList<Fund> atDate, IReadOnlyList<Fund> atYearStart, IReadOnlyDictionary<string, CreditPlan> plans, Func<string, string> nameOf)
    {
        var programmes = plans.Keys
            .Concat(atDate.Where(f => f.LentVnd != 0 || f.RepaidVnd != 0).Select(f => f.Programme))
            .Concat(atYearStart.Where(f => f.LentVnd != 0).Select(f => f.Programme))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return programmes
            .Select(p =>
            {
                var plan = plans.GetValueOrDefault(p);
                var outstanding = atDate.Where(f => f.Programme == p).SumVnd(f => f.LoansOutstandingVnd);
                var lent = atDate.Where(f => f.Programme == p).SumVnd(f => f.LentVnd) - atYearStart.Where(f => f.Programme == p).SumVnd(f => f.LentVnd);
                return new ProgrammePlan(p, nameOf(p), Achievement.Of(plan?.OutstandingTargetVnd, outstanding), Achievement.Of(plan?.DisbursementTargetVnd, lent));
            })
            .ToList();
    }

    /// <summary>Every programme together: the targets of the programmes planned, the actuals of all.</summary>
    public static (Achievement Outstanding, Achievement Disbursement) Total(IReadOnlyList<ProgrammePlan> rows)
    {
        var planned = rows.Where(r => r.Outstanding.TargetVnd is not null).ToList();
        long? Target(Func<ProgrammePlan, long?> of) => planned.Count == 0 ? null : planned.Sum(r => of(r)!.Value);
        return (Achievement.Of(Target(r => r.Outstanding.TargetVnd), rows.SumVnd(r => r.Outstanding.ActualVnd)),
                Achievement.Of(Target(r => r.Disbursement.TargetVnd), rows.SumVnd(r => r.Disbursement.ActualVnd)));
    }

    public static Int128 LocalBudgetEntrusted(string locality, IReadOnlyList<Fund> atDate, IReadOnlyList<Fund> atYearStart) =>
        NetInflows(locality, atDate) - NetInflows(locality, atYearStart);

    private static Int128 NetInflows(string locality, IReadOnlyList<Fund> funds) =>
        funds.Where(f => f.Locality == locality && f.Source == Sources.LocalBudget).SumVnd(f => (Int128)f.InflowsVnd - f.InflowsReversedVnd);
}
