namespace CapitalFlows.Commands;

/// <summary>
/// An accepted command, remembered for ever (API.md, command ids): the hash of the body the client sent and
/// the answer it got. Stored in the same transaction as the command's events, so a command either has both
/// its events and this record, or neither.
/// </summary>
public sealed record ProcessedCommand(Guid Id, string BodyHash, int Status, string Answer, DateTimeOffset RecordedAt);
