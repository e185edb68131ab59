using System.Net.Http.Headers;
using Alba;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Hosting;
using Npgsql;
using Wolverine;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// A second service host (in memory, like the shared one) on a database of its own in the shared fixture's cluster,
/// with some settings over the Testing environment's configuration: the node a test needs configured otherwise
/// (a small pool, a long batch window, four eyes) without touching the shared host.
/// </summary>
public sealed class SecondHost : IAsyncDisposable
{
    private readonly string _hostConnectionString;

    private SecondHost(IAlbaHost host, NpgsqlDataSource database, string hostConnectionString)
    {
        Host = host;
        Database = database;
        _hostConnectionString = hostConnectionString;
    }

    public IAlbaHost Host { get; }

    /// <summary>The test's own way into the host's database (a pool apart from the host's).</summary>
    public NpgsqlDataSource Database { get; }

    /// <summary>
    /// Creates a database in <paramref name="fixture"/>'s cluster and starts a host on it with <paramref name="settings"/>
    /// (e.g. <c>Commands:LockTimeoutSeconds</c>); <paramref name="connectionStringSuffix"/> is appended to the host's
    /// connection string (e.g. <c>;Maximum Pool Size=12</c>), not to the test's own.
    /// </summary>
    public static async Task<SecondHost> StartAsync(ServiceFixture fixture, IReadOnlyDictionary<string, string> settings, string connectionStringSuffix = "")
    {
        var name = $"capitalflows_host_{Guid.NewGuid():N}"[..30];
        await fixture.Cluster.CreateDatabaseAsync(name);
        var connectionString = fixture.Cluster.ConnectionStringFor(name);
        var host = await StartOnAsync(connectionString + connectionStringSuffix, settings);
        return new SecondHost(host, NpgsqlDataSource.Create(connectionString + ";Maximum Pool Size=10"), connectionString + connectionStringSuffix);
    }

    /// <summary>Another node on this host's database, with the Testing configuration: what one node does behind another's back.</summary>
    public async Task<SecondHost> StartBesideAsync() =>
        new(await StartOnAsync(_hostConnectionString, new Dictionary<string, string>()), NpgsqlDataSource.Create(Database.ConnectionString), _hostConnectionString);

    /// <summary>An in-memory host of the service on <paramref name="connectionString"/>, with <paramref name="settings"/>.</summary>
    internal static Task<IAlbaHost> StartOnAsync(string connectionString, IReadOnlyDictionary<string, string> settings) =>
        AlbaHost.For<Program>(x =>
        {
            x.UseEnvironment("Testing");
            // Host settings override ConnectionStrings__CapitalFlows, which the shared fixture set for the whole process.
            x.UseSetting("ConnectionStrings:CapitalFlows", connectionString);
            foreach (var (key, value) in settings)
                x.UseSetting(key, value);
            x.ConfigureServices(services =>
            {
                services.RunWolverineInSoloMode();
                services.DisableAllExternalWolverineTransports();
            });
        });

    public HttpClient Client(string role, string? locality = null, string? correlationId = null)
    {
        var client = ClientWithToken(ServiceFixture.Token(role, locality));
        if (correlationId is not null) client.DefaultRequestHeaders.Add("X-Correlation-ID", correlationId);
        return client;
    }

    /// <summary>A client for one named user: four eyes tells users apart by <c>sub</c>.</summary>
    public HttpClient ClientFor(string role, string sub, string name, string? locality = null) =>
        ClientWithToken(DevelopmentTokens.Mint(
            new AuthOptions { SigningKey = ServiceFixture.SigningKey }, role, locality, name, sub, DateTimeOffset.UtcNow, TimeSpan.FromHours(1)));

    private HttpClient ClientWithToken(string token)
    {
        var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Empties the host's store (as <see cref="ServiceFixture.ResetAsync"/>): for a host a test class shares.</summary>
    public Task ResetAsync() => ServiceFixture.ResetStoreAsync(Host);

    /// <summary>
    /// How many events the host's store holds (the 2025 reorganisation included), read on the test's own pool so
    /// that it is answered while the host's pool is taken.
    /// </summary>
    public async Task<long> EventCountAsync()
    {
        await using var command = Database.CreateCommand($"select count(*) from {StoreInspector.Schema}.mt_events where stream_id <> $1");
        command.Parameters.AddWithValue(JasperFx.Events.Tombstone.StreamKey);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The events of one stream as the log holds them: type, the command that appended it, correlation id and transaction.</summary>
    public async Task<IReadOnlyList<LoggedEvent>> EventsOfAsync(string streamKey)
    {
        await using var command = Database.CreateCommand(
            $"select type, headers->>'commandId', correlation_id, xmin::text from {StoreInspector.Schema}.mt_events where stream_id = $1 order by version");
        command.Parameters.AddWithValue(streamKey);
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<LoggedEvent>();
        while (await reader.ReadAsync())
            events.Add(new LoggedEvent(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3)));
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Database.DisposeAsync();
    }
}
