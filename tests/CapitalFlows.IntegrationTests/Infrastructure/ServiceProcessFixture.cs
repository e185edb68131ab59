namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>One real service process for a test class, on a database of its own on the shared cluster.</summary>
public sealed class ServiceProcessFixture(ServiceFixture service) : IAsyncLifetime
{
    public ServiceProcess Process { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Process = await ServiceProcess.StartAsync(service.Cluster);

    public async ValueTask DisposeAsync()
    {
        if (Process is not null) await Process.DisposeAsync();
    }
}
