using CapitalFlows.Demo;
using CapitalFlows.Programmes;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// A database of its own on the shared cluster holding a log long enough that exporting it takes many megabytes:
/// the demo history of the first half of 2025 (<see cref="Events"/> events or a few more), written as
/// <c>seed-demo</c> writes it (through Marten, the inline projections running). Services are started on it by the tests.
/// </summary>
public sealed class SeededLogFixture(ServiceFixture service) : IAsyncLifetime
{
    public const long Events = 20_000;

    /// <summary>The first half of 2025 at 1 : 2,000 (after its opening year): about <see cref="Events"/> events.</summary>
    private static readonly DemoHistoryOptions Options = new(new DateOnly(2025, 1, 1), new DateOnly(2025, 6, 30), Events, 7) { SampleFactor = 2_000 };

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var database = $"capitalflows_log_{Guid.NewGuid():N}"[..30];
        await service.Cluster.CreateDatabaseAsync(database);
        ConnectionString = service.Cluster.ConnectionStringFor(database);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration["ConnectionStrings:CapitalFlows"] = ConnectionString;
        builder.AddCapitalFlows();
        await using var app = builder.Build();
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var history = new DemoHistory(Options, ProgrammeCatalogue.LoadEmbedded(), TimeProvider.System);
        await new BulkWriter(store).WriteAllAsync(history.Commands(), 500, null, CancellationToken.None);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
