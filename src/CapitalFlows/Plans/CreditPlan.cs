using System.Globalization;
using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Plans;

// The events of a credit plan's stream (one per year, locality and programme). Targets are amounts of đồng.

/// <summary>A credit plan was set for the first time: the targets for loans outstanding at year end and for new lending in the year.</summary>
public sealed record CreditPlanSet(
    int Year, string Locality, string Programme, long OutstandingTargetVnd, long DisbursementTargetVnd, string DecisionRef,
    DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>A credit plan was adjusted: the new targets, with the ones they replace (the plan set before stays in the stream).</summary>
public sealed record CreditPlanAdjusted(
    int Year, string Locality, string Programme, long OutstandingTargetVnd, long DisbursementTargetVnd, string DecisionRef,
    long PreviousOutstandingTargetVnd, long PreviousDisbursementTargetVnd, DateOnly EffectiveOn) : ILedgerEvent;

/// <summary>A credit plan as it stands after its stream's events: the one fold of both events.</summary>
public sealed record CreditPlan(int Year, string Locality, string Programme, long OutstandingTargetVnd, long DisbursementTargetVnd, string DecisionRef)
{
    /// <summary>The plan's stream: <c>credit-plan:YEAR:LOCALITY:PROGRAMME</c> (no '/', which only fund streams have).</summary>
    public static string StreamKey(int year, string locality, string programme) =>
        string.Create(CultureInfo.InvariantCulture, $"credit-plan:{year}:{locality}:{programme}");

    public static CreditPlan? Fold(IEnumerable<object> events) =>
        events.Aggregate((CreditPlan?)null, (plan, e) => e switch
        {
            CreditPlanSet set => new CreditPlan(set.Year, set.Locality, set.Programme, set.OutstandingTargetVnd, set.DisbursementTargetVnd, set.DecisionRef),
            CreditPlanAdjusted adjusted => new CreditPlan(
                adjusted.Year, adjusted.Locality, adjusted.Programme, adjusted.OutstandingTargetVnd, adjusted.DisbursementTargetVnd, adjusted.DecisionRef),
            _ => plan,
        });
}
