using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Plans.SettingLocalCapitalPlans;

/// <summary>
/// Sets, or adjusts, what a province's People's Committee plans to entrust to the bank from its local budget in a
/// year, as its People's Council resolved (<c>decisionRef</c>).
/// </summary>
public sealed record SetLocalCapitalPlan(Guid? CommandId, int? Year, string? Locality, long? AmountVnd, string? DecisionRef);

public static class SetLocalCapitalPlanEndpoint
{
    public static ProblemDetails Validate(SetLocalCapitalPlan command, ClaimsPrincipal user, LocalityDirectory localities, TimeProvider clock)
    {
        var today = VietnamCalendar.Today(clock);
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        PlanYear.Check(errors, command.Year, today);
        errors.Locality(command.Locality, "locality", localities);
        if (localities.Find(command.Locality) is { } locality && locality.Level != LocalityLevel.Province)
            errors.Add("locality", $"locality {locality.Code} is not a province: local capital plans are a province's People's Committee's.");
        PlanYear.Target(errors, command.AmountVnd, "amountVnd");
        errors.Text(command.DecisionRef, "decisionRef", required: true);
        return errors.ToProblem()
            ?? Scope.Refuse(Caller.From(user), PlanYear.StructureDate(command.Year!.Value, today), localities, command.Locality!)
            ?? WolverineContinue.NoProblems;
    }

    [WolverinePost("/api/local-capital-plans")]
    [Authorize(Roles = $"{Roles.PeopleCommittee},{Roles.CentralFinance}")]
    public static Task<IResult> Post(SetLocalCapitalPlan command, HttpContext http, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        var today = VietnamCalendar.Today(clock);
        var key = LocalCapitalPlan.StreamKey(command.Year!.Value, command.Locality!);
        return recorder.RecordAsync(http, command.CommandId!.Value, today, new Touches([], [], []) { Streams = [key] },
            state => Decide(command, today, localities, state.Streams.GetValueOrDefault(key) ?? []));
    }

    public static Decision Decide(SetLocalCapitalPlan command, DateOnly today, LocalityDirectory localities, IEnumerable<object> stream)
    {
        var (year, locality, amount) = (command.Year!.Value, command.Locality!, command.AmountVnd!.Value);
        if (LocalityRules.RefuseIfNotOpen(localities, PlanYear.StructureDate(year, today), locality) is { } closed) return closed;
        object @event = LocalCapitalPlan.Fold(stream) is { } previous
            ? new LocalCapitalPlanAdjusted(year, locality, amount, command.DecisionRef!, previous.AmountVnd, today)
            : new LocalCapitalPlanSet(year, locality, amount, command.DecisionRef!, today);
        return Decision.Append(new StreamEvent(LocalCapitalPlan.StreamKey(year, locality), @event));
    }
}
