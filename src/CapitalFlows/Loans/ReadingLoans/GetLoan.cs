using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Loans.ReadingLoans;

/// <summary>
/// A loan as API.md shows it, read as of a date: its schedule, and the principal overdue on that date (instalments due
/// before it, not repaid by it).
/// </summary>
public sealed record LoanView(
    Guid LoanId, string Locality, string Source, string Programme, long PrincipalVnd, long RepaidVnd, long OutstandingVnd,
    string Status, string EntrustedOrganisation, string BorrowerRef, string? SavingsGroup, int TermMonths, DateOnly DrawnOn)
{
    public int RepaymentEveryMonths { get; init; }

    public DateOnly MaturityOn { get; init; }

    public long OverdueVnd { get; init; }

    public long WrittenOffVnd { get; init; }

    public int ExtendedMonths { get; init; }

    public IReadOnlyList<InstalmentView> Schedule { get; init; } = [];

    public static LoanView Of(Loan loan, DateOnly asOf) => new(
        Guid.Parse(loan.Id), loan.Locality, loan.Source, loan.Programme, loan.PrincipalVnd, loan.RepaidVnd, loan.OutstandingVnd,
        loan.Status, loan.EntrustedOrganisation, loan.BorrowerRef, loan.SavingsGroup, loan.TermMonths, loan.DrawnOn)
    {
        RepaymentEveryMonths = loan.RepaymentEveryMonths,
        MaturityOn = loan.MaturityOn,
        OverdueVnd = loan.OverdueOn(asOf),
        WrittenOffVnd = loan.WrittenOffVnd,
        ExtendedMonths = loan.ExtendedMonths,
        Schedule = loan.Schedule.Select(i => new InstalmentView(i.DueOn, i.PrincipalVnd, i.PaidVnd, i.WrittenOffVnd)).ToList(),
    };
}

/// <summary>One instalment: when it falls due (after extensions), its principal, and what of it was repaid and written off.</summary>
public sealed record InstalmentView(DateOnly DueOn, long PrincipalVnd, long PaidVnd, long WrittenOffVnd);

public static class GetLoanEndpoint
{
    [WolverineGet("/api/loans/{loanId}")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string loanId, string? asOf, string? knownAt, ClaimsPrincipal user, IQuerySession session, LocalityDirectory localities,
        TimeProvider clock, CancellationToken ct)
    {
        var (reading, invalid) = ReadDates.Reading(asOf, knownAt, clock);
        if (invalid is not null) return invalid.ToResult();
        var loan = Guid.TryParse(loanId, out var id) ? await LoadAsync(session, id.ToString(), reading, ct) : null;
        if (loan is null)
            return Problems.NotFound($"There is no loan {loanId}{(reading.IsLive ? "" : $" as of {reading.AsOf:yyyy-MM-dd}")}.").ToResult();
        return Scope.Refuse(Caller.From(user), reading.AsOf, localities, loan.Locality) is { } outOfScope
            ? outOfScope.ToResult()
            : Results.Ok(LoanView.Of(loan, reading.AsOf));
    }

    /// <summary>Now: the snapshot. As of a date or known at an instant: its (short) stream folded up to both.</summary>
    private static async Task<Loan?> LoadAsync(IQuerySession session, string loanId, BalanceReading reading, CancellationToken ct)
    {
        if (reading.IsLive) return await session.LoadAsync<Loan>(loanId, ct);
        var events = await session.Events.FetchStreamAsync(loanId, token: ct);
        return Loan.Fold(events
            .Where(e => ((ILedgerEvent)e.Data).EffectiveOn <= reading.AsOf)
            .Where(e => reading.KnownAt is null || FundMovementProjection.RecordedAt(e) <= reading.KnownAt)
            .Select(e => e.Data));
    }
}
