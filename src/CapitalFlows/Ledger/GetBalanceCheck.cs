using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Ledger;

/// <summary>
/// Conservation (DOMAIN.md invariant 2): funds plus loans outstanding equal every inflow accepted less what
/// of it was reversed. The inflows are summed from the event log itself and the holdings from the fund
/// projection, so the check compares two independent derivations.
/// </summary>
public sealed record BalanceCheck(long ReceivedVnd, long ReversedVnd, long FundsVnd, long LoansOutstandingVnd, bool Balanced);

public static class GetBalanceCheckEndpoint
{
    [WolverineGet("/api/ledger/balance-check")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.Analyst}")]
    public static async Task<BalanceCheck> Get(IQuerySession session, CancellationToken ct)
    {
        var events = session.Events;
        var received =
            await events.QueryRawEventDataOnly<CentralBudgetEntrusted>().SumAsync(e => e.AmountVnd, ct)
            + await events.QueryRawEventDataOnly<MobilisedCapitalReceived>().SumAsync(e => e.AmountVnd, ct)
            + await events.QueryRawEventDataOnly<LocalBudgetToppedUp>().SumAsync(e => e.AmountVnd, ct)
            + await events.QueryRawEventDataOnly<CharityDonationReceived>().SumAsync(e => e.AmountVnd, ct);
        var funds = await FundQueries.Live(session, ct);
        var reversed = await events.QueryRawEventDataOnly<InflowReversed>().SumAsync(e => e.AmountVnd, ct);
        var held = funds.Sum(f => f.AvailableVnd);
        var outstanding = funds.Sum(f => f.LoansOutstandingVnd);
        return new BalanceCheck(received, reversed, held, outstanding, held + outstanding == received - reversed);
    }
}
