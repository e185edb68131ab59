using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Reading;
using CapitalFlows.Security;
using JasperFx.Core;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Npgsql;
using Wolverine.Http;

namespace CapitalFlows.National;

/// <summary>
/// Conservation (DOMAIN.md invariant 2): funds plus loans outstanding equal every inflow accepted less what
/// of it was reversed and less the principal written off, in total and per source (a write-off counts against the
/// source of the loan's fund). The inflows and write-offs are summed from the event log itself and the holdings
/// from the fund projection, so the check compares two independent derivations. Gross inflows and reversals can
/// pass what a <c>long</c> holds (an inflow reversed and made again), so the log is summed as PostgreSQL numeric
/// and the figures are 128-bit integers.
/// </summary>
public sealed record BalanceCheck(Int128 ReceivedVnd, Int128 ReversedVnd, Int128 FundsVnd, Int128 LoansOutstandingVnd, bool Balanced)
{
    public Int128 WrittenOffVnd { get; init; }

    public IReadOnlyList<SourceBalance> Sources { get; init; } = [];
}

/// <summary>Invariant 2 for one source.</summary>
public sealed record SourceBalance(
    string Source, Int128 ReceivedVnd, Int128 ReversedVnd, Int128 WrittenOffVnd, Int128 FundsVnd, Int128 LoansOutstandingVnd, bool Balanced);

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
        var logged = await LoggedBySourceAsync(session, ct);
        var funds = await FundQueries.Live(session, ct);
        var sources = Sources.All.Concat(logged.Keys).Concat(funds.Select(f => f.Source)).Distinct(StringComparer.Ordinal)
            .Select(source =>
            {
                var (received, reversed, writtenOff) = logged.GetValueOrDefault(source);
                var ofSource = funds.Where(f => f.Source == source).ToList();
                var held = ofSource.SumVnd(f => f.AvailableVnd);
                var outstanding = ofSource.SumVnd(f => f.LoansOutstandingVnd);
                return new SourceBalance(source, received, reversed, writtenOff, held, outstanding, held + outstanding == received - reversed - writtenOff);
            })
            .ToList();
        var total = (
            Received: sources.Aggregate(Int128.Zero, (sum, s) => sum + s.ReceivedVnd),
            Reversed: sources.Aggregate(Int128.Zero, (sum, s) => sum + s.ReversedVnd),
            WrittenOff: sources.Aggregate(Int128.Zero, (sum, s) => sum + s.WrittenOffVnd));
        var allHeld = funds.SumVnd(f => f.AvailableVnd);
        var allOutstanding = funds.SumVnd(f => f.LoansOutstandingVnd);
        return new BalanceCheck(total.Received, total.Reversed, allHeld, allOutstanding,
            allHeld + allOutstanding == total.Received - total.Reversed - total.WrittenOff && sources.All(s => s.Balanced))
        {
            WrittenOffVnd = total.WrittenOff,
            Sources = sources,
        };
    }

    /// <summary>
    /// Per source (the middle part of a fund's stream key): every inflow's amount, every reversed inflow's, and the
    /// principal written off less write-offs reversed, summed in the database without a bound.
    /// </summary>
    private static async Task<Dictionary<string, (Int128 Received, Int128 Reversed, Int128 WrittenOff)>> LoggedBySourceAsync(IQuerySession session, CancellationToken ct)
    {
        await using var connection = session.DocumentStore.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        // Marten names an event type in mt_events.type by its class name in snake case (central_budget_entrusted).
        await using var command = new NpgsqlCommand($"""
            select split_part(stream_id, '/', 2),
                   coalesce(sum((data ->> 'AmountVnd')::numeric) filter (where type = any($1)), 0)::text,
                   coalesce(sum((data ->> 'AmountVnd')::numeric) filter (where type = $2), 0)::text,
                   (coalesce(sum((data ->> 'AmountVnd')::numeric) filter (where type = $3), 0)
                    - coalesce(sum((data ->> 'AmountVnd')::numeric) filter (where type = $4), 0))::text
            from {session.DocumentStore.Options.Events.DatabaseSchemaName}.mt_events
            where (type = any($1) or type = $2 or type = $3 or type = $4) and stream_id like '%/%'
            group by 1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Inflows.Select(t => t.ToTableAlias()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = nameof(InflowReversed).ToTableAlias() });
        command.Parameters.Add(new NpgsqlParameter { Value = nameof(LoanPrincipalWrittenOff).ToTableAlias() });
        command.Parameters.Add(new NpgsqlParameter { Value = nameof(WriteOffReversed).ToTableAlias() });
        var bySource = new Dictionary<string, (Int128, Int128, Int128)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            bySource[reader.GetString(0)] = (Parse(reader.GetString(1)), Parse(reader.GetString(2)), Parse(reader.GetString(3)));
        return bySource;
    }

    private static Int128 Parse(string value) => Int128.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
}
