using System.Globalization;
using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Plans;

// The events of a local capital plan's stream (one per year and province).

/// <summary>A People's Committee's plan to entrust local budget in a year (its People's Council's resolution), set for the first time.</summary>
public sealed record LocalCapitalPlanSet(int Year, string Locality, long AmountVnd, string DecisionRef, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>The local capital plan was adjusted: the new amount, with the one it replaces.</summary>
public sealed record LocalCapitalPlanAdjusted(
    int Year, string Locality, long AmountVnd, string DecisionRef, long PreviousAmountVnd, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>A local capital plan as it stands after its stream's events.</summary>
public sealed record LocalCapitalPlan(int Year, string Locality, long AmountVnd, string DecisionRef)
{
    /// <summary>The plan's stream: <c>local-capital-plan:YEAR:LOCALITY</c>.</summary>
    public static string StreamKey(int year, string locality) =>
        string.Create(CultureInfo.InvariantCulture, $"local-capital-plan:{year}:{locality}");

    public static LocalCapitalPlan? Fold(IEnumerable<object> events) =>
        events.Aggregate((LocalCapitalPlan?)null, (plan, e) => e switch
        {
            LocalCapitalPlanSet set => new LocalCapitalPlan(set.Year, set.Locality, set.AmountVnd, set.DecisionRef),
            LocalCapitalPlanAdjusted adjusted => new LocalCapitalPlan(adjusted.Year, adjusted.Locality, adjusted.AmountVnd, adjusted.DecisionRef),
            _ => plan,
        });
}
