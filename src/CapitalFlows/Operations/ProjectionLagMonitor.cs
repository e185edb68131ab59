using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Marten;
using Npgsql;

namespace CapitalFlows.Operations;

/// <summary>
/// How far each asynchronous projection is behind the event log, in events and in seconds, read from the
/// store every few seconds. Published as the gauges <c>capitalflows.projection.lag.events</c> and
/// <c>capitalflows.projection.lag.seconds</c> (tagged with the projection), and read by the readiness check.
/// </summary>
public sealed partial class ProjectionLagMonitor : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (long Events, double Seconds)> _lags = new();
    private readonly Meter _meter = new(Telemetry.Name);
    private readonly IDocumentStore _store;
    private readonly ILogger<ProjectionLagMonitor> _logger;

    public ProjectionLagMonitor(IDocumentStore store, ILogger<ProjectionLagMonitor> logger)
    {
        _store = store;
        _logger = logger;
        _meter.CreateObservableGauge("capitalflows.projection.lag.events",
            () => _lags.Select(l => new Measurement<long>(l.Value.Events, new KeyValuePair<string, object?>("projection", l.Key))),
            description: "Events an asynchronous projection is behind the log");
        _meter.CreateObservableGauge("capitalflows.projection.lag.seconds",
            () => _lags.Select(l => new Measurement<double>(l.Value.Seconds, new KeyValuePair<string, object?>("projection", l.Key))),
            unit: "s", description: "Age of the oldest event an asynchronous projection has not processed");
    }

    /// <summary>The largest lag in seconds at the last measurement (0 before the first).</summary>
    public double MaxLagSeconds => _lags.Values.Select(l => l.Seconds).DefaultIfEmpty(0).Max();

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await MeasureAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LagNotMeasured(_logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Projection lag not measured this time")]
    private static partial void LagNotMeasured(ILogger logger, Exception exception);

    private async Task MeasureAsync(CancellationToken ct)
    {
        var schema = _store.Options.Events.DatabaseSchemaName;
        await using var connection = _store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        // Projection shards only ("DailyCapital:All"), not Marten's own progression rows; tombstones (sequence
        // fillers of failed transactions) are not events a projection waits for.
        await using var command = new NpgsqlCommand($"""
            select p.name,
                   greatest((select coalesce(max(seq_id), 0) from {schema}.mt_events) - p.last_seq_id, 0),
                   coalesce((select extract(epoch from (now() - e.timestamp)) from {schema}.mt_events e
                             where e.seq_id > p.last_seq_id and e.type <> 'tombstone' order by e.seq_id limit 1), 0)
            from {schema}.mt_event_progression p
            where p.name like '%:%'
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            _lags[reader.GetString(0)] = (reader.GetInt64(1), Convert.ToDouble(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture));
    }
}
