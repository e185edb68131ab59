using MiniExcelLibs;
using MiniExcelLibs.Attributes;
using MiniExcelLibs.OpenXml;

namespace CapitalFlows.Reports;

/// <summary>
/// A report as an Excel workbook (MiniExcel): one sheet named as the report says, holding the sheet's rows
/// (<see cref="ReportSheet"/>) from A1, amounts as numbers shown with thousands separators, no table style and
/// no filter (the title rows above the headers would be caught in them).
/// </summary>
public static class XlsxReport
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static async Task<byte[]> RenderAsync(Report report, CancellationToken ct)
    {
        var columns = Enumerable.Range(0, ReportSheet.Width(report)).Select(ColumnName).ToList();
        var rows = ReportSheet.Rows(report)
            .Select(row => columns.Select((column, i) => (column, cell: i < row.Count ? row[i] : null))
                .ToDictionary(c => c.column, c => c.cell))
            .ToList();
        var configuration = new OpenXmlConfiguration
        {
            TableStyles = TableStyles.None,
            AutoFilter = false,
            DynamicColumns = [.. report.Columns
                .Select((c, i) => new DynamicExcelColumn(columns[i]) { Width = c.IsAmount ? 22 : i == 1 ? 48 : 14, Format = c.IsAmount ? "#,##0" : null })],
        };
        using var stream = new MemoryStream();
        await stream.SaveAsAsync(rows, printHeader: false, sheetName: report.SheetName, excelType: ExcelType.XLSX,
            configuration: configuration, cancellationToken: ct);
        return stream.ToArray();
    }

    /// <summary>A, B, ... Z (no report is wider).</summary>
    public static string ColumnName(int index) => ((char)('A' + index)).ToString();
}
