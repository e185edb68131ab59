using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Funds;

/// <summary>The current state of the funds a command touches, as read under their locks.</summary>
public sealed class FundStates(IReadOnlyDictionary<FundKey, Fund> funds)
{
    public Fund this[FundKey key] => funds.TryGetValue(key, out var fund) ? fund : Fund.Empty(key);

    /// <summary>The funds read that have had a movement.</summary>
    public IEnumerable<Fund> All => funds.Values;

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

    /// <summary>Invariant 1 for any set of events: none of them may leave a fund below zero.</summary>
    public Decision? RefuseIfAnyFundGoesNegative(IEnumerable<StreamEvent> events) =>
        events
            .Where(e => e.StreamKey.Contains('/', StringComparison.Ordinal))
            .GroupBy(e => FundKey.Parse(e.StreamKey))
            .Select(g => (key: g.Key, before: this[g.Key], after: g.Aggregate(this[g.Key], (fund, e) => fund.Evolve(e.Event))))
            .Where(f => f.after.AvailableVnd < 0)
            .Select(f => Decision.Refuse(Problems.InsufficientFunds(f.key.StreamKey, f.before.AvailableVnd, f.before.AvailableVnd - f.after.AvailableVnd)))
            .FirstOrDefault();
}
