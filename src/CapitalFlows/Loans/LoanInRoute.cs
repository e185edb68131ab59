using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Loans;

/// <summary>The loan a command's route names (<c>/api/loans/{loanId}/...</c>): 404 when there is none, 403 outside the caller's scope.</summary>
public static class LoanInRoute
{
    public static async Task<(Loan? Loan, ProblemDetails? Problem)> FindAsync(
        string loanId, Caller caller, DateOnly effectiveOn, IQuerySession session, LocalityDirectory localities, CancellationToken ct)
    {
        var loan = Guid.TryParse(loanId, out var id) ? await session.LoadAsync<Loan>(id.ToString(), ct) : null;
        if (loan is null) return (null, Problems.NotFound($"There is no loan {loanId}."));
        return Scope.Refuse(caller, effectiveOn, localities, loan.Locality) is { } outOfScope ? (null, outOfScope) : (loan, null);
    }
}
