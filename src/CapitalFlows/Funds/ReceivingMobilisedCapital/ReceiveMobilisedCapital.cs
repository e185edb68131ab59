using CapitalFlows.Api;
using CapitalFlows.Approvals;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Funds.ReceivingMobilisedCapital;

/// <summary>Deposits, bonds, ODA and other lawful capital the bank raised; it lands in the nation's mobilised fund.</summary>
public sealed record ReceiveMobilisedCapital(
    Guid? CommandId, long? AmountVnd, string? Programme, string? Instrument, string? Reference, string? EffectiveOn);

public static class ReceiveMobilisedCapitalEndpoint
{
    public static readonly IReadOnlyList<string> Instruments = ["deposits", "bonds", "oda", "other"];

    public static ProblemDetails Validate(ReceiveMobilisedCapital command, ProgrammeCatalogue programmes, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        errors.Amount(command.AmountVnd);
        errors.Programme(command.Programme, "programme", programmes, required: false);
        errors.OneOf(command.Instrument, "instrument", Instruments);
        errors.Text(command.Reference, "reference", required: true);
        errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem() ?? WolverineContinue.NoProblems;
    }

    [WolverinePost("/api/capital/mobilisations")]
    [Authorize(Roles = Roles.CentralFinance)]
    public static Task<IResult> Post(
        ReceiveMobilisedCapital command, HttpContext http, FourEyes fourEyes, MovementRecorder recorder, TimeProvider clock) =>
        fourEyes.HoldOrRecordAsync(http, command.CommandId!.Value, command.AmountVnd!.Value, () => Record(command, http, recorder, clock));

    /// <summary>The mobilisation as sent, or as released by an approval (<see cref="HeldCommands"/>).</summary>
    public static Task<IResult> Record(ReceiveMobilisedCapital command, CommandEnvelope envelope, MovementRecorder recorder, TimeProvider clock)
    {
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        return recorder.RecordAsync(envelope, command.CommandId!.Value, effectiveOn, [Fund(command)], _ => Decide(command, effectiveOn));
    }

    public static FundKey Fund(ReceiveMobilisedCapital command) =>
        new(LocalityDirectory.Nation, Sources.Mobilised, command.Programme ?? Programme.General);

    public static Decision Decide(ReceiveMobilisedCapital command, DateOnly effectiveOn) =>
        Decision.Append(new StreamEvent(Fund(command).StreamKey, new MobilisedCapitalReceived(
            command.Programme ?? Programme.General, command.AmountVnd!.Value, command.Instrument!, command.Reference!, effectiveOn)));
}
