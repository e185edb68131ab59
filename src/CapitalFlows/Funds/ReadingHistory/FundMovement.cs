using CapitalFlows.Api;
using CapitalFlows.Engine;
using JasperFx.Events;

namespace CapitalFlows.Funds.ReadingHistory;

/// <summary>
/// What one event did to one fund, with both its dates: the effective date and the instant it was recorded.
/// A fund's state as of a date and known at an instant is the sum of its movements up to both; because
/// effective dates never go backwards per fund (invariant 7), that is always a prefix of its history.
/// Stored as a row of <see cref="FundMovementProjection"/>'s table, one per fund event.
/// </summary>
public sealed record FundMovement(
    Guid Id,
    string Fund,
    string Locality,
    DateOnly EffectiveOn,
    DateTimeOffset RecordedAt,
    long InflowsVnd,
    long InflowsReversedVnd,
    long ReceivedVnd,
    long PassedDownVnd,
    long LentVnd,
    long RepaidVnd,
    long WrittenOffVnd)
{
    /// <summary>
    /// Every fund event moves the fund's figures by fixed amounts, so its effect on an empty fund is its delta: what the
    /// inline projection adds to the fund's previous row (in SQL, where that row is).
    /// </summary>
    public static FundMovement Of(IEvent e, DateTimeOffset recordedAt)
    {
        var key = FundKey.Parse(e.StreamKey!);
        return After(e.Id, Funds.Fund.Empty(key).Evolve(e.Data), ((ILedgerEvent)e.Data).EffectiveOn, recordedAt);
    }

    /// <summary>
    /// The row of one fund event: the fund's figures after it, as the fund's one fold (<see cref="Funds.Fund.Evolve"/>)
    /// leaves them. On the fund folded from empty through this event alone it is the event's delta (<see cref="Of"/>);
    /// on the fund folded through its whole stream up to this event, it is the row the table holds (the running totals
    /// a rebuild and the bulk paths write). Fund folds are sums, so both give the same row.
    /// </summary>
    public static FundMovement After(Guid eventId, Funds.Fund after, DateOnly effectiveOn, DateTimeOffset recordedAt)
    {
        var key = after.Key;
        return new FundMovement(
            eventId,
            key.StreamKey,
            key.Locality,
            effectiveOn,
            recordedAt,
            after.InflowsVnd,
            after.InflowsReversedVnd,
            after.ReceivedVnd,
            after.PassedDownVnd,
            after.LentVnd,
            after.RepaidVnd,
            after.WrittenOffVnd);
    }
}
