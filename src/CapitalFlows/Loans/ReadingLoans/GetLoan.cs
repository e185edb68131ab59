using System.Security.Claims;
using CapitalFlows.Commands;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Loans.ReadingLoans;

/// <summary>A loan as API.md shows it.</summary>
public sealed record LoanView(
    Guid LoanId, string Locality, string Source, string Programme, long PrincipalVnd, long RepaidVnd, long OutstandingVnd,
    string Status, string EntrustedOrganisation, string BorrowerRef, string? SavingsGroup, int TermMonths, DateOnly DrawnOn)
{
    public static LoanView Of(Loan loan) => new(
        Guid.Parse(loan.Id), loan.Locality, loan.Source, loan.Programme, loan.PrincipalVnd, loan.RepaidVnd, loan.OutstandingVnd,
        loan.Status, loan.EntrustedOrganisation, loan.BorrowerRef, loan.SavingsGroup, loan.TermMonths, loan.DrawnOn);
}

public static class GetLoanEndpoint
{
    [WolverineGet("/api/loans/{loanId}")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string loanId, ClaimsPrincipal user, IQuerySession session, LocalityDirectory localities, TimeProvider clock, CancellationToken ct)
    {
        var loan = Guid.TryParse(loanId, out var id) ? await session.LoadAsync<Loan>(id.ToString(), ct) : null;
        if (loan is null)
            return Problems.NotFound($"There is no loan {loanId}.").ToResult();
        return Scope.Refuse(Caller.From(user), VietnamCalendar.Today(clock), localities, loan.Locality) is { } outOfScope
            ? outOfScope.ToResult()
            : Results.Ok(LoanView.Of(loan));
    }
}
