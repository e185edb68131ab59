using System.Globalization;
using System.Net.Http.Headers;
using Alba;
using CapitalFlows.Demo;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Localities;
using CapitalFlows.Plans;
using CapitalFlows.Programmes;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The demo history tells the truth at its stated scale: a shortened demo (the first nine months of 2025 at
/// 1 : 1,000, after its opening year; at a larger k the funds are too small for loans of the real size) written as <c>seed-demo</c> writes it, then read through the service.
/// </summary>
public sealed class DemoHistoryShapeTests(ServiceFixture service) : IntegrationTest(service)
{
    private static readonly DemoHistoryOptions Options = new(new DateOnly(2025, 1, 1), new DateOnly(2025, 9, 30), 0, 42) { SampleFactor = 1_000 };

    [Fact]
    public async Task A_shortened_demo_holds_the_ratios_it_controls_within_ten_percent_shows_its_sample_factor_and_its_corrections_on_the_second_axis()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = $"capitalflows_shape_{Guid.NewGuid():N}"[..30];
        await Service.Cluster.CreateDatabaseAsync(database);
        var connectionString = Service.Cluster.ConnectionStringFor(database);
        var history = new DemoHistory(Options, ProgrammeCatalogue.LoadEmbedded(), TimeProvider.System);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration["ConnectionStrings:CapitalFlows"] = connectionString;
        builder.AddCapitalFlows();
        await using (var app = builder.Build())
        {
            var store = app.Services.GetRequiredService<IDocumentStore>();
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await new BulkWriter(store).WriteAllAsync(history.Commands(), 2_000, null, ct);
            await DemoScale.RecordAsync(store, history, TimeProvider.System, ct);
        }

        // The check seed-demo prints: what the simulation controls is within 10 % of the published figure.
        var rows = DemoCheck.Rows(history.Tally, Options.SampleFactor);
        string[] controlled = ["outstanding ÷ capital", "state budget ÷ capital", "2 % deposits ÷ capital", "guaranteed bonds ÷ capital",
            "local budget ÷ capital", "overdue ÷ outstanding", "repayments ÷ disbursement", "average new loan", "borrowers with loans outstanding"];
        Assert.All(controlled, figure => Assert.Contains(rows, r => r.Controlled && r.Figure.StartsWith(figure, StringComparison.Ordinal)));
        Assert.All(rows.Where(r => r.Controlled), r => Assert.True(Math.Abs(r.Ratio - 1) <= 0.10, $"{r.Figure}: demo {r.Demo}, published {r.Published}"));
        // And what follows from them: new loans a year at the published count (the disbursement that holds
        // utilisation, at the published size).
        var newLoans = Assert.Single(rows, r => r.Figure.StartsWith("new loans a year", StringComparison.Ordinal));
        Assert.True(Math.Abs(newLoans.Ratio - 1) <= 0.10, $"{newLoans.Figure}: demo {newLoans.Demo}, published {newLoans.Published}");

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
        var analyst = host.Server.CreateClient();
        analyst.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceFixture.Token(Roles.Analyst));

        // The store says its scale, and the service shows the books at it: 96–97 % of capital out in loans.
        var summary = (await analyst.GetAnswerAsync("/api/capital/summary?asOf=2025-09-30")).Json;
        Assert.Equal(Options.SampleFactor, summary.GetProperty("sampleFactor").GetInt32());
        var utilisation = (double)summary.GetProperty("loansOutstandingVnd").GetInt64() / summary.GetProperty("totalVnd").GetInt64();
        Assert.InRange(utilisation, 0.955, 0.975);

        // After the merger each of the 34 provinces plans what its predecessors planned for 2025, so the plan read sets
        // its actuals (its predecessors' included) against a plan of the same scope.
        var plans = (await analyst.GetAnswerAsync("/api/capital/plans?year=2025&asOf=2025-09-30")).Json;
        var targets = plans.GetProperty("provinces").EnumerateArray().ToDictionary(
            p => p.GetProperty("locality").GetString()!, p => p.GetProperty("outstanding").GetProperty("targetVnd").GetInt64(), StringComparer.Ordinal);
        Assert.Equal(34, targets.Count);
        var lending = ProgrammeCatalogue.LoadEmbedded().All.Where(p => p.Code != Programme.General).Select(p => p.Code).ToList();
        long PlannedInJanuary(string province) => lending.Sum(programme =>
            history.Ledger.Stream(CreditPlan.StreamKey(2025, province, programme)).OfType<CreditPlanSet>().Select(s => s.OutstandingTargetVnd).FirstOrDefault());
        Assert.All(LocalityDirectory.Reorganisation2025(), merge =>
            Assert.Equal(merge.Merged.Append(merge.Into).Distinct(StringComparer.Ordinal).Sum(PlannedInJanuary), targets[merge.Into]));

        // Known at the instant between the phases, the books are those before the back-dated corrections.
        var instant = history.CorrectionsRecordedAfter!.Value.ToString("O", CultureInfo.InvariantCulture);
        var before = (await analyst.GetAnswerAsync($"/api/capital/summary?asOf=2025-09-30&knownAt={Uri.EscapeDataString(instant)}")).Json;
        Assert.NotEqual(before.GetProperty("totalVnd").GetInt64(), summary.GetProperty("totalVnd").GetInt64());
        var corrections = history.Tally.AtDayEnd[Options.To].CapitalVnd;
        Assert.Equal((long)corrections, before.GetProperty("totalVnd").GetInt64());
    }

    [Fact]
    public async Task A_store_that_was_not_seeded_has_no_sample_factor()
    {
        var summary = (await AnalystClient().GetAnswerAsync("/api/capital/summary")).Json;

        Assert.False(summary.TryGetProperty("sampleFactor", out _));
    }

    private HttpClient AnalystClient()
    {
        var client = Service.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceFixture.Token(Roles.Analyst));
        return client;
    }
}
