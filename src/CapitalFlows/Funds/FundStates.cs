using CapitalFlows.Commands;

namespace CapitalFlows.Funds;

/// <summary>The current state of the funds a command touches, as read under their locks.</summary>
public sealed class FundStates(IReadOnlyDictionary<FundKey, Fund> funds)
{
    public Fund this[FundKey key] => funds.TryGetValue(key, out var fund) ? fund : Fund.Empty(key);

    /// <summary>Invariant 7: per fund, effective dates never go backwards.</summary>
    public Decision? RefuseIfEarlierThanLastMovement(DateOnly effectiveOn) =>
        funds.Values
            .Where(f => f.LastMovementOn > effectiveOn)
            .Select(f => Decision.Refuse(Problems.EffectiveDateTooEarly($"fund {f.Id}", f.LastMovementOn!.Value, effectiveOn)))
            .FirstOrDefault();

    /// <summary>Invariant 1: taking <paramref name="amountVnd"/> out of the fund must leave it at zero or above.</summary>
    public Decision? RefuseIfShort(FundKey key, long amountVnd) =>
        this[key].AvailableVnd < amountVnd
            ? Decision.Refuse(Problems.InsufficientFunds(key.StreamKey, this[key].AvailableVnd, amountVnd))
            : null;
}
