namespace CapitalFlows.Reports;

/// <summary>
/// A report as JSON: what it is and when it was read, its columns (key and Vietnamese header), and its rows in
/// order, each <c>{ kind, &lt;column key&gt;: value, ... }</c> with the same values the workbook's cells hold.
/// </summary>
public sealed record JsonReport(
    string Report, string Title, string Sheet, DateOnly AsOf, DateTimeOffset KnownAt, string? Locality, string? LocalityName,
    string Unit, IReadOnlyList<ReportColumn> Columns, IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows)
{
    public static JsonReport Render(Report report) => new(
        report.Name, report.Title, report.SheetName, report.AsOf, report.KnownAt, report.Subject?.Locality, report.Subject?.LocalityName,
        Reports.Report.Unit, report.Columns,
        [.. report.Rows.Select(row => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>(
            report.Columns.Select((c, i) => KeyValuePair.Create(c.Key, row.Cells[i])).Prepend(KeyValuePair.Create("kind", (object?)row.Kind))))]);
}
