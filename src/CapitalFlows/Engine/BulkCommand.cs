using CapitalFlows.Api;

namespace CapitalFlows.Engine;

/// <summary>
/// A command its decision accepted, ready for the bulk path (<see cref="BulkAppend"/>): its events in the order the
/// decision returned them, who sent it, when it was recorded, and the record the recorder keeps of it (with, for a
/// reversal, the reversed command's record naming it).
/// </summary>
public sealed record BulkCommand(
    Guid CommandId, DateTimeOffset RecordedAt, BulkCaller Caller, IReadOnlyList<BulkEvent> Events, ProcessedCommand Processed,
    ProcessedCommand? ReversedOriginal);

/// <summary>One event to append; <c>AggregateType</c> is its stream's write model (<c>Fund</c>, <c>Loan</c>; none for the other streams).</summary>
public sealed record BulkEvent(string StreamKey, object Data, Type? AggregateType);

/// <summary>Who sent a command, as its events' headers and user name carry it.</summary>
public sealed record BulkCaller(string Sub, string Name, string Role);
