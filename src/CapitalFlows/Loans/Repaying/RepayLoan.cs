using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Loans.Repaying;

/// <summary>A repayment of principal: lowers what is outstanding and returns the money to the fund the loan came from.</summary>
public sealed record RepayLoan(Guid? CommandId, long? AmountVnd, string? EffectiveOn);

public static class RepayLoanEndpoint
{
    public static ProblemDetails Validate(RepayLoan command, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        errors.Amount(command.AmountVnd);
        errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem() ?? WolverineContinue.NoProblems;
    }

    [WolverinePost("/api/loans/{loanId}/repayments")]
    [Authorize(Roles = $"{Roles.BranchOfficer},{Roles.CentralFinance}")]
    public static async Task<IResult> Post(
        string loanId, RepayLoan command, ClaimsPrincipal user, HttpContext http, IQuerySession session,
        MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        var caller = Caller.From(user);
        var (loan, problem) = await LoanInRoute.FindAsync(loanId, caller, effectiveOn, session, localities, recorder, http.RequestAborted);
        if (loan is null) return problem!.ToResult();

        // The loan's fund is read under the structure lock: a merge may have moved the loan since.
        return await recorder.RecordOnLoanAsync(http, command.CommandId!.Value, effectiveOn, loan,
            current => new Touches([FundOf(current)], [loan.Id], []),
            state => LoanInRoute.InScope(caller, effectiveOn, localities, state.Loan(loan.Id)!, current => Decide(command, current, state.Funds, effectiveOn)));
    }

    /// <summary>The fund a loan's repayments return to: the one it was drawn from, or its successor's after a merge.</summary>
    public static FundKey FundOf(Loan loan) => new(loan.Locality, loan.Source, loan.Programme);

    public static Decision Decide(RepayLoan command, Loan loan, FundStates funds, DateOnly effectiveOn)
    {
        var amountVnd = command.AmountVnd!.Value;
        if (loan.Status != LoanStatus.Active || amountVnd > loan.OutstandingVnd)
            return Problems.Create("over-repayment",
                $"Loan {loan.Id} is {loan.Status} with {loan.OutstandingVnd} VND outstanding; a repayment of {amountVnd} VND is more than that.");
        var fund = FundOf(loan);
        var loanId = Guid.Parse(loan.Id);
        var repaymentId = command.CommandId!.Value;
        return Decision.Append(
                new StreamEvent(loan.Id, new LoanRepaid(loanId, repaymentId, amountVnd, effectiveOn)),
                new StreamEvent(fund.StreamKey, new RepaymentReceived(loanId, repaymentId, fund.Locality, fund.Source, fund.Programme, amountVnd, effectiveOn)))
            with { OutstandingVnd = loan.OutstandingVnd - amountVnd };
    }
}
