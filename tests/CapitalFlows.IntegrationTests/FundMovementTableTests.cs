using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Reading;
using CapitalFlows.Security;
using Npgsql;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The fund movements behind every as-of read: one row per fund event, in a table whose one index answers the read
/// by itself (an index-only scan), so that a read over a province's tens of thousands of rows never visits the table.
/// </summary>
public sealed class FundMovementTableTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string Schema = "capitalflows";

    [Fact]
    public async Task Each_fund_event_is_one_row_of_the_funds_running_totals_and_the_as_of_read_takes_each_funds_latest_row_from_the_one_index()
    {
        var ct = TestContext.Current.CancellationToken;
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(1_000, effectiveOn: "2025-08-01")).Expect(200);
        (await finance.AllocateAsync("VN", "01", 300, effectiveOn: "2025-08-02")).Expect(200);

        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        await using var connection = await database.OpenConnectionAsync(ct);
        Assert.Equal(
            [
                "01/central-budget/general 2025-08-02 received 300 passed down 0",
                "VN/central-budget/general 2025-08-01 received 1000 passed down 0",
                "VN/central-budget/general 2025-08-02 received 1000 passed down 300",
            ],
            await LinesAsync(connection, $"""
                select fund || ' ' || effective_on || ' received ' || received_vnd || ' passed down ' || passed_down_vnd
                from {Schema}.{FundMovementProjection.TableName} order by fund, effective_on
                """, ct));
        Assert.Equal(["ix_fund_movements_as_of"], await LinesAsync(connection,
            $"select indexname from pg_indexes where schemaname = '{Schema}' and tablename = '{FundMovementProjection.TableName}'", ct));

        // Three rows would be read straight from the table; with that ruled out the plan shows the index can serve the read alone.
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await LinesAsync(connection, "set local enable_seqscan = off", ct);
        await LinesAsync(connection, "set local enable_bitmapscan = off", ct);
        foreach (var reading in new[]
        {
            new BalanceReading(new DateOnly(2025, 8, 31), null, IsLive: false),
            new BalanceReading(new DateOnly(2025, 8, 31), DateTimeOffset.UtcNow, IsLive: false),
        })
        {
            await using var command = FundQueries.HistoricalCommand(Schema, ["01", "00004"], reading);
            command.CommandText = "explain " + command.CommandText;
            command.Connection = connection;
            var plan = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct)) plan.Add(reader.GetString(0));
            }

            // One descent of the index per fund (a backward index-only scan, limit 1) for each fund of the subtree.
            Assert.True(plan.Any(line => line.Contains("Index Only Scan Backward using ix_fund_movements_as_of", StringComparison.Ordinal)),
                $"Not an index-only scan (knownAt {reading.KnownAt}):\n{string.Join('\n', plan)}");
        }
    }

    [Fact]
    public async Task A_read_as_known_before_a_funds_rows_were_recorded_looks_at_its_first_row_only_not_back_through_its_history()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = DateTimeOffset.UtcNow;
        await Task.Delay(50, ct);
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(1_000, effectiveOn: "2025-08-01")).Expect(200);
        (await finance.AllocateAsync("VN", "01", 300, effectiveOn: "2025-08-02")).Expect(200);
        (await finance.EntrustCentralBudgetAsync(5_000, effectiveOn: "2025-08-03")).Expect(200);

        var knownBefore = Uri.EscapeDataString(before.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        var asKnownBefore = await finance.GetAnswerAsync($"/api/localities/VN/capital?asOf=2025-08-31&knownAt={knownBefore}");
        var asKnownNow = await finance.GetAnswerAsync("/api/localities/VN/capital?asOf=2025-08-31");
        Assert.Equal(0, asKnownBefore.Json.GetProperty("subtree").GetProperty("availableVnd").GetInt64());
        Assert.Equal(6_000, asKnownNow.Json.GetProperty("subtree").GetProperty("availableVnd").GetInt64());

        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = FundQueries.HistoricalCommand(Schema, ["VN", "01"], new BalanceReading(new DateOnly(2025, 8, 31), before, IsLive: false));
        command.CommandText = "explain (analyze, costs off) " + command.CommandText;
        command.Connection = connection;
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) plan.Add(reader.GetString(0));
        }

        // Each fund's first row is read (one descent) and found recorded too late; the backward scan never runs.
        var text = string.Join('\n', plan);
        Assert.True(plan.Any(line => line.Contains("One-Time Filter", StringComparison.Ordinal)), text);
        Assert.True(plan.Any(line => line.Contains("Index Only Scan Backward using ix_fund_movements_as_of", StringComparison.Ordinal)
            && line.Contains("never executed", StringComparison.Ordinal)), text);
    }

    private static async Task<List<string>> LinesAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var lines = new List<string>();
        while (await reader.ReadAsync(ct))
            if (reader.FieldCount > 0) lines.Add(reader.GetString(0));
        return lines;
    }
}
