using System.Net.Http.Headers;
using Alba;
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
/// A second service host (in memory, like the shared one) with four eyes on (<c>Approvals:ThresholdVnd</c> as
/// the deployment files set it), on a database of its own in the shared fixture's cluster.
/// </summary>
public class FourEyesService(ServiceFixture shared) : IAsyncLifetime
{
    public const long ThresholdVnd = 100_000_000_000;

    /// <summary>The threshold this host runs with.</summary>
    protected virtual long Threshold => ThresholdVnd;

    private string _connectionString = "";

    public IAlbaHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var database = $"capitalflows_foureyes_{Guid.NewGuid():N}"[..30];
        await shared.Cluster.CreateDatabaseAsync(database);
        _connectionString = shared.Cluster.ConnectionStringFor(database);
        // Host settings override ConnectionStrings__CapitalFlows, which the shared fixture set for the whole process.
        Host = await AlbaHost.For<Program>(x =>
        {
            x.UseEnvironment("Testing");
            x.UseSetting("ConnectionStrings:CapitalFlows", _connectionString);
            x.UseSetting("Approvals:ThresholdVnd", Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
        GC.SuppressFinalize(this);
    }

    /// <summary>A client for one user: four eyes tells users apart by <c>sub</c>.</summary>
    public HttpClient Client(string role, string sub, string name, string? locality = null)
    {
        var client = Host.Server.CreateClient();
        var token = DevelopmentTokens.Mint(
            new AuthOptions { SigningKey = ServiceFixture.SigningKey }, role, locality, name, sub, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task ResetAsync()
    {
        await Host.ResetAllMartenDataAsync();
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        await Host.Services.GetRequiredService<LocalityDirectory>().RefreshAsync(session, CancellationToken.None);
    }

    /// <summary>How many events of the ledger the store holds (as <see cref="ServiceFixture.EventCountAsync"/>).</summary>
    public async Task<long> EventCountAsync()
    {
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey != JasperFx.Events.Tombstone.StreamKey)
            .Where(e => e.StreamKey != LocalityDirectory.StructureStream || e.Version > Reorganisation2025Data.EventCount)
            .CountAsync();
    }

    /// <summary>Who each event of a command names: its user (the maker) and, when approved, its checker.</summary>
    public async Task<IReadOnlyList<(string? Sub, string? ApprovedBySub, string? ApprovedByName)>> EventUsersAsync(Guid commandId)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select headers ->> 'sub', headers ->> 'approvedBySub', headers ->> 'approvedByName' from capitalflows.mt_events where headers ->> 'commandId' = $1 order by seq_id",
            connection)
        {
            Parameters = { new NpgsqlParameter { Value = commandId.ToString() } },
        };
        var users = new List<(string?, string?, string?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            users.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        return users;
    }
}
