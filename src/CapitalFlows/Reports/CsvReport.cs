using System.Globalization;
using System.Text;
using CapitalFlows.Api;

namespace CapitalFlows.Reports;

/// <summary>
/// A report as a CSV file a spreadsheet opens as the workbook shows it: UTF-8 with a byte-order mark (so that
/// Vietnamese reads right), the sheet's rows (<see cref="ReportSheet"/>) each as wide as the report, CRLF line
/// ends, amounts as plain integers, and text made safe (<see cref="SpreadsheetText"/>).
/// </summary>
public static class CsvReport
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static byte[] Render(Report report)
    {
        var width = ReportSheet.Width(report);
        var text = new StringBuilder();
        foreach (var row in ReportSheet.Rows(report))
        {
            text.AppendJoin(',', Enumerable.Range(0, width).Select(i => Field(i < row.Count ? row[i] : null)));
            text.Append("\r\n");
        }
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    private static string Field(object? cell) => cell switch
    {
        null => "",
        long or int => Convert.ToString(cell, CultureInfo.InvariantCulture)!,
        _ => SpreadsheetText.CsvField(Convert.ToString(cell, CultureInfo.InvariantCulture) ?? ""),
    };
}
