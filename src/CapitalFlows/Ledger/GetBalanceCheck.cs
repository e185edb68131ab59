using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Security;
using JasperFx.Core;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Npgsql;
using Wolverine.Http;

namespace CapitalFlows.Ledger;

/// <summary>
/// Conservation (DOMAIN.md invariant 2): funds plus loans outstanding equal every inflow accepted less what
/// of it was reversed. The inflows are summed from the event log itself and the holdings from the fund
/// projection, so the check compares two independent derivations. Gross inflows and reversals can pass what a
/// <c>long</c> holds (an inflow reversed and made again), so the log is summed as PostgreSQL numeric and the
/// figures are 128-bit integers.
/// </summary>
public sealed record BalanceCheck(Int128 ReceivedVnd, Int128 ReversedVnd, Int128 FundsVnd, Int128 LoansOutstandingVnd, bool Balanced);

public static class GetBalanceCheckEndpoint
{
    private static readonly string[] Inflows =
    [
        nameof(CentralBudgetEntrusted), nameof(MobilisedCapitalReceived), nameof(LocalBudgetToppedUp), nameof(CharityDonationReceived),
    ];

    [WolverineGet("/api/ledger/balance-check")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.Analyst}")]
    public static async Task<BalanceCheck> Get(IQuerySession session, CancellationToken ct)
    {
        var (received, reversed) = await InflowsAsync(session, ct);
        var funds = await FundQueries.Live(session, ct);
        var held = funds.SumVnd(f => f.AvailableVnd);
        var outstanding = funds.SumVnd(f => f.LoansOutstandingVnd);
        return new BalanceCheck(received, reversed, held, outstanding, held + outstanding == received - reversed);
    }

    /// <summary>Every inflow's amount and every reversed inflow's, summed in the database without a bound.</summary>
    private static async Task<(Int128 Received, Int128 Reversed)> InflowsAsync(IQuerySession session, CancellationToken ct)
    {
        await using var connection = session.DocumentStore.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        // Marten names an event type in mt_events.type by its class name in snake case (central_budget_entrusted).
        await using var command = new NpgsqlCommand($"""
            select coalesce(sum((data ->> 'AmountVnd')::numeric) filter (where type = any($1)), 0)::text,
                   coalesce(sum((data ->> 'AmountVnd')::numeric) filter (where type = $2), 0)::text
            from {session.DocumentStore.Options.Events.DatabaseSchemaName}.mt_events
            where type = any($1) or type = $2
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Inflows.Select(t => t.ToTableAlias()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = nameof(InflowReversed).ToTableAlias() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (Int128.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture),
                Int128.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture));
    }
}
