namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// Four eyes with a threshold of 1,000,000,000 đồng: no single loan reaches the deployment's 100 bn (the largest
/// programme cap is 2 bn), so held write-offs are tried on a host whose threshold a large loan can reach.
/// </summary>
public sealed class WriteOffFourEyesService(ServiceFixture shared) : FourEyesService(shared)
{
    public const long WriteOffThresholdVnd = 1_000_000_000;

    protected override long Threshold => WriteOffThresholdVnd;
}
