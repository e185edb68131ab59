using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Loans.Extending;

/// <summary>An extension (gia hạn nợ): every unpaid instalment and the maturity move later by <c>Months</c>; no amount changes.</summary>
public sealed record ExtendLoan(Guid? CommandId, int? Months, string? Reason, string? EffectiveOn);

public static class ExtendLoanEndpoint
{
    public static ProblemDetails Validate(ExtendLoan command, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        if (command.Months is null or <= 0) errors.Add("months", "months is required: a whole number of months above 0.");
        errors.Text(command.Reason, "reason", required: true);
        errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem() ?? WolverineContinue.NoProblems;
    }

    [WolverinePost("/api/loans/{loanId}/extensions")]
    [Authorize(Roles = $"{Roles.BranchOfficer},{Roles.CentralFinance}")]
    public static async Task<IResult> Post(
        string loanId, ExtendLoan command, ClaimsPrincipal user, HttpContext http, IQuerySession session,
        MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        var caller = Caller.From(user);
        var (loan, problem) = await LoanInRoute.FindAsync(loanId, caller, effectiveOn, session, localities, recorder, http.RequestAborted);
        if (loan is null) return problem!.ToResult();

        // No fund moves: the loan's stream is all it touches.
        return await recorder.RecordAsync(http, command.CommandId!.Value, effectiveOn,
            new Touches([], [loan.Id], []),
            state => LoanInRoute.InScope(caller, effectiveOn, localities, state.Loan(loan.Id)!, current => Decide(command, current, effectiveOn)));
    }

    /// <summary>All extensions of a loan together are at most its original term (409 extension-limit); only an active loan is extended.</summary>
    public static Decision Decide(ExtendLoan command, Loan loan, DateOnly effectiveOn)
    {
        var months = command.Months!.Value;
        if (loan.Status != LoanStatus.Active)
            return Problems.Create("extension-limit", $"Loan {loan.Id} is {loan.Status}; only an active loan can be extended.");
        if (loan.ExtendedMonths + months > loan.TermMonths)
            return Problems.Create("extension-limit",
                $"Loan {loan.Id} has a term of {loan.TermMonths} months and was extended by {loan.ExtendedMonths} already; " +
                $"{months} more would take its extensions past its term (at most {loan.TermMonths - loan.ExtendedMonths} more months).");
        var loanId = Guid.Parse(loan.Id);
        return Decision.Append(new StreamEvent(loan.Id, new LoanExtended(loanId, command.CommandId!.Value, months, command.Reason!, effectiveOn)))
            with { OutstandingVnd = loan.OutstandingVnd };
    }
}
