using System.Net.Http.Headers;
using Alba;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// A second service host (in memory) on a database of its own in the shared fixture's cluster, with a small
/// connection pool and short timeouts: the node a busy-ness attack is made on, without starving the shared host.
/// </summary>
public sealed class SmallPoolHost : IAsyncDisposable
{
    private SmallPoolHost(IAlbaHost host, NpgsqlDataSource database)
    {
        Host = host;
        Database = database;
    }

    public IAlbaHost Host { get; }

    /// <summary>The test's own way into the host's database (a pool apart from the host's).</summary>
    public NpgsqlDataSource Database { get; }

    /// <summary>
    /// A host whose pool holds <paramref name="maxPoolSize"/> connections (a read waits <paramref name="poolTimeoutSeconds"/>
    /// for one) and whose commands wait at most <paramref name="lockTimeoutSeconds"/>; Commands:MaxInFlight is left to
    /// its default, which the pool bounds.
    /// </summary>
    public static async Task<SmallPoolHost> StartAsync(ServiceFixture fixture, int maxPoolSize, int poolTimeoutSeconds, int lockTimeoutSeconds)
    {
        var name = $"capitalflows_small_{Guid.NewGuid():N}"[..30];
        await fixture.Cluster.CreateDatabaseAsync(name);
        var connectionString = fixture.Cluster.ConnectionStringFor(name);
        var host = await AlbaHost.For<Program>(x =>
        {
            x.UseEnvironment("Testing");
            // Host settings override ConnectionStrings__CapitalFlows, which the shared fixture set for the whole process.
            x.UseSetting("ConnectionStrings:CapitalFlows", $"{connectionString};Maximum Pool Size={maxPoolSize};Timeout={poolTimeoutSeconds}");
            x.UseSetting("Commands:LockTimeoutSeconds", lockTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            x.ConfigureServices(services =>
            {
                services.RunWolverineInSoloMode();
                services.DisableAllExternalWolverineTransports();
            });
        });
        return new SmallPoolHost(host, NpgsqlDataSource.Create(connectionString + ";Maximum Pool Size=10"));
    }

    public HttpClient Client(string role, string? locality = null)
    {
        var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceFixture.Token(role, locality));
        return client;
    }

    /// <summary>How many events the host's store holds (the 2025 reorganisation included).</summary>
    public async Task<long> EventCountAsync()
    {
        await using var command = Database.CreateCommand($"select count(*) from {StoreInspector.Schema}.mt_events where stream_id <> $1");
        command.Parameters.AddWithValue(JasperFx.Events.Tombstone.StreamKey);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }
}
