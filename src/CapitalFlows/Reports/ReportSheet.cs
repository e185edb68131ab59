using System.Globalization;

namespace CapitalFlows.Reports;

/// <summary>
/// A report laid out as the bank's spreadsheets are, row by row, so that the workbook and the CSV file show the
/// same cells: the title, the date the figures are as of, the instant they are as known at (in Vietnam's time),
/// the locality when the report is for one, the unit ("Đơn vị: đồng"), a blank row, the column headers, then
/// the report's rows. Amounts stay numbers; everything else is text.
/// </summary>
public static class ReportSheet
{
    public const string AsOfLabel = "Số liệu đến hết ngày";
    public const string KnownAtLabel = "Theo số liệu ghi nhận đến";
    public const string SubjectLabel = "Đơn vị báo cáo";
    public const string UnitLine = "Đơn vị: " + Report.Unit;

    private static readonly TimeSpan VietnamOffset = TimeSpan.FromHours(7);

    /// <summary>The rows of the sheet; each row as wide as it needs (at most the report's columns).</summary>
    public static IEnumerable<IReadOnlyList<object?>> Rows(Report report)
    {
        yield return [report.Title];
        yield return [AsOfLabel, report.AsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)];
        yield return [KnownAtLabel, Instant(report.KnownAt)];
        if (report.Subject is { } subject) yield return [SubjectLabel, $"{subject.LocalityName} ({subject.Locality})"];
        yield return [UnitLine];
        yield return [];
        yield return report.Columns.Select(c => (object?)c.Header).ToList();
        foreach (var row in report.Rows) yield return row.Cells;
    }

    /// <summary>How many columns the sheet uses: the report's, and at least the two of the dated lines.</summary>
    public static int Width(Report report) => Math.Max(report.Columns.Count, 2);

    /// <summary>An instant in Vietnam's time with its offset, to the second (<c>2026-01-02T08:30:00+07:00</c>).</summary>
    public static string Instant(DateTimeOffset instant) =>
        instant.ToOffset(VietnamOffset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
