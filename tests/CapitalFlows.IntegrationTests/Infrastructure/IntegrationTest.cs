namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>Base of the integration tests: the shared service, with an empty store at the start of each test.</summary>
public abstract class IntegrationTest(ServiceFixture service) : IAsyncLifetime
{
    protected ServiceFixture Service { get; } = service;

    public virtual async ValueTask InitializeAsync() => await Service.ResetAsync();

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
