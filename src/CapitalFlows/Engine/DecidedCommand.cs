using CapitalFlows.Api;

namespace CapitalFlows.Engine;

/// <summary>
/// One command the bulk entry point (<see cref="BulkLedger"/>) accepted: the route and body a client would have sent,
/// the events it appends and the record the recorder keeps of it, exactly as <see cref="MovementRecorder"/> would
/// have written them for the same command.
/// </summary>
/// <param name="Route">The path the command would be sent to (<c>/api/loans</c>, <c>/api/loans/{id}/repayments</c>, ...).</param>
/// <param name="Body">The command record, as its endpoint reads it.</param>
/// <param name="EffectiveOn">The command's effective date.</param>
/// <param name="Events">The events, in the order the decision returned them.</param>
/// <param name="Processed">The accepted command's record: body hash, answer, appended events.</param>
/// <param name="ReversedOriginal">For a reversal: the reversed command's record, now naming this one in <c>ReversedBy</c>.</param>
public sealed record DecidedCommand(
    string Route, object Body, DateOnly EffectiveOn, IReadOnlyList<DecidedEvent> Events, ProcessedCommand Processed, ProcessedCommand? ReversedOriginal)
{
    /// <summary>The command record's name (<c>DrawDownLoan</c>, <c>Allocate</c>, ...).</summary>
    public string Type => Body.GetType().Name;

    public Guid CommandId => Processed.Id;

    public DateTimeOffset RecordedAt => Processed.RecordedAt;
}
