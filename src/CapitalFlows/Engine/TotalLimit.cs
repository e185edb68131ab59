using CapitalFlows.Api;
using CapitalFlows.Funds;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace CapitalFlows.Engine;

/// <summary>
/// Totals never wrap (API.md, Trust): an inflow that would take a total past <see cref="MaxTotalVnd"/> is 409
/// total-limit, and nothing is appended. The totals an inflow can grow:
/// <list type="bullet">
/// <item>its fund's inflows and received capital — the fund is read under its lock anyway;</item>
/// <item>the nation's received capital (every inflow less those reversed), which bounds every other total: the
/// capital held and lent in any subtree, at any locality, in any source or programme is a part of it.</item>
/// </list>
/// <para>Cost: the national total is read only by inflows (entrustments, mobilisations, top-ups, donations),
/// never by allocations, recalls, lending or reversals, which cannot raise it. No row is written for it: an
/// inflow takes one more advisory lock, <see cref="NationalLock"/>, last of its locks, and sums the fund snapshots'
/// inflows under it, so two inflows near the limit cannot both pass. Inflows therefore queue behind each other
/// nationally (each for one scan of the fund snapshots: milliseconds at tens of thousands of funds),
/// which suits how rarely capital enters the bank; every other command is untouched. The lock is taken after the
/// fund locks and its holder waits on nothing else, so it cannot deadlock.</para>
/// <para>9×10^18 leaves 2.2×10^17 below <c>long.MaxValue</c>, so a fund's figures still fit a <c>long</c>; reads add
/// them up in 128 bits (<see cref="CapitalFlows.Reading.WideSum"/>).</para>
/// </summary>
public static class TotalLimit
{
    public const long MaxTotalVnd = 9_000_000_000_000_000_000;

    /// <summary>The advisory lock inflows take to read the national total and decide one at a time.</summary>
    public const string NationalLock = "national-received";

    /// <summary>The inflows among a decision's events: fund stream key and amount.</summary>
    public static IReadOnlyList<(string StreamKey, long AmountVnd)> InflowsOf(Decision decision) =>
        decision.Events
            .Select(e => (e.StreamKey, AmountVnd: e.Event switch
            {
                CentralBudgetEntrusted i => i.AmountVnd,
                MobilisedCapitalReceived i => i.AmountVnd,
                LocalBudgetToppedUp i => i.AmountVnd,
                CharityDonationReceived i => i.AmountVnd,
                _ => 0L,
            }))
            .Where(i => i.AmountVnd > 0)
            .ToList();

    /// <summary>The refusal when the inflows would take their fund's or the nation's total past the limit.</summary>
    public static ProblemDetails? Refuse(FundStates funds, IReadOnlyList<(string StreamKey, long AmountVnd)> inflows, Int128 nationalReceivedVnd)
    {
        foreach (var fund in inflows.GroupBy(i => i.StreamKey, StringComparer.Ordinal))
        {
            var state = funds[FundKey.Parse(fund.Key)];
            var amount = fund.Aggregate(Int128.Zero, (total, i) => total + i.AmountVnd);
            var largest = Int128.Max(state.InflowsVnd, state.ReceivedVnd);
            if (largest + amount > MaxTotalVnd)
                return Create($"fund {fund.Key}", largest, amount);
        }

        var inflow = inflows.Aggregate(Int128.Zero, (total, i) => total + i.AmountVnd);
        return nationalReceivedVnd + inflow > MaxTotalVnd ? Create("the nation's received capital", nationalReceivedVnd, inflow) : null;
    }

    private static ProblemDetails Create(string total, Int128 nowVnd, Int128 inflowVnd)
    {
        var problem = Problems.Create("total-limit",
            $"The total of {total} is {nowVnd} VND; {inflowVnd} VND more would pass the limit of {MaxTotalVnd} VND.");
        problem.Extensions["limitVnd"] = MaxTotalVnd;
        return problem;
    }

    /// <summary>
    /// Takes <see cref="NationalLock"/> (held to the end of the transaction) and then reads the nation's received
    /// capital — inflows less reversed inflows over every fund snapshot — in one round trip.
    /// </summary>
    public static async Task<Int128> NationalReceivedAsync(IDocumentSession session, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(session.Connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select pg_advisory_xact_lock(hashtextextended('{NationalLock}', 0))"));
        // Its own statement, so it reads after the lock was granted: every inflow that held it before has committed.
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            select coalesce(sum((data ->> 'InflowsVnd')::numeric - (data ->> 'InflowsReversedVnd')::numeric), 0)::text
            from {session.DocumentStore.Options.DatabaseSchemaName}.mt_doc_fund
            """));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return Int128.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture);
    }
}
