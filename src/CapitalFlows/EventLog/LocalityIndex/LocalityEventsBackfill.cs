using System.Diagnostics;
using Marten;
using Npgsql;

namespace CapitalFlows.EventLog.LocalityIndex;

/// <summary>
/// At start-up, after Marten has applied the schema and before the service answers: when the locality index is marked
/// <see cref="LocalityEvents.RefillPending"/> (just created on a store that already held events, or its trigger was
/// missing or switched off), fills it from the log with no command timeout. A store of 1,000,000 events takes tens of
/// seconds, once.
/// </summary>
public sealed partial class LocalityEventsBackfill(IDocumentStore store, ILogger<LocalityEventsBackfill> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => RefillIfPendingAsync(store, logger, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Refills the table if it is marked pending; returns the rows written, or null when nothing was pending.</summary>
    public static async Task<long?> RefillIfPendingAsync(IDocumentStore store, ILogger? logger, CancellationToken ct)
    {
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using (var check = new NpgsqlCommand(
            $"select obj_description(to_regclass('{schema}.{LocalityEvents.TableName}'), 'pg_class')", connection))
        {
            if (await check.ExecuteScalarAsync(ct) as string != LocalityEvents.RefillPending) return null;
        }

        if (logger is not null) Filling(logger, LocalityEvents.TableName);
        var clock = Stopwatch.StartNew();
        await using var refill = new NpgsqlCommand($"select {schema}.{LocalityEvents.RefillFunctionName}()", connection) { CommandTimeout = 0 };
        var rows = (long)(await refill.ExecuteScalarAsync(ct))!;
        if (logger is not null) Filled(logger, rows, clock.Elapsed.TotalSeconds);
        return rows;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Filling the locality history index ({Table}) from the event log")]
    private static partial void Filling(ILogger logger, string table);

    [LoggerMessage(Level = LogLevel.Information, Message = "Filled the locality history index: {Rows} rows in {Seconds:F1} s")]
    private static partial void Filled(ILogger logger, long rows, double seconds);
}
