using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Funds.ReceivingCharityDonations;

/// <summary>A donation (for example from the Fatherland Front's Fund for the Poor) received at a locality or nationally.</summary>
public sealed record ReceiveCharityDonation(
    Guid? CommandId, string? Locality, long? AmountVnd, string? Programme, string? Donor, string? Campaign, string? EffectiveOn);

public static class ReceiveCharityDonationEndpoint
{
    public static ProblemDetails Validate(
        ReceiveCharityDonation command, ClaimsPrincipal user, LocalityDirectory localities, ProgrammeCatalogue programmes, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        errors.Locality(command.Locality, "locality", localities, required: false);
        errors.Amount(command.AmountVnd);
        errors.Programme(command.Programme, "programme", programmes, required: false);
        errors.Text(command.Donor, "donor", required: false);
        errors.Text(command.Campaign, "campaign", required: false);
        var effectiveOn = errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem()
            ?? Scope.Refuse(Caller.From(user), effectiveOn, localities, Locality(command))
            ?? WolverineContinue.NoProblems;
    }

    [WolverinePost("/api/capital/charity-donations")]
    [Authorize(Roles = $"{Roles.BranchOfficer},{Roles.CentralFinance}")]
    public static Task<IResult> Post(
        ReceiveCharityDonation command, HttpContext http, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        return recorder.RecordAsync(http, command.CommandId!.Value, effectiveOn, [Fund(command)],
            _ => Decide(command, effectiveOn, localities));
    }

    public static string Locality(ReceiveCharityDonation command) => command.Locality ?? LocalityDirectory.Nation;

    public static FundKey Fund(ReceiveCharityDonation command) =>
        new(Locality(command), Sources.Charity, command.Programme ?? Programme.General);

    public static Decision Decide(ReceiveCharityDonation command, DateOnly effectiveOn, LocalityDirectory localities) =>
        LocalityRules.RefuseIfNotOpen(localities, effectiveOn, Locality(command))
        ?? Decision.Append(new StreamEvent(Fund(command).StreamKey, new CharityDonationReceived(
            Locality(command), command.Programme ?? Programme.General, command.AmountVnd!.Value, command.Donor, command.Campaign, effectiveOn)));
}
