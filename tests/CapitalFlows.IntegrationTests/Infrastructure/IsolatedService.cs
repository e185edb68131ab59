using System.Net.Http.Headers;
using Alba;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// A second service host (in memory, like the shared one) on a PostgreSQL cluster of its own, for the tests
/// that take the database away: stopping the shared fixture's cluster would fail every other test.
/// </summary>
public sealed class IsolatedService : IAsyncDisposable
{
    private IsolatedService(PostgresCluster cluster, IAlbaHost host, string connectionString)
    {
        Cluster = cluster;
        Host = host;
        Database = new LedgerDatabase(connectionString);
    }

    public PostgresCluster Cluster { get; }

    public IAlbaHost Host { get; }

    public LedgerDatabase Database { get; }

    /// <summary>
    /// Starts a cluster, creates a database and a host on it, with <paramref name="settings"/> over the Testing
    /// environment's configuration (e.g. <c>RateLimits:CommandsPerMinute</c>); null when the tests run on the server
    /// named by CAPITALFLOWS_TEST_PG, which cannot be stopped.
    /// </summary>
    public static async Task<IsolatedService?> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var cluster = await PostgresCluster.StartAsync();
        if (!cluster.CanRestart)
        {
            await cluster.DisposeAsync();
            return null;
        }

        try
        {
            const string database = "capitalflows_isolated";
            await cluster.CreateDatabaseAsync(database);
            var connectionString = cluster.ConnectionStringFor(database);
            var host = await SecondHost.StartOnAsync(connectionString, settings ?? new Dictionary<string, string>());
            var service = new IsolatedService(cluster, host, connectionString);
            if (!await service.Database.HasEventStoreAsync())
            {
                await service.DisposeAsync();
                throw new InvalidOperationException("The isolated host did not start on its own database: the connection string setting was not honoured.");
            }
            return service;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public HttpClient Client(string? role = null)
    {
        var client = Host.Server.CreateClient();
        if (role is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceFixture.Token(role));
        return client;
    }

    /// <summary>An HTTP client of the host with the given bearer token.</summary>
    public HttpClient ClientWithToken(string token)
    {
        var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
