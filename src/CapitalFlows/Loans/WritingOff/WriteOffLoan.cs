using CapitalFlows.Api;
using CapitalFlows.Approvals;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans.Repaying;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Loans.WritingOff;

/// <summary>
/// A write-off (xóa nợ) of unrecoverable principal, on a decision of the competent authority: the loan's outstanding
/// falls and no fund rises; the loss is borne by the source of the loan's fund (DOMAIN invariant 2).
/// </summary>
public sealed record WriteOffLoan(Guid? CommandId, long? AmountVnd, string? Cause, string? DecisionRef, string? EffectiveOn);

public static class WriteOffLoanEndpoint
{
    public const string Route = "/api/loans/{loanId}/write-offs";

    public static readonly IReadOnlyList<string> Causes = ["death", "natural-disaster", "epidemic", "other"];

    public static ProblemDetails Validate(WriteOffLoan command, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        errors.Amount(command.AmountVnd);
        errors.OneOf(command.Cause, "cause", Causes);
        errors.Text(command.DecisionRef, "decisionRef", required: true);
        errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem() ?? WolverineContinue.NoProblems;
    }

    [WolverinePost(Route)]
    [Authorize(Roles = Roles.CentralFinance)]
    public static async Task<IResult> Post(
        string loanId, WriteOffLoan command, HttpContext http, IQuerySession session, FourEyes fourEyes, MovementRecorder recorder, TimeProvider clock)
    {
        // An unknown loan is 404 before a write-off of it could be held for approval.
        if (!Guid.TryParse(loanId, out var id) || await session.LoadAsync<Loan>(id.ToString(), http.RequestAborted) is null)
            return Problems.NotFound($"There is no loan {loanId}.").ToResult();
        return await fourEyes.HoldOrRecordAsync(http, command.CommandId!.Value, command.AmountVnd!.Value,
            () => Record(command, id.ToString(), http, recorder, clock));
    }

    /// <summary>The write-off as sent, or as released by an approval (<see cref="HeldCommands"/>).</summary>
    public static Task<IResult> Record(WriteOffLoan command, string loanIdAsSent, CommandEnvelope envelope, MovementRecorder recorder, TimeProvider clock)
    {
        var loanId = Guid.TryParse(loanIdAsSent, out var id) ? id.ToString() : loanIdAsSent;
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        // The loan's fund is read under the structure lock: a merge may have moved the loan since.
        return recorder.RecordAsync(envelope, command.CommandId!.Value, effectiveOn,
            async (current, ct) => await current.LoadAsync<Loan>(loanId, ct) is { } loan
                ? new Touches([RepayLoanEndpoint.FundOf(loan)], [loanId], [])
                : new Touches([], [loanId], []),
            state => state.Loan(loanId) is { } loan
                ? Decide(command, loan, effectiveOn)
                : Problems.NotFound($"There is no loan {loanId}."));
    }

    public static Decision Decide(WriteOffLoan command, Loan loan, DateOnly effectiveOn)
    {
        var amountVnd = command.AmountVnd!.Value;
        if (loan.Status != LoanStatus.Active || amountVnd > loan.OutstandingVnd)
            return Problems.Create("write-off-exceeds-outstanding",
                $"Loan {loan.Id} is {loan.Status} with {loan.OutstandingVnd} VND outstanding; a write-off of {amountVnd} VND is more than that.");
        var fund = RepayLoanEndpoint.FundOf(loan);
        var loanId = Guid.Parse(loan.Id);
        var writeOffId = command.CommandId!.Value;
        return Decision.Append(
                new StreamEvent(loan.Id, new LoanWrittenOff(loanId, writeOffId, amountVnd, command.Cause!, command.DecisionRef!, effectiveOn)),
                new StreamEvent(fund.StreamKey, new LoanPrincipalWrittenOff(
                    loanId, writeOffId, fund.Locality, fund.Source, fund.Programme, amountVnd, command.Cause!, effectiveOn)))
            with { OutstandingVnd = loan.OutstandingVnd - amountVnd };
    }
}
