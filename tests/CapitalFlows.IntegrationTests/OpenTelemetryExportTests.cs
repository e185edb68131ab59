using System.Diagnostics;
using System.Net.Http.Headers;
using Alba;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Wolverine;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The service's own OpenTelemetry pipeline, with the in-memory exporter in place of OTLP: what a collector
/// would receive for one command.
/// </summary>
public sealed class OpenTelemetryExportTests(ServiceFixture service)
{
    [Fact]
    public async Task One_allocation_exports_one_trace_from_the_http_request_through_the_decision_to_the_database()
    {
        var database = $"capitalflows_otel_{Guid.NewGuid():N}"[..30];
        await service.Cluster.CreateDatabaseAsync(database);
        var exported = new List<Activity>();
        await using var host = await AlbaHost.For<Program>(x =>
        {
            x.UseEnvironment("Testing");
            x.UseSetting("ConnectionStrings:CapitalFlows", service.Cluster.ConnectionStringFor(database));
            x.ConfigureServices(services =>
            {
                services.RunWolverineInSoloMode();
                services.DisableAllExternalWolverineTransports();
                services.AddOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(exported));
            });
        });
        var client = host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceFixture.Token(Roles.CentralFinance));
        (await client.EntrustCentralBudgetAsync(1_000_000)).Expect(200);
        var commandId = Guid.NewGuid();
        (await client.AllocateAsync("VN", "01", 400_000, commandId: commandId)).Expect(200);
        await Task.Delay(500, TestContext.Current.CancellationToken); // the server span ends after the response is written

        List<Activity> spans;
        lock (exported) spans = exported.ToList();
        var request = Assert.Single(spans, s => s.Source.Name == "Microsoft.AspNetCore" && Equals(s.GetTagItem("capitalflows.command_id"), commandId.ToString()));
        var trace = spans.Where(s => s.TraceId == request.TraceId).ToList();
        var decision = Assert.Single(trace, s => s.Source.Name == "CapitalFlows");
        Assert.Equal("Allocate", decision.GetTagItem("capitalflows.command"));
        Assert.Equal("VN,01", decision.GetTagItem("capitalflows.localities"));
        Assert.Equal("accepted", decision.GetTagItem("capitalflows.outcome"));
        Assert.Equal(request.SpanId, decision.ParentSpanId);
        Assert.Contains(trace, s => s.Source.Name == "Npgsql");
        Assert.Contains(trace, s => s.Source.Name == "Marten");
    }
}
