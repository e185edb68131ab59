using System.Globalization;
using CapitalFlows.Operations;
using JasperFx.CommandLine;
using Marten;
using Npgsql;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary>The flags of <c>rebuild</c>: none of its own; long forms only, as the host's flags take the short ones.</summary>
public sealed class RebuildInput : NetCoreInput;

/// <summary>
/// <c>rebuild</c>: empties every projection table and writes it again from the log (<see cref="ProjectionRebuild"/>),
/// then prints the events read, the rows written per table, the seconds and events per second. Run it while no node
/// takes commands.
/// </summary>
[Description("Write every projection table again from the event log (binary COPY); run while no service takes commands", Name = "rebuild")]
public sealed class RebuildCommand : JasperFxAsyncCommand<RebuildInput>
{
    public override async Task<bool> Execute(RebuildInput input)
    {
        using var host = input.BuildHost();
        var store = (IDocumentStore)host.Services.GetService(typeof(IDocumentStore))!;
        // A command line does not start the host, so nothing has applied the schema to a new database yet.
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var configuration = (IConfiguration)host.Services.GetService(typeof(IConfiguration))!;
        await using var database = NpgsqlDataSource.Create(
            PooledConnections.ForBulk(configuration.GetConnectionString("CapitalFlows") ?? ServiceSetup.LocalDevelopmentDatabase));

        var collector = CollectorFigures.Now();
        var result = await new ProjectionRebuild(store, database).RunAsync(CancellationToken.None);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Rebuilt {string.Join(", ", result.Tables.Select(t => $"{t.Table} ({t.Rows:N0} rows)"))} from {result.Events:N0} events in {result.Elapsed.TotalSeconds:N1} s: {result.EventsPerSecond:N0} events/s."));
        Console.WriteLine(CollectorFigures.Since(collector));
        return true;
    }
}
