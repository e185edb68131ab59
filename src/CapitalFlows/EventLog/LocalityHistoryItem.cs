using System.Text.Json.Nodes;
using CapitalFlows.Funds;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;

namespace CapitalFlows.EventLog;

/// <summary>
/// One event of a locality's history: the logged event with the locality and programme it concerns named beside
/// their codes (API.md, second edition). The locality and programme are the fund's (from its stream key), or those the
/// event itself names (a drawdown's <c>locality</c> and <c>programme</c>, a loan transfer's <c>to</c>); null when the
/// event names neither (a repayment on a loan's stream). <c>Hash</c> is the event's link of the chain (hex), as the export gives it.
/// </summary>
public sealed record LocalityHistoryItem(
    long Sequence, string StreamKey, long Version, string Type, string? EffectiveOn, string? RecordedAt,
    string? CommandId, string? CorrelationId, EventUser User, bool Reversed,
    string? Locality, string? LocalityName, string? Programme, string? ProgrammeName, JsonNode? Data, string? Hash)
{
    /// <summary>The item of a logged event, with names as of <paramref name="date"/>.</summary>
    public static LocalityHistoryItem Of(LoggedEvent e, LocalityDirectory localities, ProgrammeCatalogue programmes, DateOnly date)
    {
        FundKey? fund = e.StreamKey.Contains('/', StringComparison.Ordinal) ? FundKey.Parse(e.StreamKey) : null;
        var locality = fund?.Locality ?? Text(e.Data, "locality") ?? Text(e.Data, "to");
        var programme = fund?.Programme ?? Text(e.Data, "programme");
        return new LocalityHistoryItem(
            e.Sequence, e.StreamKey, e.Version, e.Type, e.EffectiveOn, e.RecordedAt, e.CommandId, e.CorrelationId, e.User, e.Reversed,
            locality, locality is null ? null : localities.Find(locality)?.NameOn(date),
            programme, programme is null ? null : programmes.NameOf(programme),
            e.Data, e.Hash);
    }

    private static string? Text(JsonNode? data, string property) =>
        data is JsonObject o && o.TryGetPropertyValue(property, out var value) && value is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
}
