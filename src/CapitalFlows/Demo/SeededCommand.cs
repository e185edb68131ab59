using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Demo;

/// <summary>
/// One command of the demo history that its decision accepted: the route and body a client would have sent, the
/// events it appends and the record the recorder keeps of it, exactly as <see cref="MovementRecorder"/> would have
/// written them for the same command.
/// </summary>
/// <param name="Route">The path the command would be sent to (<c>/api/loans</c>, <c>/api/loans/{id}/repayments</c>, ...).</param>
/// <param name="Body">The command record, as its endpoint reads it.</param>
/// <param name="EffectiveOn">The command's effective date.</param>
/// <param name="Events">The events, in the order the decision returned them.</param>
/// <param name="Processed">The accepted command's record: body hash, answer, appended events.</param>
/// <param name="ReversedOriginal">For a reversal: the reversed command's record, now naming this one in <c>ReversedBy</c>.</param>
public sealed record SeededCommand(
    string Route, object Body, DateOnly EffectiveOn, IReadOnlyList<SeededEvent> Events, ProcessedCommand Processed, ProcessedCommand? ReversedOriginal)
{
    /// <summary>The command record's name (<c>DrawDownLoan</c>, <c>Allocate</c>, ...).</summary>
    public string Type => Body.GetType().Name;

    public Guid CommandId => Processed.Id;

    public DateTimeOffset RecordedAt => Processed.RecordedAt;
}

/// <summary>
/// One event to append. <c>AggregateType</c> is the write model of its stream (<c>Fund</c> or <c>Loan</c>; none for
/// the locality structure), <c>StartsStream</c> whether it is the stream's first event, as the recorder's
/// <c>FetchForWriting</c> would have found it.
/// </summary>
public sealed record SeededEvent(string StreamKey, object Data, Type? AggregateType, bool StartsStream);
