using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Loans;

/// <summary>
/// The loan a command's route names (<c>/api/loans/{loanId}/...</c>): 404 when there is none, 403 outside the caller's
/// scope. Both are answered before the command reaches the engine, and the scope is checked again in the decision, on
/// the loan as read under the command's locks (<see cref="InScope"/>): a merge may move a loan to a locality outside the
/// caller's scope between the two.
/// </summary>
public static class LoanInRoute
{
    /// <summary>
    /// The loan, as this node's engine keeps it when it lets the caller in (no round trip: a repayment's endpoint read
    /// each loan before the batch, a sixteenth of the service's CPU), else as stored. A kept loan is only a guess, so it
    /// never refuses: one the caller's scope does not cover is read again from the store.
    /// </summary>
    public static async Task<(Loan? Loan, ProblemDetails? Problem)> FindAsync(
        string loanId, Caller caller, DateOnly effectiveOn, IQuerySession session, LocalityDirectory localities, MovementRecorder recorder,
        CancellationToken ct)
    {
        var key = Guid.TryParse(loanId, out var id) ? id.ToString() : null;
        if (key is not null && recorder.KeptLoan(key) is { } kept && Scope.Refuse(caller, effectiveOn, localities, kept.Locality) is null) return (kept, null);
        var loan = key is null ? null : await session.LoadAsync<Loan>(key, ct);
        if (loan is null) return (null, Problems.NotFound($"There is no loan {loanId}."));
        return Scope.Refuse(caller, effectiveOn, localities, loan.Locality) is { } outOfScope ? (null, outOfScope) : (loan, null);
    }

    /// <summary>
    /// <paramref name="decide"/> on the loan as the engine read it under the command's locks, if the caller's scope covers
    /// where the loan is then; else the same 403 as the endpoint's, and nothing is appended.
    /// </summary>
    public static Decision InScope(Caller caller, DateOnly effectiveOn, LocalityDirectory localities, Loan current, Func<Loan, Decision> decide) =>
        Scope.Refuse(caller, effectiveOn, localities, current.Locality) is { } outOfScope ? outOfScope : decide(current);
}
