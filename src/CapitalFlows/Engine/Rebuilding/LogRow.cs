namespace CapitalFlows.Engine.Rebuilding;

/// <summary>
/// One event of the log as a rebuild takes it, in sequence order: read back from <c>mt_events</c>, or kept by the
/// bulk path that appended it (the same values it wrote).
/// </summary>
/// <param name="Sequence">The event's <c>seq_id</c>.</param>
/// <param name="Id">The event's id.</param>
/// <param name="StreamKey">Its stream.</param>
/// <param name="Data">The event.</param>
/// <param name="Timestamp">When the store appended it.</param>
/// <param name="RecordedAt">When its command was recorded (the <c>recordedAt</c> header), or <paramref name="Timestamp"/>.</param>
public sealed record LogRow(long Sequence, Guid Id, string StreamKey, object Data, DateTimeOffset Timestamp, DateTimeOffset RecordedAt);
