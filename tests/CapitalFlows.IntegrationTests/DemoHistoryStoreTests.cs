using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Alba;
using CapitalFlows.Api;
using CapitalFlows.Demo;
using CapitalFlows.Engine;
using CapitalFlows.Engine.Rebuilding;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Loans;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The demo history as <c>seed-demo</c> writes it: the service's host built but not started, the schema applied,
/// the history written through Marten (<see cref="BulkWriter"/>) into an empty database of its own. The projections
/// must then hold exactly what the simulation's ledger holds, and exactly what a rebuild from the log writes, and a
/// service started on that database must read it, and answer its commands, as it does what its own commands wrote.
/// </summary>
public sealed class DemoHistoryStoreTests(ServiceFixture service) : IntegrationTest(service)
{
    /// <summary>Eight months before the 2025 reorganisation and two after it: drawdowns, repayments, the merger.</summary>
    private static readonly DemoHistoryOptions Options = new(new DateOnly(2024, 11, 1), new DateOnly(2025, 8, 31), 0, 42) { SampleFactor = 5_000 };

    /// <summary>How a client sends a command: camelCase, the fields it does not set left out.</summary>
    private static readonly JsonSerializerOptions ClientJson = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [Fact]
    public async Task A_seeded_history_reads_back_as_the_simulation_left_it_and_the_service_answers_its_commands_as_its_own()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = $"capitalflows_seed_{Guid.NewGuid():N}"[..30];
        await Service.Cluster.CreateDatabaseAsync(database);
        var connectionString = Service.Cluster.ConnectionStringFor(database);
        var history = new DemoHistory(Options, ProgrammeCatalogue.LoadEmbedded(), TimeProvider.System);
        var commands = new List<DecidedCommand>();

        await using (var app = BuiltNotStarted(connectionString))
        {
            var store = app.Services.GetRequiredService<IDocumentStore>();
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            var done = await new BulkWriter(store).WriteAllAsync(Remember(history.Commands(), commands), 500, null, ct);

            Assert.Equal(history.Events, done.Events);
            Assert.True(commands.Count > 3 * 500, $"{commands.Count} commands: several batches of 500, written two at a time");

            // The projections were written from the batches as they committed, not read back: a rebuild from the log
            // gives back every row, every column but the time of the write.
            await using (var seededTables = Npgsql.NpgsqlDataSource.Create(connectionString))
            {
                var written = await ReplayFidelityTests.ProjectedAsync(store, seededTables, ct, withMartenColumns: true);
                Assert.All(written, table => Assert.NotEmpty(table.Value));
                var fromTheLog = await new ProjectionRebuild(store, seededTables).RunAsync(ct);
                Assert.Equal(done.Events, fromTheLog.Events);
                var rebuilt = await ReplayFidelityTests.ProjectedAsync(store, seededTables, ct, withMartenColumns: true);
                var differences = string.Concat(written.Select(t => ReplayFidelityTests.Compare(t.Key, t.Value, rebuilt[t.Key])));
                Assert.True(differences.Length == 0, differences);

                // The projections come from the events it appends, so it appends into an empty log only: into this
                // one it refuses before it writes anything.
                var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                    new BulkWriter(store).WriteAllAsync(commands.Take(10), 500, null, ct));
                Assert.Contains("empty log", refused.Message, StringComparison.Ordinal);
                Assert.Equal(done.Events, await new LedgerDatabase(connectionString).EventCountAsync());
            }

            await using var session = store.QuerySession();
            Assert.Equal(done.Events, await session.Events.QueryAllRawEvents().CountAsync(ct));
            var funds = await session.Query<Fund>().ToListAsync(ct);
            Assert.Equal(history.Ledger.Funds.Values.OrderBy(f => f.Id, StringComparer.Ordinal), funds.OrderBy(f => f.Id, StringComparer.Ordinal));
            // Read back as of today through the movement rows' running totals, every fund equals its snapshot.
            var asOfToday = await CapitalFlows.Reading.FundQueries.All(session, new BalanceReading(VietnamCalendar.Today(TimeProvider.System), null, IsLive: false), ct);
            Assert.Equal(
                funds.Select(f => (f.Id, f.AvailableVnd, f.LoansOutstandingVnd, f.ReceivedVnd)).OrderBy(f => f.Id, StringComparer.Ordinal),
                asOfToday.Select(f => (f.Id, f.AvailableVnd, f.LoansOutstandingVnd, f.ReceivedVnd)).OrderBy(f => f.Id, StringComparer.Ordinal));
            var loans = await session.Query<Loan>().ToListAsync(ct);
            Assert.Equal(history.Ledger.Loans.Values.Select(Describe).Order(StringComparer.Ordinal), loans.Select(Describe).Order(StringComparer.Ordinal));
            var fundEvents = commands.SelectMany(c => c.Events).Count(e => e.AggregateType == typeof(Fund));
            await using var movements = new Npgsql.NpgsqlCommand(
                $"select count(*) from {store.Options.DatabaseSchemaName}.{FundMovementProjection.TableName}", session.Connection);
            Assert.Equal(fundEvents, (long)(await movements.ExecuteScalarAsync(ct))!);
            Assert.Equal(commands.Count, await session.Query<ProcessedCommand>().CountAsync(ct));

            // Written two batches at a time, every stream's row holds its last version, and the chain follows the sequence.
            await using var seeded = Npgsql.NpgsqlDataSource.Create(connectionString);
            await using var versions = seeded.CreateCommand(
                "select count(*) from capitalflows.mt_streams s where s.version <> (select max(e.version) from capitalflows.mt_events e where e.stream_id = s.id)");
            Assert.Equal(0L, (long)(await versions.ExecuteScalarAsync(ct))!);
            await using var chainOrder = seeded.CreateCommand("""
                select count(*) from (select h.seq_id, row_number() over (order by h.chain_position) as by_position,
                row_number() over (order by h.seq_id) as by_sequence from capitalflows.mt_event_hashes h) ranked
                where by_position <> by_sequence
                """);
            Assert.Equal(0L, (long)(await chainOrder.ExecuteScalarAsync(ct))!);

            // The locality index was filled in one statement after the append, and its trigger is on again.
            Assert.Equal((0L, 0L), await LocalityHistoryIndexTests.DifferenceFromTheLogAsync(seeded));
            await using var trigger = seeded.CreateCommand(
                $"select tgenabled::text from pg_trigger where tgname = '{CapitalFlows.EventLog.LocalityIndex.LocalityEvents.TriggerName}'");
            Assert.Equal("O", (string?)await trigger.ExecuteScalarAsync(ct));
        }

        // The service started on the seeded database, as after seed-demo.
        await using var host = await AlbaHost.For<Program>(x =>
        {
            x.UseEnvironment("Testing");
            x.UseSetting("ConnectionStrings:CapitalFlows", connectionString);
            x.ConfigureServices(services =>
            {
                services.RunWolverineInSoloMode();
                services.DisableAllExternalWolverineTransports();
            });
        });
        await using (var query = host.Services.GetRequiredService<IDocumentStore>().QuerySession())
            await host.Services.GetRequiredService<LocalityDirectory>().RefreshAsync(query, ct);
        var analyst = Client(host, Roles.Analyst);
        var check = (await analyst.GetAnswerAsync("/api/ledger/balance-check")).Json;
        Assert.True(check.GetProperty("balanced").GetBoolean(), check.ToString());
        Assert.Equal(history.NetCapitalBySource.Values.Sum(), check.GetProperty("receivedVnd").GetInt64() - check.GetProperty("reversedVnd").GetInt64());
        // The bulk writer's events are chained like the commands' (the trigger covers every append).
        var chain = (await analyst.GetAnswerAsync("/api/ledger/verify")).Json;
        Assert.True(chain.GetProperty("ok").GetBoolean(), chain.ToString());
        Assert.Equal(history.Events, chain.GetProperty("events").GetInt64());
        Assert.Equal(63, (await analyst.GetAnswerAsync("/api/capital/summary?asOf=2025-06-30")).Json.GetProperty("byProvince").GetArrayLength());
        Assert.Equal(34, (await analyst.GetAnswerAsync("/api/capital/summary?asOf=2025-07-01")).Json.GetProperty("byProvince").GetArrayLength());
        var merged = (await analyst.GetAnswerAsync("/api/localities/10")).Json;
        Assert.Equal("merged", merged.GetProperty("status").GetString());
        Assert.Equal("15", merged.GetProperty("successor").GetString());

        // A seeded command sent again by a client gets the answer it was recorded with, and appends nothing.
        var finance = Client(host, Roles.CentralFinance);
        var events = await new LedgerDatabase(connectionString).EventCountAsync();
        foreach (var command in new[] { commands.Last(c => c.Type == "DrawDownLoan"), commands.Last(c => c.Type == "RepayLoan") })
        {
            var answer = await finance.PostJsonAsync(command.Route, JsonSerializer.Serialize(command.Body, command.Body.GetType(), ClientJson));
            Assert.Equal(command.Processed.Status, answer.Status);
            Assert.Equal(command.Processed.Answer, answer.Body);
        }
        Assert.Equal(events, await new LedgerDatabase(connectionString).EventCountAsync());
    }

    /// <summary>The service's host on that database, built as a command line builds it: nothing started.</summary>
    private static WebApplication BuiltNotStarted(string connectionString)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration["ConnectionStrings:CapitalFlows"] = connectionString;
        builder.AddCapitalFlows();
        return builder.Build();
    }

    private static HttpClient Client(IAlbaHost host, string role)
    {
        var client = host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceFixture.Token(role));
        return client;
    }

    private static IEnumerable<DecidedCommand> Remember(IEnumerable<DecidedCommand> commands, List<DecidedCommand> remembered)
    {
        foreach (var command in commands)
        {
            remembered.Add(command);
            yield return command;
        }
    }

    private static string Describe(Loan loan) => JsonSerializer.Serialize(loan);
}
