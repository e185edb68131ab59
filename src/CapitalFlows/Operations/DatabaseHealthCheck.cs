using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace CapitalFlows.Operations;

/// <summary>
/// Ready when the database answers, the event store's schema is applied, and no asynchronous projection lags
/// the event log by more than <c>Health:MaxProjectionLagSeconds</c> (as the lag monitor last measured it).
/// </summary>
public sealed class DatabaseHealthCheck(IDocumentStore store, ProjectionLagMonitor lags, IConfiguration configuration) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        var maxLagSeconds = configuration.GetValue("Health:MaxProjectionLagSeconds", 60);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(timeout.Token);
            await using var command = connection.CreateCommand();
            command.CommandText =
                $"select to_regclass('{schema}.mt_events') is not null and to_regclass('{schema}.mt_event_progression') is not null";
            if (await command.ExecuteScalarAsync(timeout.Token) is not true)
                return HealthCheckResult.Unhealthy("The event store's schema is not applied.");
            var lag = lags.MaxLagSeconds;
            return lag > maxLagSeconds
                ? HealthCheckResult.Unhealthy($"An asynchronous projection is {lag:F0} s behind the event log (limit {maxLagSeconds} s).")
                : HealthCheckResult.Healthy("The database answers, the schema is applied, projections are current.");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", e);
        }
    }
}
