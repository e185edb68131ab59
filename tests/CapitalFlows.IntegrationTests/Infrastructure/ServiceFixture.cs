using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Alba;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Localities.Merging;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// One real service for the whole test assembly: the web host in memory (Alba), on a throwaway PostgreSQL
/// cluster of its own (or the server named by CAPITALFLOWS_TEST_PG). Tests reset the store before each test.
/// </summary>
public sealed class ServiceFixture : IAsyncLifetime
{
    public const string SigningKey = "capitalflows-development-signing-key-not-for-production";

    private PostgresCluster? _cluster;

    public IAlbaHost Host { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public PostgresCluster Cluster => _cluster!;

    public async ValueTask InitializeAsync()
    {
        _cluster = await PostgresCluster.StartAsync();
        var database = $"capitalflows_tests_{Guid.NewGuid():N}"[..30];
        await _cluster.CreateDatabaseAsync(database);
        ConnectionString = _cluster.ConnectionStringFor(database) + ";Maximum Pool Size=200;Timeout=60";
        Environment.SetEnvironmentVariable("ConnectionStrings__CapitalFlows", ConnectionString);
        Host = await AlbaHost.For<Program>(x =>
        {
            x.UseEnvironment("Testing");
            // Tests send commands as fast as they can, from a handful of callers (RateLimitTests has its own host).
            x.UseSetting("RateLimits:CommandsPerMinute", "0");
            x.UseSetting("RateLimits:ExportsPerMinute", "0");
            x.ConfigureServices(services =>
            {
                services.RunWolverineInSoloMode();
                services.DisableAllExternalWolverineTransports();
            });
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    public static DateOnly Today => VietnamCalendar.Today(TimeProvider.System);

    public static string Token(string role, string? locality = null, string? name = null) =>
        DevelopmentTokens.Mint(new AuthOptions { SigningKey = SigningKey }, role, locality, name, null, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));

    /// <summary>An HTTP client of the in-memory server, with a bearer token for the role when one is given.</summary>
    public HttpClient Client(string? role = null, string? locality = null)
    {
        var client = Host.Server.CreateClient();
        if (role is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(role, locality));
        return client;
    }

    /// <summary>An empty store as a fresh one starts (the 2025 reorganisation recorded), and the service's directory on it.</summary>
    public Task ResetAsync() => ResetStoreAsync(Host);

    /// <summary>
    /// Empties <paramref name="host"/>'s store as a fresh one starts and refreshes its directory: for this fixture's host
    /// and for a <see cref="SecondHost"/>.
    /// </summary>
    internal static async Task ResetStoreAsync(IAlbaHost host)
    {
        // Now and then (twice in some thousands of resets, then once in a second host's) PostgreSQL has failed the
        // reset's own deletes with a deadlock (40P01), against another transaction of the host, before any request of
        // the test. PostgreSQL fails one side of a deadlock so that the other goes on; the reset is simply tried again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await host.ResetAllMartenDataAsync();
                break;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 3)
            {
            }
        }
        await using var session = host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        await host.Services.GetRequiredService<LocalityDirectory>().RefreshAsync(session, CancellationToken.None);
    }

    /// <summary>
    /// The store as a history that began before 2025 has it: the 2025 reorganisation a fresh store starts with is
    /// taken out (its events, their links of the hash chain, its stream), so the directory shows 63 provinces.
    /// </summary>
    public async Task StartIn63ProvincesAsync()
    {
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        var schema = store.Options.Events.DatabaseSchemaName;
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var delete = new NpgsqlCommand(
                $"delete from {schema}.mt_event_hashes where seq_id in (select seq_id from {schema}.mt_events where stream_id = '{LocalityDirectory.StructureStream}'); " +
                $"delete from {schema}.mt_events where stream_id = '{LocalityDirectory.StructureStream}'; " +
                $"delete from {schema}.mt_streams where id = '{LocalityDirectory.StructureStream}';", connection);
            await delete.ExecuteNonQueryAsync();
        }
        await using var session = store.QuerySession();
        await Host.Services.GetRequiredService<LocalityDirectory>().RefreshAsync(session, CancellationToken.None);
    }

    /// <summary>How many events the store holds: the measure of "nothing was appended".</summary>
    public async Task<long> EventCountAsync()
    {
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        // Tombstones fill the sequence numbers of a failed transaction; they are not events of the ledger.
        // Nor are the events of the 2025 reorganisation that every fresh store starts with.
        return await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey != JasperFx.Events.Tombstone.StreamKey)
            .Where(e => e.StreamKey != LocalityDirectory.StructureStream || e.Version > Reorganisation2025Data.EventCount)
            .CountAsync();
    }
}

/// <summary>A response read once: status, raw body and the body parsed as JSON (when it is JSON).</summary>
public sealed record Answer(int Status, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? ProblemType => Json.TryGetProperty("type", out var t) ? t.GetString() : null;

    public override string ToString() => $"{Status} {Body}";
}

public static class HttpClientExtensions
{
    public static async Task<Answer> PostJsonAsync(this HttpClient client, string url, object body)
    {
        var json = body as string ?? JsonSerializer.Serialize(body, JsonSerializerOptions.Web);
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(url, content);
        return new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<Answer> GetAnswerAsync(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        return new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
