using CapitalFlows.Api;
using CapitalFlows.Approvals;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Funds.EntrustingCentralBudget;

/// <summary>The state budget entrusts capital to the bank; it lands in the nation's central-budget fund.</summary>
public sealed record EntrustCentralBudget(Guid? CommandId, long? AmountVnd, string? Programme, string? DecisionRef, string? EffectiveOn);

public static class EntrustCentralBudgetEndpoint
{
    public static ProblemDetails Validate(EntrustCentralBudget command, ProgrammeCatalogue programmes, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        errors.Amount(command.AmountVnd);
        errors.Programme(command.Programme, "programme", programmes, required: false);
        errors.Text(command.DecisionRef, "decisionRef", required: true);
        errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem() ?? WolverineContinue.NoProblems;
    }

    [WolverinePost("/api/capital/central-entrustments")]
    [Authorize(Roles = Roles.CentralFinance)]
    public static Task<IResult> Post(
        EntrustCentralBudget command, HttpContext http, FourEyes fourEyes, MovementRecorder recorder, TimeProvider clock) =>
        fourEyes.HoldOrRecordAsync(http, command.CommandId!.Value, command.AmountVnd!.Value, () => Record(command, http, recorder, clock));

    /// <summary>The entrustment as sent, or as released by an approval (<see cref="HeldCommands"/>).</summary>
    public static Task<IResult> Record(EntrustCentralBudget command, CommandEnvelope envelope, MovementRecorder recorder, TimeProvider clock)
    {
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        var fund = Fund(command);
        return recorder.RecordAsync(envelope, command.CommandId!.Value, effectiveOn, [fund], _ => Decide(command, effectiveOn));
    }

    public static FundKey Fund(EntrustCentralBudget command) =>
        new(LocalityDirectory.Nation, Sources.CentralBudget, command.Programme ?? Programme.General);

    public static Decision Decide(EntrustCentralBudget command, DateOnly effectiveOn) =>
        Decision.Append(new StreamEvent(Fund(command).StreamKey,
            new CentralBudgetEntrusted(command.Programme ?? Programme.General, command.AmountVnd!.Value, command.DecisionRef!, effectiveOn)));
}
