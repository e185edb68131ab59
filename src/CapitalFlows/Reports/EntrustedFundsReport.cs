using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingEntrustedFunds;

namespace CapitalFlows.Reports;

/// <summary>
/// <c>entrusted-funds</c>: one People's Committee's statement of the local budget it entrusted, programme by
/// year. Each year lists its programmes (the statement for that year: flows in the year, balances at its end),
/// then the year's subtotal (the statement's row for the year); the total is the statement over every year
/// (flows to <c>asOf</c>, balances at <c>asOf</c>). Every figure is the statement's (<see cref="EntrustedFundsStatement"/>).
/// </summary>
public static class EntrustedFundsReport
{
    public const string Name = "entrusted-funds";

    private static readonly ReportColumn[] Columns =
    [
        new("year", "Năm"),
        new("programme", "Mã chương trình"),
        new("programmeName", "Tên chương trình"),
        new("entrustedVnd", "Vốn ngân sách địa phương ủy thác", IsAmount: true),
        new("lentVnd", "Doanh số cho vay", IsAmount: true),
        new("repaidVnd", "Doanh số thu nợ", IsAmount: true),
        new("outstandingVnd", "Dư nợ cuối kỳ", IsAmount: true),
        new("availableVnd", "Nguồn vốn còn lại cuối kỳ", IsAmount: true),
    ];

    /// <param name="events">The statement's events (<see cref="GetEntrustedFundsEndpoint.EventsAsync"/>).</param>
    public static Report Build(
        string locality, string localityName, DateOnly asOf, DateTimeOffset knownAt, IReadOnlyList<StreamEvent> events,
        Func<string, string> programmeName)
    {
        var whole = EntrustedFundsStatement.From(locality, localityName, asOf, null, events, programmeName);
        var rows = new List<ReportRow>();
        foreach (var year in whole.ByYear)
        {
            var statement = EntrustedFundsStatement.From(locality, localityName, asOf, year.Year, events, programmeName);
            rows.AddRange(statement.ByProgramme
                .Where(p => p is not { EntrustedVnd: 0, LentVnd: 0, RepaidVnd: 0, OutstandingVnd: 0, AvailableVnd: 0 })
                .Select(p => new ReportRow(ReportRow.Line,
                    [year.Year, p.Programme, p.ProgrammeName, p.EntrustedVnd, p.LentVnd, p.RepaidVnd, p.OutstandingVnd, p.AvailableVnd])));
            rows.Add(new ReportRow(ReportRow.Subtotal,
                [year.Year, null, $"Cộng năm {year.Year}", year.EntrustedInYearVnd, year.LentInYearVnd, year.RepaidInYearVnd,
                    year.OutstandingAtYearEndVnd, year.AvailableAtYearEndVnd]));
        }
        rows.Add(new ReportRow(ReportRow.Total,
            [null, null, CapitalReports.TotalLabel, whole.EntrustedVnd, whole.LentVnd, whole.RepaidVnd, whole.OutstandingVnd, whole.AvailableVnd]));
        return new Report(Name, "BÁO CÁO NGUỒN VỐN NGÂN SÁCH ĐỊA PHƯƠNG ỦY THÁC QUA NGÂN HÀNG CHÍNH SÁCH XÃ HỘI",
            "Vốn ủy thác địa phương", asOf, knownAt, new ReportSubject(locality, localityName), Columns, rows);
    }
}
