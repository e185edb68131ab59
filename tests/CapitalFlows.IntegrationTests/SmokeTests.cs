using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

public sealed class SmokeTests(ServiceFixture service) : IntegrationTest(service)
{
    [Fact]
    public async Task An_entrustment_is_recorded_and_shows_in_the_nation_capital()
    {
        var finance = Service.Client(Roles.CentralFinance);
        var answer = await finance.PostJsonAsync("/api/capital/central-entrustments",
            new { commandId = Guid.NewGuid(), amountVnd = 1_000_000, decisionRef = "QD-1" });
        Assert.Equal(200, answer.Status);
        var capital = await finance.GetAnswerAsync("/api/localities/VN/capital");
        Assert.Equal(1_000_000, capital.Json.GetProperty("own").GetProperty("availableVnd").GetInt64());
        Assert.Equal(1, await Service.EventCountAsync());
    }
}
