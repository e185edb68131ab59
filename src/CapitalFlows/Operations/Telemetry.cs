using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CapitalFlows.Operations;

/// <summary>The service's own traces and metrics, beside those of ASP.NET Core, Wolverine, Marten and Npgsql.</summary>
public static class Telemetry
{
    public const string Name = "CapitalFlows";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Commands by type and outcome (accepted, replayed, or the problem slug of the refusal).</summary>
    public static readonly Counter<long> Commands = Meter.CreateCounter<long>("capitalflows.commands", description: "Commands handled, by type and outcome");

    public static readonly Counter<long> EventsAppended = Meter.CreateCounter<long>("capitalflows.events.appended", description: "Events appended, by type");

    public static void CountCommand(string command, string outcome) =>
        Commands.Add(1, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("outcome", outcome));
}
