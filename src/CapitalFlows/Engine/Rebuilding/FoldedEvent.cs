using CapitalFlows.Funds;
using CapitalFlows.Loans;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary>
/// One event of the log as a rebuild reads it (<c>mt_events</c>, in sequence order), with the state of its stream
/// right after it: <see cref="Fund"/> for a fund's event, <see cref="Loan"/> for a loan's, neither for the other
/// streams (the locality structure, plans, closed periods), which no rebuilt table folds.
/// </summary>
/// <param name="Sequence">The event's <c>seq_id</c>.</param>
/// <param name="Id">The event's id.</param>
/// <param name="StreamKey">Its stream.</param>
/// <param name="Position">Its position in its stream (1 for the first), counted by the rebuild.</param>
/// <param name="Data">The event, deserialised with the store's serializer.</param>
/// <param name="Timestamp">When the store appended it.</param>
/// <param name="RecordedAt">When its command was recorded (the <c>recordedAt</c> header), or <paramref name="Timestamp"/>.</param>
public sealed record FoldedEvent(
    long Sequence, Guid Id, string StreamKey, long Position, object Data, DateTimeOffset Timestamp, DateTimeOffset RecordedAt)
{
    public Fund? Fund { get; init; }

    public Loan? Loan { get; init; }
}
