using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Funds.ToppingUpLocalBudget;

/// <summary>A People's Committee entrusts local budget to the bank, for its own locality's lending.</summary>
public sealed record TopUpLocalBudget(
    Guid? CommandId, string? Locality, long? AmountVnd, string? Programme, string? DecisionRef, string? EffectiveOn);

public static class TopUpLocalBudgetEndpoint
{
    public static ProblemDetails Validate(
        TopUpLocalBudget command, ClaimsPrincipal user, LocalityDirectory localities, ProgrammeCatalogue programmes, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        errors.Locality(command.Locality, "locality", localities);
        errors.Amount(command.AmountVnd);
        errors.Programme(command.Programme, "programme", programmes, required: false);
        errors.Text(command.DecisionRef, "decisionRef", required: true);
        var effectiveOn = errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem()
            ?? Scope.Refuse(Caller.From(user), effectiveOn, localities, command.Locality!)
            ?? WolverineContinue.NoProblems;
    }

    [WolverinePost("/api/capital/local-budget-top-ups")]
    [Authorize(Roles = $"{Roles.PeopleCommittee},{Roles.CentralFinance}")]
    public static Task<IResult> Post(
        TopUpLocalBudget command, HttpContext http, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        return recorder.RecordAsync(http, command.CommandId!.Value, effectiveOn, [Fund(command)],
            _ => Decide(command, effectiveOn, localities));
    }

    public static FundKey Fund(TopUpLocalBudget command) =>
        new(command.Locality!, Sources.LocalBudget, command.Programme ?? Programme.General);

    public static Decision Decide(TopUpLocalBudget command, DateOnly effectiveOn, LocalityDirectory localities) =>
        LocalityRules.RefuseIfNotOpen(localities, effectiveOn, command.Locality!)
        ?? Decision.Append(new StreamEvent(Fund(command).StreamKey, new LocalBudgetToppedUp(
            command.Locality!, command.Programme ?? Programme.General, command.AmountVnd!.Value, command.DecisionRef!, effectiveOn)));
}
