using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Periods.ClosingPeriods;

/// <summary>
/// Closes the books through a date: afterwards every command effective on or before it is refused (409
/// period-closed), reversals included. Closes only move forward and are never undone.
/// </summary>
public sealed record ClosePeriod(Guid? CommandId, string? Through);

public static class ClosePeriodEndpoint
{
    public static ProblemDetails Validate(ClosePeriod command, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        if (command.Through is null) errors.Add("through", "through is required: the last date of the period to close, YYYY-MM-DD.");
        else errors.EffectiveOn(command.Through, VietnamCalendar.Today(clock), "through");
        return errors.ToProblem() ?? WolverineContinue.NoProblems;
    }

    /// <summary>Exclusive like a merge: it waits for the commands in flight, and the next ones see it.</summary>
    [WolverinePost("/api/periods/close")]
    [Authorize(Roles = Roles.CentralFinance)]
    public static Task<IResult> Post(ClosePeriod command, HttpContext http, MovementRecorder recorder, TimeProvider clock)
    {
        var today = VietnamCalendar.Today(clock);
        var through = VietnamCalendar.EffectiveOn(command.Through, clock);
        return recorder.RecordStructureChangeAsync(http, command.CommandId!.Value, today,
            (_, _) => Task.FromResult(new Touches([], [], [])),
            state => Decide(through, state.ClosedThrough, today));
    }

    public static Decision Decide(DateOnly through, DateOnly? closedThrough, DateOnly today) =>
        closedThrough is { } closed && through <= closed
            ? Problems.PeriodClosed(closed, $"The books are closed through {closed:yyyy-MM-dd}; a new close must be later than that, not {through:yyyy-MM-dd}.")
            : Decision.Append(new StreamEvent(ClosedPeriods.Stream, new PeriodClosed(through, today)));
}
