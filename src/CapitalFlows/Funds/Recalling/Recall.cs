using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Approvals;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Funds.Recalling;

/// <summary>The reverse of an allocation: capital goes back from a child's fund to its parent's fund of the same source and programme.</summary>
public sealed record Recall(
    Guid? CommandId, string? From, string? To, string? Source, string? Programme, long? AmountVnd, string? Reason, string? EffectiveOn);

public static class RecallEndpoint
{
    public static ProblemDetails Validate(
        Recall command, ClaimsPrincipal user, LocalityDirectory localities, ProgrammeCatalogue programmes, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        errors.Locality(command.From, "from", localities);
        errors.Locality(command.To, "to", localities);
        errors.Source(command.Source);
        errors.Programme(command.Programme, "programme", programmes);
        errors.Amount(command.AmountVnd);
        errors.Text(command.Reason, "reason", required: true);
        var effectiveOn = errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem()
            ?? Scope.Refuse(Caller.From(user), effectiveOn, localities, command.From!, command.To!)
            ?? WolverineContinue.NoProblems;
    }

    [WolverinePost("/api/recalls")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer}")]
    public static Task<IResult> Post(
        Recall command, HttpContext http, FourEyes fourEyes, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock) =>
        fourEyes.HoldOrRecordAsync(http, command.CommandId!.Value, command.AmountVnd!.Value, () => Record(command, http, recorder, localities, clock));

    /// <summary>The recall as sent, or as released by an approval (<see cref="HeldCommands"/>).</summary>
    public static Task<IResult> Record(
        Recall command, CommandEnvelope envelope, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        var (child, parent) = Funds(command);
        return recorder.RecordAsync(envelope, command.CommandId!.Value, effectiveOn, [child, parent],
            funds => Decide(command, funds, effectiveOn, localities));
    }

    public static (FundKey Child, FundKey Parent) Funds(Recall command) => (
        new FundKey(command.From!, command.Source!, command.Programme!),
        new FundKey(command.To!, command.Source!, command.Programme!));

    public static Decision Decide(Recall command, FundStates funds, DateOnly effectiveOn, LocalityDirectory localities)
    {
        var (child, parent) = Funds(command);
        var amountVnd = command.AmountVnd!.Value;
        return LocalityRules.RefuseIfNotOpen(localities, effectiveOn, command.From!, command.To!)
            ?? LocalityRules.RefuseIfNotParentAndChild(localities, effectiveOn, parent: command.To!, child: command.From!)
            ?? funds.RefuseIfShort(child, amountVnd)
            ?? Decision.Append(
                new StreamEvent(child.StreamKey, new CapitalRecalled(
                    command.From!, command.To!, command.Source!, command.Programme!, amountVnd, command.Reason!, effectiveOn)),
                new StreamEvent(parent.StreamKey, new RecallReceived(
                    command.From!, command.To!, command.Source!, command.Programme!, amountVnd, command.Reason!, effectiveOn)));
    }
}
