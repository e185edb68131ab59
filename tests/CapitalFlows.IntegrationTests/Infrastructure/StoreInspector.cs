using System.Text.Json;
using CapitalFlows.Localities.Merging;
using Npgsql;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// Reads the event store of the nodes straight from PostgreSQL (schema <c>capitalflows</c>): the accepted commands,
/// the events per command id, the fund and loan documents, the progress of the asynchronous projection and
/// Wolverine's node and agent tables. The nodes are other processes, so this is the test's only view of the store.
/// </summary>
public sealed class StoreInspector(NpgsqlDataSource database)
{
    public const string Schema = "capitalflows";

    /// <summary>The name of the DailyCapital projection's shard in <c>mt_event_progression</c>.</summary>
    public const string DailyCapitalShard = "DailyCapital:All";

    /// <summary>Every accepted command (one row per command id): its status and the answer stored with it.</summary>
    public async Task<Dictionary<Guid, (int Status, string Answer)>> ProcessedCommandsAsync(CancellationToken ct)
    {
        var commands = new Dictionary<Guid, (int, string)>();
        await using var command = database.CreateCommand(
            $"select id, (data->>'Status')::int, data->>'Answer' from {Schema}.mt_doc_processedcommand");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            commands.Add(reader.GetGuid(0), (reader.GetInt32(1), reader.GetString(2)));
        return commands;
    }

    /// <summary>How many events carry each <c>commandId</c> header ("" for events without one).</summary>
    public async Task<Dictionary<string, long>> EventsPerCommandAsync(CancellationToken ct)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = database.CreateCommand(
            $"select coalesce(headers->>'commandId', ''), count(*) from {Schema}.mt_events where coalesce(headers->>'commandId', '') <> '{Reorganisation2025Data.CommandId}' group by 1");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            counts.Add(reader.GetString(0), reader.GetInt64(1));
        return counts;
    }

    /// <summary>Every fund document's totals, by its stream key.</summary>
    public async Task<Dictionary<string, FundTotals>> FundsAsync(CancellationToken ct)
    {
        var funds = new Dictionary<string, FundTotals>(StringComparer.Ordinal);
        await using var command = database.CreateCommand($"select id, data from {Schema}.mt_doc_fund");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            using var data = JsonDocument.Parse(reader.GetString(1));
            var fund = data.RootElement;
            funds.Add(reader.GetString(0), new FundTotals(
                fund.GetProperty("InflowsVnd").GetInt64(),
                fund.GetProperty("ReceivedVnd").GetInt64(),
                fund.GetProperty("PassedDownVnd").GetInt64(),
                fund.GetProperty("LentVnd").GetInt64(),
                fund.GetProperty("RepaidVnd").GetInt64()));
        }

        return funds;
    }

    /// <summary>Every loan document: principal and repaid, by loan id.</summary>
    public async Task<Dictionary<Guid, (long PrincipalVnd, long RepaidVnd)>> LoansAsync(CancellationToken ct)
    {
        var loans = new Dictionary<Guid, (long, long)>();
        await using var command = database.CreateCommand(
            $"select id, (data->>'PrincipalVnd')::bigint, (data->>'RepaidVnd')::bigint from {Schema}.mt_doc_loan");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            loans.Add(Guid.Parse(reader.GetString(0)), (reader.GetInt64(1), reader.GetInt64(2)));
        return loans;
    }

    /// <summary>How far the DailyCapital projection has got (0 before it starts) and the last event's sequence.</summary>
    public async Task<(long Projected, long LastEvent)> DailyCapitalProgressAsync(CancellationToken ct)
    {
        await using var command = database.CreateCommand($"""
            select coalesce((select last_seq_id from {Schema}.mt_event_progression where name = $1), 0),
                   coalesce((select max(seq_id) from {Schema}.mt_events), 0)
            """);
        command.Parameters.AddWithValue(DailyCapitalShard);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Wolverine's agent assignments: agent URI → the id of the node that runs it (the leader is <c>wolverine://leader/</c>).</summary>
    public async Task<Dictionary<string, Guid>> AgentAssignmentsAsync(CancellationToken ct)
    {
        var assignments = new Dictionary<string, Guid>(StringComparer.Ordinal);
        await using var command = database.CreateCommand($"select id, node_id from {Schema}.wolverine_node_assignments");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            assignments.Add(reader.GetString(0), reader.GetGuid(1));
        return assignments;
    }

    /// <summary>
    /// Takes the advisory lock that commands take on <paramref name="streamKey"/>, in a transaction of the test's own,
    /// so that commands touching that fund wait inside the nodes (in flight) until it is released.
    /// </summary>
    public async Task<FundLockHold> HoldFundLockAsync(string streamKey, CancellationToken ct) =>
        await FundLockHold.TakeAsync(database, streamKey, ct);
}
