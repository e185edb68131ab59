namespace CapitalFlows.Engine;

/// <summary>
/// One event to append. <c>AggregateType</c> is the write model of its stream (<c>Fund</c> or <c>Loan</c>; none for
/// the locality structure), <c>StartsStream</c> whether it is the stream's first event, as the recorder's
/// <c>FetchForWriting</c> would have found it.
/// </summary>
public sealed record DecidedEvent(string StreamKey, object Data, Type? AggregateType, bool StartsStream);
