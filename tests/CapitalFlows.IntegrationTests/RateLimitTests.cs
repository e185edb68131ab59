using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Per-caller rate limits (API.md, second edition, "Trust"; <c>RateLimits:CommandsPerMinute</c>,
/// <c>RateLimits:ExportsPerMinute</c>): beyond the limit a caller's next command or export is 429
/// <c>/problems/rate-limited</c> with <c>Retry-After</c> and appends nothing, while other callers and other reads go
/// on. On a host of its own: the shared one runs without limits.
/// </summary>
public sealed class RateLimitTests
{
    private const long Million = 1_000_000;

    [Fact]
    public async Task A_caller_beyond_its_commands_per_minute_is_429_with_Retry_After_and_another_caller_is_not()
    {
        await using var isolated = await IsolatedService.StartAsync(new Dictionary<string, string>
        {
            ["RateLimits:CommandsPerMinute"] = "3",
            ["RateLimits:ExportsPerMinute"] = "0",
        });
        Assert.SkipWhen(isolated is null, "The server named by CAPITALFLOWS_TEST_PG is shared; the isolated host needs a cluster of its own.");
        using var first = isolated.ClientWithToken(Token("cf-first"));
        using var second = isolated.ClientWithToken(Token("cf-second"));
        for (var i = 0; i < 3; i++) (await first.EntrustCentralBudgetAsync(Million)).Expect(200);
        var before = await isolated.Database.EventCountAsync();

        using var content = new StringContent(
            $$"""{"commandId":"{{Guid.NewGuid()}}","amountVnd":1000000,"decisionRef":"QD-4"}""", System.Text.Encoding.UTF8, "application/json");
        using var refused = await first.PostAsync(new Uri("/api/capital/central-entrustments", UriKind.Relative), content, TestContext.Current.CancellationToken);
        var body = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True((int)refused.StatusCode == 429, $"{(int)refused.StatusCode} {body}");
        Assert.Equal("/problems/rate-limited", new Answer(429, body).ProblemType);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { TotalSeconds: >= 1 and <= 60 }, $"Retry-After: {refused.Headers.RetryAfter}");
        Assert.Equal(before, await isolated.Database.EventCountAsync());

        (await second.EntrustCentralBudgetAsync(Million)).Expect(200);
        (await first.GetAnswerAsync("/api/localities/VN/capital")).Expect(200);
        using var anonymous = isolated.Client();
        (await anonymous.GetAnswerAsync("/problems/rate-limited")).Expect(200);
    }

    [Fact]
    public async Task A_caller_beyond_its_exports_per_minute_is_429_and_its_commands_and_reads_go_on()
    {
        await using var isolated = await IsolatedService.StartAsync(new Dictionary<string, string>
        {
            ["RateLimits:CommandsPerMinute"] = "0",
            ["RateLimits:ExportsPerMinute"] = "2",
        });
        Assert.SkipWhen(isolated is null, "The server named by CAPITALFLOWS_TEST_PG is shared; the isolated host needs a cluster of its own.");
        using var analyst = isolated.ClientWithToken(Token("an-first", Roles.Analyst));
        using var other = isolated.ClientWithToken(Token("an-second", Roles.Analyst));
        using var finance = isolated.ClientWithToken(Token("cf-first"));

        (await analyst.GetAnswerAsync("/api/events")).Expect(200);
        (await analyst.GetAnswerAsync("/api/events?limit=1")).Expect(200);
        var refused = await analyst.GetAnswerAsync("/api/events");

        Assert.True(refused.Status == 429, refused.ToString());
        Assert.Equal("/problems/rate-limited", refused.ProblemType);
        (await other.GetAnswerAsync("/api/events")).Expect(200);
        (await analyst.GetAnswerAsync("/api/capital/summary")).Expect(200);
        for (var i = 0; i < 5; i++) (await finance.EntrustCentralBudgetAsync(Million)).Expect(200);
    }

    private static string Token(string sub, string role = Roles.CentralFinance) =>
        ForgedToken.With(("sub", sub), ("name", sub), ("role", role));
}
