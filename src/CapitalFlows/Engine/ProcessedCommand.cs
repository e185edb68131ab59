using System.Text.Json;
using CapitalFlows.Api;
using CapitalFlows.Localities;

namespace CapitalFlows.Engine;

/// <summary>
/// An accepted command, remembered for ever (API.md, command ids): the hash of the body the client sent, the
/// answer it got, and the events it appended (what a reversal compensates). Stored in the same transaction
/// as the command's events, so a command has both or neither. A reversal sets <c>ReversedBy</c> on the
/// command it undoes, in its own transaction, under that command's lock.
/// </summary>
public sealed record ProcessedCommand(
    Guid Id, string BodyHash, int Status, string Answer, DateTimeOffset RecordedAt, IReadOnlyList<AppendedEvent> Events)
{
    public Guid? Reverses { get; init; }

    public Guid? ReversedBy { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The record of a command accepted with this decision on this state (what the recorder read): its answer,
    /// which says what changed, and the events it appends. The answer is kept, so a retry returns it unchanged.
    /// </summary>
    public static ProcessedCommand Accepted(
        Guid commandId, string bodyHash, int status, DateTimeOffset recordedAt, DateOnly effectiveOn, Decision decision,
        LedgerState state, LocalityDirectory localities)
    {
        var answer = JsonSerializer.Serialize(CommandAnswer.Of(commandId, recordedAt, effectiveOn, decision, state, localities), Json);
        var appended = decision.Events
            .Select(e => new AppendedEvent(e.StreamKey, e.Event.GetType().Name, JsonSerializer.Serialize(e.Event, e.Event.GetType(), Json)))
            .ToList();
        return new ProcessedCommand(commandId, bodyHash, status, answer, recordedAt, appended) { Reverses = decision.Reverses };
    }
}

/// <summary>One appended event, kept with the command: its stream, its type's name and its JSON.</summary>
public sealed record AppendedEvent(string StreamKey, string Type, string Data);
