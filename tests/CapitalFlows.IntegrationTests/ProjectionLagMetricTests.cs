using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

public sealed class ProjectionLagMetricTests(ServiceFixture service) : IntegrationTest(service)
{
    [Fact]
    public async Task The_lag_of_each_asynchronous_projection_is_published_in_events_and_seconds()
    {
        (await Service.Client(Roles.CentralFinance).EntrustCentralBudgetAsync(1_000)).Expect(200);
        var seen = new ConcurrentDictionary<(string Instrument, string Projection), double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "CapitalFlows" && instrument.Name.StartsWith("capitalflows.projection.lag.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            foreach (var tag in tags)
                if (tag.Key == "projection") seen[(instrument.Name, (string)tag.Value!)] = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        listener.SetMeasurementEventCallback<long>(Record);
        listener.SetMeasurementEventCallback<double>(Record);
        listener.Start();

        // The monitor reads the store every 5 s; the daemon catches up within a few seconds.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            seen.Clear();
            listener.RecordObservableInstruments();
            if (seen.TryGetValue(("capitalflows.projection.lag.events", "DailyCapital:All"), out var events) && events == 0
                && seen.ContainsKey(("capitalflows.projection.lag.seconds", "DailyCapital:All")))
                return;
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
        Assert.Fail($"No zero lag reported for DailyCapital:All within 20 s; seen: {string.Join(", ", seen.Select(s => $"{s.Key}={s.Value}"))}");
    }
}
