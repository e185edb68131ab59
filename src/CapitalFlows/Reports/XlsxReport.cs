using System.Globalization;
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

    public static byte[] Render(Report report)
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
            // The title, the dates, the unit and the headers stay in view while the rows scroll.
            FreezeRowCount = rows.Count - report.Rows.Count,
            DynamicColumns = [.. report.Columns
                .Select((c, i) => new DynamicExcelColumn(columns[i]) { Width = Width(report, i), Format = c.IsAmount ? "#,##0" : null })],
        };
        // The synchronous writer, into memory: MiniExcel 1.47.1's SaveAsAsync writes the sheet's drawing element
        // inside sheetData, which is not valid SpreadsheetML (Excel offers to repair the file).
        using var stream = new MemoryStream();
        stream.SaveAs(rows, printHeader: false, sheetName: report.SheetName, excelType: ExcelType.XLSX, configuration: configuration);
        return stream.ToArray();
    }

    /// <summary>Wide enough for the column's header and its longest cell (amounts with their separators), within reason.</summary>
    private static int Width(Report report, int column)
    {
        var longest = report.Rows
            .Select(r => r.Cells[column] switch
            {
                long amount => amount.ToString("#,##0", CultureInfo.InvariantCulture),
                var cell => Convert.ToString(cell, CultureInfo.InvariantCulture) ?? "",
            })
            .Append(report.Columns[column].Header)
            .Max(text => text.Length);
        return Math.Clamp(longest + 2, 8, 60);
    }

    /// <summary>A, B, ... Z (no report is wider).</summary>
    public static string ColumnName(int index) => ((char)('A' + index)).ToString();
}
