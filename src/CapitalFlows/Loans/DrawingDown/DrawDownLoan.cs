using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Loans.DrawingDown;

/// <summary>A loan drawn down from one fund through an entrusted organisation: a new loan stream, one transaction with the fund.</summary>
public sealed record DrawDownLoan(
    Guid? CommandId, Guid? LoanId, string? Locality, string? Source, string? Programme, long? AmountVnd, string? BorrowerRef,
    string? EntrustedOrganisation, string? SavingsGroup, int? TermMonths, string? EffectiveOn)
{
    /// <summary>Months between instalments (default 6; a loan of 12 months or less repays at maturity by default).</summary>
    public int? RepaymentEveryMonths { get; init; }
}

public static class DrawDownLoanEndpoint
{
    public static ProblemDetails Validate(
        DrawDownLoan command, ClaimsPrincipal user, LocalityDirectory localities, ProgrammeCatalogue programmes, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        if (command.LoanId == Guid.Empty) errors.Add("loanId", "loanId must be a UUID other than the empty one.");
        errors.Locality(command.Locality, "locality", localities);
        errors.Source(command.Source);
        errors.Programme(command.Programme, "programme", programmes);
        errors.Amount(command.AmountVnd);
        errors.Text(command.BorrowerRef, "borrowerRef", required: true);
        errors.OneOf(command.EntrustedOrganisation, "entrustedOrganisation", EntrustedOrganisations.All);
        errors.Text(command.SavingsGroup, "savingsGroup", required: false);
        if (command.TermMonths is null or <= 0) errors.Add("termMonths", "termMonths is required: a whole number of months above 0.");
        else if (command.RepaymentEveryMonths is { } every && (every <= 0 || every > command.TermMonths))
            errors.Add("repaymentEveryMonths", $"repaymentEveryMonths must be a whole number of months from 1 to the term ({command.TermMonths}).");
        var effectiveOn = errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem()
            ?? LendingRules.RefuseIfNotLendable(command.Programme!, command.AmountVnd!.Value, command.TermMonths!.Value, effectiveOn, programmes)
            ?? Scope.Refuse(Caller.From(user), effectiveOn, localities, command.Locality!)
            ?? WolverineContinue.NoProblems;
    }

    [WolverinePost("/api/loans")]
    [Authorize(Roles = $"{Roles.BranchOfficer},{Roles.CentralFinance}")]
    public static Task<IResult> Post(
        DrawDownLoan command, HttpContext http, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        // A loan id chosen by the client makes the retry of a drawdown name the same loan; otherwise the
        // command id, which is unique, names it.
        var loanId = command.LoanId ?? command.CommandId!.Value;
        return recorder.RecordAsync(http, command.CommandId!.Value, effectiveOn,
            new Touches([Fund(command)], [loanId.ToString()], []),
            state => Decide(command, loanId, state, effectiveOn, localities),
            StatusCodes.Status201Created);
    }

    public static FundKey Fund(DrawDownLoan command) => new(command.Locality!, command.Source!, command.Programme!);

    public static Decision Decide(DrawDownLoan command, Guid loanId, LedgerState state, DateOnly effectiveOn, LocalityDirectory localities)
    {
        var fund = Fund(command);
        var amountVnd = command.AmountVnd!.Value;
        if (state.Loan(loanId.ToString()) is not null)
            return Problems.Validation("loanId", $"Loan {loanId} already exists; choose another loanId.");
        return LocalityRules.RefuseIfNotOpen(localities, effectiveOn, command.Locality!)
            ?? state.Funds.RefuseIfShort(fund, amountVnd)
            ?? (Decision.Append(
                new StreamEvent(fund.StreamKey, new CapitalLent(loanId, fund.Locality, fund.Source, fund.Programme, amountVnd, effectiveOn)),
                new StreamEvent(loanId.ToString(), new LoanDrawnDown(
                    loanId, fund.Locality, fund.Source, fund.Programme, amountVnd, command.BorrowerRef!,
                    command.EntrustedOrganisation!, command.SavingsGroup, command.TermMonths!.Value, effectiveOn)
                { RepaymentEveryMonths = command.RepaymentEveryMonths }))
                with { LoanId = loanId });
    }
}
