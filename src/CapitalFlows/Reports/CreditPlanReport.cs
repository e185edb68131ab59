using CapitalFlows.Plans.ReadingPlans;

namespace CapitalFlows.Reports;

/// <summary>
/// <c>credit-plan</c>: the plans of a year against their actuals, one line per province open on the date, as
/// <c>GET /api/capital/plans?year=</c> answers them (every figure is the read's), then the national total: the
/// provinces' rows added up by the read's own rule for a total (<see cref="PlanFigures.Total"/>: the targets of
/// the provinces planned, the actuals of all, the percentage of the sums), and the same for local capital.
/// </summary>
public static class CreditPlanReport
{
    public const string Name = "credit-plan";

    private static readonly ReportColumn[] Columns =
    [
        new("code", "Mã"),
        new("name", "Tên đơn vị"),
        new("outstandingTargetVnd", "Kế hoạch dư nợ", IsAmount: true),
        new("outstandingActualVnd", "Dư nợ thực hiện", IsAmount: true),
        new("outstandingPct", "Tỷ lệ hoàn thành kế hoạch dư nợ (%)"),
        new("disbursementTargetVnd", "Kế hoạch doanh số cho vay", IsAmount: true),
        new("disbursementActualVnd", "Doanh số cho vay thực hiện", IsAmount: true),
        new("disbursementPct", "Tỷ lệ hoàn thành kế hoạch doanh số cho vay (%)"),
        new("localCapitalPlannedVnd", "Kế hoạch vốn ngân sách địa phương ủy thác", IsAmount: true),
        new("localCapitalEntrustedVnd", "Vốn ngân sách địa phương đã ủy thác", IsAmount: true),
        new("localCapitalPct", "Tỷ lệ hoàn thành kế hoạch vốn địa phương (%)"),
    ];

    /// <param name="plans">The read of <c>GET /api/capital/plans</c> (<see cref="GetProvincePlansEndpoint.ReadAsync"/>).</param>
    public static Report Build(ProvincePlans plans, DateTimeOffset knownAt)
    {
        var (outstanding, disbursement) = PlanFigures.Total(
            [.. plans.Provinces.Select(p => new ProgrammePlan(p.Locality, p.LocalityName, p.Outstanding, p.Disbursement))]);
        var planned = plans.Provinces.Where(p => p.LocalCapital.PlannedVnd is not null).ToList();
        var localCapital = LocalCapitalAchievement.Of(
            planned.Count == 0 ? null : planned.Sum(p => p.LocalCapital.PlannedVnd!.Value),
            plans.Provinces.Aggregate(Int128.Zero, (sum, p) => sum + p.LocalCapital.EntrustedVnd));
        var rows = plans.Provinces
            .Select(p => Row(ReportRow.Line, p.Locality, p.LocalityName, p.Outstanding, p.Disbursement, p.LocalCapital))
            .Append(Row(ReportRow.Total, null, CapitalReports.TotalLabel, outstanding, disbursement, localCapital))
            .ToList();
        return new Report(Name, $"BÁO CÁO THỰC HIỆN KẾ HOẠCH TÍN DỤNG NĂM {plans.Year}", "Kế hoạch tín dụng",
            plans.AsOf, knownAt, null, Columns, rows);
    }

    private static ReportRow Row(
        string kind, string? code, string name, Achievement outstanding, Achievement disbursement, LocalCapitalAchievement localCapital) =>
        new(kind,
        [
            code, name,
            outstanding.TargetVnd, (long)outstanding.ActualVnd, outstanding.Pct,
            disbursement.TargetVnd, (long)disbursement.ActualVnd, disbursement.Pct,
            localCapital.PlannedVnd, (long)localCapital.EntrustedVnd, localCapital.Pct,
        ]);
}
