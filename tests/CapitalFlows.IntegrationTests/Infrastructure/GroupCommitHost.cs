using System.Globalization;
using System.Net.Http.Headers;
using Alba;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// A second service host (in memory) on a database of its own in the shared fixture's cluster, whose batch window
/// is long enough that commands sent a moment apart are certain to share a batch.
/// </summary>
public sealed class GroupCommitHost : IAsyncDisposable
{
    private GroupCommitHost(IAlbaHost host, NpgsqlDataSource database)
    {
        Host = host;
        Database = database;
    }

    public IAlbaHost Host { get; }

    /// <summary>The test's own way into the host's database.</summary>
    public NpgsqlDataSource Database { get; }

    public static async Task<GroupCommitHost> StartAsync(ServiceFixture fixture, TimeSpan batchWindow, int lockTimeoutSeconds = 10)
    {
        var name = $"capitalflows_batch_{Guid.NewGuid():N}"[..30];
        await fixture.Cluster.CreateDatabaseAsync(name);
        var connectionString = fixture.Cluster.ConnectionStringFor(name);
        var host = await AlbaHost.For<Program>(x =>
        {
            x.UseEnvironment("Testing");
            x.UseSetting("ConnectionStrings:CapitalFlows", connectionString);
            x.UseSetting("Commands:BatchWindowMilliseconds", batchWindow.TotalMilliseconds.ToString(CultureInfo.InvariantCulture));
            x.UseSetting("Commands:LockTimeoutSeconds", lockTimeoutSeconds.ToString(CultureInfo.InvariantCulture));
            x.ConfigureServices(services =>
            {
                services.RunWolverineInSoloMode();
                services.DisableAllExternalWolverineTransports();
            });
        });
        return new GroupCommitHost(host, NpgsqlDataSource.Create(connectionString + ";Maximum Pool Size=10"));
    }

    public HttpClient Client(string role, string? locality = null, string? correlationId = null)
    {
        var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceFixture.Token(role, locality));
        if (correlationId is not null) client.DefaultRequestHeaders.Add("X-Correlation-ID", correlationId);
        return client;
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

/// <summary>One event as stored: its type, its command, its correlation id and the transaction that wrote it.</summary>
public sealed record LoggedEvent(string Type, string CommandId, string? CorrelationId, string Transaction);
