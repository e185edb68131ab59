using CapitalFlows.IntegrationTests.Infrastructure;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// A bad authentication setting (or read bound) stops the service at start-up with one clear line and a non-zero exit code; it
/// used to be found by the first request (the JwtBearer options are read lazily), after which every route was 500.
/// The real service process, as an operator starts it.
/// </summary>
public sealed class StartupSettingsTests
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(20);

    public static TheoryData<string, string, string?, string?, string> BrokenSettings() => new()
    {
        { "Production", "the development key in production", ServiceFixture.SigningKey, null, "Auth:SigningKey is accepted in Development and Testing only" },
        { "Production", "no key and no authority", null, null, "Configure Auth:Authority" },
        { "Production", "an http authority", null, "http://login.example.org/realms/capitalflows", "Auth:Authority must be an absolute https URL" },
        { "Production", "a relative authority", null, "login.example.org", "Auth:Authority must be an absolute https URL" },
        { "Testing", "a short key", "too-short", null, "Auth:SigningKey must be at least 32 bytes" },
    };

    [Theory]
    [MemberData(nameof(BrokenSettings))]
    public async Task A_broken_auth_setting_stops_the_start_with_a_clear_message(
        string environment, string what, string? signingKey, string? authority, string message)
    {
        var (exitCode, output) = await ServiceProcess.RunUntilExitAsync(environment, new Dictionary<string, string?>
        {
            ["Auth__SigningKey"] = signingKey,
            ["Auth__Authority"] = authority,
        }, Quickly);

        Assert.True(exitCode is not null, $"{what}: the service was still running after {Quickly.TotalSeconds:F0} s:\n{output}");
        Assert.True(exitCode != 0, $"{what}: exit code 0:\n{output}");
        Assert.Contains("CapitalFlows cannot start: " + message, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_bound_below_one_stops_the_start_with_a_clear_message()
    {
        var (exitCode, output) = await ServiceProcess.RunUntilExitAsync("Testing", new Dictionary<string, string?>
        {
            ["Auth__SigningKey"] = ServiceFixture.SigningKey,
            ["Reads__MaxConcurrent"] = "0",
        }, Quickly);

        Assert.True(exitCode is not null and not 0, $"exit code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none (still running)"}:\n{output}");
        Assert.Contains("CapitalFlows cannot start: Reads:MaxConcurrent must be 1 or more", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
