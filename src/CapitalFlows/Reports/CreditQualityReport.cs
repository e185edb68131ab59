using CapitalFlows.Loans.ReadingCreditQuality;

namespace CapitalFlows.Reports;

/// <summary>
/// <c>credit-quality</c>: a locality's credit quality by child (the nation's: by province), as
/// <c>GET /api/localities/{code}/credit-quality?by=child</c> answers it, a line per row of the read (the
/// locality's own loans under its own code), then the locality's total, the read's figures for the whole subtree.
/// </summary>
public static class CreditQualityReport
{
    public const string Name = "credit-quality";

    private static readonly ReportColumn[] Columns =
    [
        new("code", "Mã"),
        new("name", "Tên đơn vị"),
        new("outstandingVnd", "Dư nợ", IsAmount: true),
        new("overdueVnd", "Nợ quá hạn", IsAmount: true),
        new("overdueRatio", "Tỷ lệ nợ quá hạn"),
        new("loansOutstanding", "Số món vay còn dư nợ"),
        new("loansOverdue", "Số món vay quá hạn"),
        new("borrowersOutstanding", "Số khách hàng còn dư nợ"),
        new("writtenOffVnd", "Nợ đã xử lý rủi ro trong năm", IsAmount: true),
    ];

    /// <param name="quality">The read by child (<see cref="GetCreditQualityEndpoint.ReadAsync"/>).</param>
    public static Report Build(CreditQualityView quality, DateTimeOffset knownAt)
    {
        var rows = quality.Rows
            .Select(r => new ReportRow(ReportRow.Line,
                [r.Key, r.Name, r.OutstandingVnd, r.OverdueVnd, r.OverdueRatio, r.LoansOutstanding, r.LoansOverdue, r.BorrowersOutstanding, r.WrittenOffVnd]))
            .Append(new ReportRow(ReportRow.Total,
                [null, CapitalReports.TotalLabel, quality.OutstandingVnd, quality.OverdueVnd, quality.OverdueRatio, quality.LoansOutstanding,
                    quality.LoansOverdue, quality.BorrowersOutstanding, quality.WrittenOffVnd]))
            .ToList();
        return new Report(Name, "BÁO CÁO CHẤT LƯỢNG TÍN DỤNG", "Chất lượng tín dụng", quality.AsOf, knownAt,
            new ReportSubject(quality.Locality, quality.LocalityName), Columns, rows);
    }
}
