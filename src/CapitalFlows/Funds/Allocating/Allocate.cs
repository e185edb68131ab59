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

namespace CapitalFlows.Funds.Allocating;

/// <summary>
/// Moves capital from a locality's fund to a direct child's fund of the same source. General (not yet
/// earmarked) capital may be earmarked for a programme on the way down with <c>toProgramme</c>.
/// </summary>
public sealed record Allocate(
    Guid? CommandId, string? From, string? To, string? Source, string? Programme, string? ToProgramme,
    long? AmountVnd, string? DecisionRef, string? EffectiveOn);

public static class AllocateEndpoint
{
    public static ProblemDetails Validate(
        Allocate command, ClaimsPrincipal user, LocalityDirectory localities, ProgrammeCatalogue programmes, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        errors.Locality(command.From, "from", localities);
        errors.Locality(command.To, "to", localities);
        errors.Source(command.Source);
        errors.Programme(command.Programme, "programme", programmes);
        errors.Programme(command.ToProgramme, "toProgramme", programmes, required: false);
        if (command.ToProgramme is not null && command.Programme is not null and not Programme.General)
            errors.Add("toProgramme", "toProgramme earmarks general capital: it is allowed only when programme is general.");
        errors.Amount(command.AmountVnd);
        errors.Text(command.DecisionRef, "decisionRef", required: false);
        var effectiveOn = errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem()
            ?? Scope.Refuse(Caller.From(user), effectiveOn, localities, command.From!, command.To!)
            ?? WolverineContinue.NoProblems;
    }

    [WolverinePost("/api/allocations")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer}")]
    public static Task<IResult> Post(
        Allocate command, HttpContext http, FourEyes fourEyes, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock) =>
        fourEyes.HoldOrRecordAsync(http, command.CommandId!.Value, command.AmountVnd!.Value, () => Record(command, http, recorder, localities, clock));

    /// <summary>The allocation as sent, or as released by an approval (<see cref="HeldCommands"/>).</summary>
    public static Task<IResult> Record(
        Allocate command, CommandEnvelope envelope, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        var (from, to) = Funds(command);
        return recorder.RecordAsync(envelope, command.CommandId!.Value, effectiveOn, [from, to],
            funds => Decide(command, funds, effectiveOn, localities));
    }

    public static (FundKey From, FundKey To) Funds(Allocate command) => (
        new FundKey(command.From!, command.Source!, command.Programme!),
        new FundKey(command.To!, command.Source!, command.ToProgramme ?? command.Programme!));

    public static Decision Decide(Allocate command, FundStates funds, DateOnly effectiveOn, LocalityDirectory localities)
    {
        var (from, to) = Funds(command);
        var amountVnd = command.AmountVnd!.Value;
        return LocalityRules.RefuseIfNotOpen(localities, effectiveOn, command.From!, command.To!)
            ?? LocalityRules.RefuseIfNotParentAndChild(localities, effectiveOn, parent: command.From!, child: command.To!)
            ?? funds.RefuseIfShort(from, amountVnd)
            ?? Decision.Append(
                new StreamEvent(from.StreamKey, new CapitalAllocated(
                    command.From!, command.To!, command.Source!, command.Programme!, to.Programme, amountVnd, command.DecisionRef, effectiveOn)),
                new StreamEvent(to.StreamKey, new AllocationReceived(
                    command.From!, command.To!, command.Source!, command.Programme!, to.Programme, amountVnd, command.DecisionRef, effectiveOn)));
    }
}
