using CapitalFlows.National.ComparingCapital;

namespace CapitalFlows.Reports;

/// <summary>
/// The capital reports, <c>capital-by-province</c> and <c>capital-by-programme</c>: the comparison table of
/// <c>GET /api/capital/compare</c> for the one date asked, with <c>structure=current</c> (today's 34 provinces,
/// a merged province's capital counted under its successor), laid out as the bank's sheets. Nothing is summed
/// here: every figure is a cell of the comparison, and the national total is its total, the summary's <c>totalVnd</c>.
/// </summary>
public static class CapitalReports
{
    public const string ByProvince = "capital-by-province";
    public const string ByProgramme = "capital-by-programme";

    public const string TotalLabel = "Tổng cộng";
    public const string HeldNationallyLabel = "Hội sở chính giữ (chưa phân bổ về tỉnh, thành phố)";

    private static readonly ReportColumn[] Figures =
    [
        new("availableVnd", "Nguồn vốn còn lại", IsAmount: true),
        new("loansOutstandingVnd", "Dư nợ cho vay", IsAmount: true),
        new("totalVnd", "Tổng nguồn vốn", IsAmount: true),
    ];

    /// <summary>34 province lines, what the nation holds itself (code <c>VN</c>), and the national total.</summary>
    /// <param name="comparison">The comparison by province for one date, <c>structure=current</c>.</param>
    public static Report Provinces(CapitalComparison comparison, DateTimeOffset knownAt)
    {
        var rows = comparison.Rows
            .Select(r => Row(ReportRow.Line, r.Code, r.LocalityName ?? r.Name, r.Values[0]))
            .Append(Row(ReportRow.Line, "VN", HeldNationallyLabel, comparison.HeldNationally?[0]))
            .Append(Row(ReportRow.Total, null, TotalLabel, comparison.Totals[0]))
            .ToList();
        return new Report(ByProvince, "BÁO CÁO NGUỒN VỐN THEO TỈNH, THÀNH PHỐ", "Nguồn vốn theo tỉnh",
            comparison.Dates[0], knownAt, null, [new("code", "Mã"), new("name", "Tên đơn vị"), .. Figures], rows);
    }

    /// <summary>A line per programme (its Vietnamese name) and the national total.</summary>
    /// <param name="comparison">The comparison by programme for one date.</param>
    public static Report Programmes(CapitalComparison comparison, DateTimeOffset knownAt)
    {
        var rows = comparison.Rows
            .Select(r => Row(ReportRow.Line, r.Code, r.ProgrammeName ?? r.Name, r.Values[0]))
            .Append(Row(ReportRow.Total, null, TotalLabel, comparison.Totals[0]))
            .ToList();
        return new Report(ByProgramme, "BÁO CÁO NGUỒN VỐN THEO CHƯƠNG TRÌNH TÍN DỤNG", "Nguồn vốn theo chương trình",
            comparison.Dates[0], knownAt, null, [new("code", "Mã"), new("name", "Tên chương trình"), .. Figures], rows);
    }

    private static ReportRow Row(string kind, string? code, string? name, ComparisonCell? cell) =>
        new(kind, [code, name, cell?.AvailableVnd ?? 0L, cell?.LoansOutstandingVnd ?? 0L, cell?.TotalVnd ?? 0L]);
}
