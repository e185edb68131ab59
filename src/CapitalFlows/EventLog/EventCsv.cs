using CapitalFlows.Api;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CapitalFlows.Funds;
using CapitalFlows.Localities;

namespace CapitalFlows.EventLog;

/// <summary>
/// The log as a spreadsheet opens it (API.md second edition, "Finding, comparing, exporting"): one flat row per
/// event, RFC 4180 (CRLF, quotes where needed), UTF-8 with Vietnamese letters as they are. Every text cell that a
/// spreadsheet would evaluate as a formula (it begins with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a
/// carriage return) is prefixed with <c>'</c>: correlation ids, references and names are text a client chose.
/// </summary>
public static class EventCsv
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "sequence", "effectiveOn", "recordedAt", "type", "streamKey", "locality", "localityName", "source", "programme",
        "amountVnd", "loanId", "commandId", "correlationId", "userSub", "userName", "userRole", "data", "hash",
    ];

    public static string Header => string.Join(',', Columns) + "\r\n";

    /// <summary>Writes no <c>\u</c> escapes for letters (the data cell is read by people too).</summary>
    private static readonly JsonSerializerOptions DataJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// One row. Locality, source and programme are the fund's (from its stream key) or, for a loan's or the
    /// structure's events, those the event names (a loan's drawdown its fund's; a transfer the locality it moved
    /// to; a merge the successor). The locality's name is the one it bore on the effective date. The amount is the
    /// event's <c>amountVnd</c>, or for a fund moved by a merge what was available in it.
    /// </summary>
    public static string Line(LoggedEvent e, LocalityDirectory localities)
    {
        var data = e.Data as JsonObject;
        FundKey? fund = e.StreamKey.Count(c => c == '/') == 2 ? FundKey.Parse(e.StreamKey) : null;
        var locality = fund?.Locality ?? Text(data, "locality") ?? Text(data, "into") ?? Text(data, "to");
        var source = fund?.Source ?? Text(data, "source");
        var programme = fund?.Programme ?? Text(data, "programme");
        var amount = data?["amountVnd"] ?? data?["availableVnd"];

        var line = new StringBuilder(512);
        line.Append(e.Sequence.ToString(CultureInfo.InvariantCulture));
        foreach (var cell in new[]
                 {
                     e.EffectiveOn, e.RecordedAt, e.Type, e.StreamKey, locality, NameOf(locality, e.EffectiveOn, localities), source, programme,
                     amount?.ToJsonString(), Text(data, "loanId"), e.CommandId, e.CorrelationId, e.User.Sub, e.User.Name, e.User.Role,
                     e.Data?.ToJsonString(DataJson), e.Hash,
                 })
            line.Append(',').Append(Cell(cell));
        return line.Append("\r\n").ToString();
    }

    /// <summary>A cell as a spreadsheet must read it: never a formula, quoted when it holds a separator or a quote.</summary>
    public static string Cell(string? value) => string.IsNullOrEmpty(value) ? "" : SpreadsheetText.CsvField(value);

    private static string? Text(JsonObject? data, string field) =>
        data?[field] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string? NameOf(string? code, string? effectiveOn, LocalityDirectory localities) =>
        localities.Find(code) is { } locality
            ? DateOnly.TryParseExact(effectiveOn, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? locality.NameOn(date)
                : locality.Names[^1].Value
            : null;
}
