namespace CapitalFlows.Commands;

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
}

/// <summary>One appended event, kept with the command: its stream, its type's name and its JSON.</summary>
public sealed record AppendedEvent(string StreamKey, string Type, string Data);
