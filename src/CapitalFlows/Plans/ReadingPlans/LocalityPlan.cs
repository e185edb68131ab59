namespace CapitalFlows.Plans.ReadingPlans;

/// <summary>A locality's plans for a year against its actuals (API.md, Plans and credit quality).</summary>
public sealed record LocalityPlan(
    string Locality, string LocalityName, int Year, DateOnly AsOf, DateTimeOffset? KnownAt,
    IReadOnlyList<ProgrammePlan> Programmes, PlanTotal Total, LocalCapitalAchievement LocalCapital);

/// <summary>Every programme together.</summary>
public sealed record PlanTotal(Achievement Outstanding, Achievement Disbursement);

/// <summary>One province's row of <c>GET /api/capital/plans</c>.</summary>
public sealed record ProvincePlan(string Locality, string LocalityName, Achievement Outstanding, Achievement Disbursement, LocalCapitalAchievement LocalCapital);

/// <summary>Every province's plans for a year against its actuals.</summary>
public sealed record ProvincePlans(int Year, DateOnly AsOf, DateTimeOffset? KnownAt, IReadOnlyList<ProvincePlan> Provinces);
