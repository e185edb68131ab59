using CapitalFlows.Commands;
using JasperFx.Events;

namespace CapitalFlows.Funds.ReadingHistory;

/// <summary>
/// What one event did to one fund, with both its dates: the effective date and the instant it was recorded.
/// A fund's state as of a date and known at an instant is the sum of its movements up to both; because
/// effective dates never go backwards per fund (invariant 7), that is always a prefix of its history.
/// </summary>
public sealed class FundMovement
{
    public Guid Id { get; set; }

    public string Fund { get; set; } = "";

    public string Locality { get; set; } = "";

    public DateOnly EffectiveOn { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    public long InflowsVnd { get; set; }

    public long InflowsReversedVnd { get; set; }

    public long ReceivedVnd { get; set; }

    public long PassedDownVnd { get; set; }

    public long LentVnd { get; set; }

    public long RepaidVnd { get; set; }

    /// <summary>Every fund event moves the fund's figures by fixed amounts, so its effect on an empty fund is its delta.</summary>
    public static FundMovement Of(IEvent e, DateTimeOffset recordedAt)
    {
        var key = FundKey.Parse(e.StreamKey!);
        var delta = Funds.Fund.Empty(key).Then(e.Data);
        return new FundMovement
        {
            Id = e.Id,
            Fund = key.StreamKey,
            Locality = key.Locality,
            EffectiveOn = ((ILedgerEvent)e.Data).EffectiveOn,
            RecordedAt = recordedAt,
            InflowsVnd = delta.InflowsVnd,
            InflowsReversedVnd = delta.InflowsReversedVnd,
            ReceivedVnd = delta.ReceivedVnd,
            PassedDownVnd = delta.PassedDownVnd,
            LentVnd = delta.LentVnd,
            RepaidVnd = delta.RepaidVnd,
        };
    }
}
