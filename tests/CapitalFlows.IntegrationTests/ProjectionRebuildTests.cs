using CapitalFlows.Engine.Rebuilding;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The COPY rebuild takes a table's indexes off while it writes the rows and builds them again afterwards, all in the
/// table's transaction: the tables come out of it with exactly the indexes they had, and a rebuild that stops half way
/// leaves every table with its rows and its indexes.
/// </summary>
public sealed class ProjectionRebuildTests(ServiceFixture service) : IntegrationTest(service)
{
    [Fact]
    public async Task A_rebuild_gives_every_table_back_the_indexes_it_had_and_the_same_rows()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var store = Service.Host.Services.GetRequiredService<IDocumentStore>();
        var (indexes, rows) = await LendingRecordedAsync(store, database, ct);

        var result = await new ProjectionRebuild(store, database).RunAsync(ct);

        Assert.Contains(result.Tables, t => t.Table == "mt_loan_quality_movements" && t.Rows > 0);
        Assert.Equal(indexes, await IndexesAsync(store, database, ct));
        Assert.Contains(indexes, i => i.StartsWith("mt_loan_quality_movements ix_loan_quality_movements_as_of ", StringComparison.Ordinal));
        var rebuilt = await ReplayFidelityTests.ProjectedAsync(store, database, ct, withMartenColumns: true);
        Assert.Equal("", Differences(rows, rebuilt));
    }

    [Fact]
    public async Task A_rebuild_that_stops_on_an_event_this_build_does_not_know_leaves_every_table_with_its_rows_and_its_indexes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var store = Service.Host.Services.GetRequiredService<IDocumentStore>();
        var (indexes, rows) = await LendingRecordedAsync(store, database, ct);
        await using (var unknown = database.CreateCommand("""
            update capitalflows.mt_events set mt_dotnet_type = 'CapitalFlows.NoSuchEvent, CapitalFlows'
            where seq_id = (select max(seq_id) from capitalflows.mt_events)
            """))
        {
            Assert.Equal(1, await unknown.ExecuteNonQueryAsync(ct));
        }

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => new ProjectionRebuild(store, database).RunAsync(ct));

        Assert.Contains("this build does not know", refused.Message, StringComparison.Ordinal);
        Assert.Equal(indexes, await IndexesAsync(store, database, ct));
        var after = await ReplayFidelityTests.ProjectedAsync(store, database, ct, withMartenColumns: true);
        Assert.Equal("", Differences(rows, after));
    }

    /// <summary>
    /// Loans drawn down and repaid in a commune, so that every table the rebuild writes has rows; then those tables'
    /// indexes and rows as the live projections left them.
    /// </summary>
    private async Task<(List<string> Indexes, Dictionary<string, List<(string Id, string Row)>> Rows)> LendingRecordedAsync(
        IDocumentStore store, NpgsqlDataSource database, CancellationToken ct)
    {
        await Service.RecordLedgerScenarioAsync();
        using var branch = Service.Client(Roles.BranchOfficer, "01");
        var loan = (await branch.DrawDownAsync("00004", CentralBudget, PoorHouseholds, 80_000_000)).LoanId();
        (await branch.RepayAsync(loan, 20_000_000)).Expect(200);
        (await branch.DrawDownAsync("00004", CentralBudget, PoorHouseholds, 60_000_000)).Expect(201);
        return (await IndexesAsync(store, database, ct), await ReplayFidelityTests.ProjectedAsync(store, database, ct, withMartenColumns: true));
    }

    /// <summary>
    /// What differs between two readings of the inline projections' rows (<see cref="ReplayFidelityTests.ProjectedAsync"/>).
    /// The daily capital is left out: the daemon projects it while the test runs (the replay fidelity test waits for it).
    /// </summary>
    private static string Differences(Dictionary<string, List<(string Id, string Row)>> before, Dictionary<string, List<(string Id, string Row)>> after) =>
        string.Concat(before
            .Where(r => !r.Key.Contains("dailycapital", StringComparison.OrdinalIgnoreCase))
            .Select(r => ReplayFidelityTests.Compare(r.Key, r.Value, after[r.Key])));

    /// <summary>Every index of every table the rebuild writes: table, index name and definition.</summary>
    private static async Task<List<string>> IndexesAsync(IDocumentStore store, NpgsqlDataSource database, CancellationToken ct)
    {
        var tables = ProjectionRebuild.Tables(RebuildContext.Of(store)).Select(t => t.Name).ToArray();
        await using var command = database.CreateCommand("""
            select tablename || ' ' || indexname || ' ' || indexdef from pg_indexes
            where schemaname = 'capitalflows' and tablename = any($1) order by tablename, indexname
            """);
        command.Parameters.AddWithValue(tables);
        var indexes = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) indexes.Add(reader.GetString(0));
        Assert.Equal(tables.Length, indexes.Select(i => i.Split(' ')[0]).Distinct().Count());
        return indexes;
    }
}
