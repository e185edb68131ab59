namespace CapitalFlows.Reports;

/// <summary>
/// One of the bank's reports as data, before any format: its name in the route, its title and sheet name in
/// Vietnamese, the dates it was read at, the unit it reports in (then a line naming who it is for, when it is
/// for one locality), its columns and its rows in order (lines, subtotals, totals). <see cref="XlsxReport"/>,
/// <see cref="CsvReport"/> and <see cref="JsonReport"/> each render any report; the report builders only say
/// what goes in it, from the same reads the API answers.
/// </summary>
/// <param name="KnownAt">The instant the figures are as known at: the <c>knownAt</c> asked, or the moment the report was read.</param>
public sealed record Report(
    string Name, string Title, string SheetName, DateOnly AsOf, DateTimeOffset KnownAt, ReportSubject? Subject,
    IReadOnlyList<ReportColumn> Columns, IReadOnlyList<ReportRow> Rows)
{
    /// <summary>Every amount is in whole đồng.</summary>
    public const string Unit = "đồng";
}

/// <summary>The locality a report is about (the entrusted-funds report's People's Committee).</summary>
public sealed record ReportSubject(string Locality, string LocalityName);

/// <summary>A column: its key in JSON (camelCase, as the API names the figure), its Vietnamese header, and whether it holds đồng.</summary>
public sealed record ReportColumn(string Key, string Header, bool IsAmount = false);

/// <summary>
/// A row: one cell per column (text, a year or an amount; null where the row has nothing), and its kind:
/// a line of the report, a subtotal of the lines above it, or a total.
/// </summary>
public sealed record ReportRow(string Kind, IReadOnlyList<object?> Cells)
{
    public const string Line = "line";
    public const string Subtotal = "subtotal";
    public const string Total = "total";
}
