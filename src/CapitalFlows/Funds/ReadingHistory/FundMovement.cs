using CapitalFlows.Commands;
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
    /// <summary>Every fund event moves the fund's figures by fixed amounts, so its effect on an empty fund is its delta.</summary>
    public static FundMovement Of(IEvent e, DateTimeOffset recordedAt)
    {
        var key = FundKey.Parse(e.StreamKey!);
        var delta = Funds.Fund.Empty(key).Then(e.Data);
        return new FundMovement(
            e.Id,
            key.StreamKey,
            key.Locality,
            ((ILedgerEvent)e.Data).EffectiveOn,
            recordedAt,
            delta.InflowsVnd,
            delta.InflowsReversedVnd,
            delta.ReceivedVnd,
            delta.PassedDownVnd,
            delta.LentVnd,
            delta.RepaidVnd,
            delta.WrittenOffVnd);
    }
}
