namespace CapitalFlows.Api;

/// <summary>
/// Text for a cell a spreadsheet will open (CSV files): a cell that begins with <c>=</c>, <c>+</c>, <c>-</c>,
/// <c>@</c>, a tab or a carriage return is prefixed with <c>'</c>, so that the spreadsheet shows it as text
/// rather than evaluating it as a formula (CSV injection, OWASP); fields are quoted as RFC 4180 asks when they
/// hold a comma, a quote or a line break. Numbers the service writes itself are not text and are left alone.
/// </summary>
/// <remarks>The event log's CSV (<c>History/EventCsv.cs</c>) and the bank's reports both write their cells through it.</remarks>
public static class SpreadsheetText
{
    private static readonly char[] Triggers = ['=', '+', '-', '@', '\t', '\r'];
    private static readonly char[] NeedQuotes = [',', '"', '\r', '\n'];

    /// <summary>The text, prefixed with <c>'</c> when a spreadsheet would read it as a formula.</summary>
    public static string Safe(string text) =>
        text.Length > 0 && Triggers.Contains(text[0]) ? "'" + text : text;

    /// <summary>A CSV field: <see cref="Safe"/>, then quoted (quotes doubled) when it needs to be.</summary>
    public static string CsvField(string text)
    {
        var safe = Safe(text);
        return safe.IndexOfAny(NeedQuotes) >= 0 ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }
}
