using System.Globalization;
using Npgsql;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// A second service host with four eyes on (<c>Approvals:ThresholdVnd</c> as the deployment files set it), shared by
/// a test class and reset before each of its tests.
/// </summary>
public class FourEyesService(ServiceFixture shared) : IAsyncLifetime
{
    public const long ThresholdVnd = 100_000_000_000;

    /// <summary>The threshold this host runs with.</summary>
    protected virtual long Threshold => ThresholdVnd;

    private SecondHost _host = null!;

    public async ValueTask InitializeAsync() =>
        _host = await SecondHost.StartAsync(shared, new Dictionary<string, string>
        {
            ["Approvals:ThresholdVnd"] = Threshold.ToString(CultureInfo.InvariantCulture),
        });

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A client for one user: four eyes tells users apart by <c>sub</c>.</summary>
    public HttpClient Client(string role, string sub, string name, string? locality = null) => _host.ClientFor(role, sub, name, locality);

    public Task ResetAsync() => _host.ResetAsync();

    /// <summary>How many events the store holds (the measure of "nothing moved").</summary>
    public Task<long> EventCountAsync() => _host.EventCountAsync();

    /// <summary>Who each event of a command names: its user (the maker) and, when approved, its checker.</summary>
    public async Task<IReadOnlyList<(string? Sub, string? ApprovedBySub, string? ApprovedByName)>> EventUsersAsync(Guid commandId)
    {
        await using var command = _host.Database.CreateCommand(
            $"select headers ->> 'sub', headers ->> 'approvedBySub', headers ->> 'approvedByName' from {StoreInspector.Schema}.mt_events where headers ->> 'commandId' = $1 order by seq_id");
        command.Parameters.Add(new NpgsqlParameter { Value = commandId.ToString() });
        var users = new List<(string?, string?, string?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            users.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        return users;
    }
}
