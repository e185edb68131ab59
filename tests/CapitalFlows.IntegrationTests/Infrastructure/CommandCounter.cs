using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// Listens to the service's <c>capitalflows.commands</c> counter with a <see cref="MeterListener"/> and adds up
/// what it counts, by command type and outcome, from the moment it is created.
/// </summary>
public sealed class CommandCounter : IDisposable
{
    public const string MeterName = "CapitalFlows";
    public const string InstrumentName = "capitalflows.commands";

    private readonly ConcurrentDictionary<(string Command, string Outcome), long> _counts = new();
    private readonly MeterListener _listener = new();

    public CommandCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name == InstrumentName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? command = null, outcome = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "command") command = tag.Value as string;
                else if (tag.Key == "outcome") outcome = tag.Value as string;
            }
            _counts.AddOrUpdate((command ?? "(none)", outcome ?? "(none)"), value, (_, sum) => sum + value);
        });
        _listener.Start();
    }

    /// <summary>What the counter counted for that command type and outcome.</summary>
    public long this[string command, string outcome] => _counts.GetValueOrDefault((command, outcome));

    /// <summary>Everything counted for that command type, by outcome.</summary>
    public IReadOnlyDictionary<string, long> OutcomesOf(string command) =>
        _counts.Where(c => c.Key.Command == command).ToDictionary(c => c.Key.Outcome, c => c.Value, StringComparer.Ordinal);

    public void Dispose() => _listener.Dispose();
}
