using System.Net;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.WebConsole;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// <c>GET /dev/sign-in</c> exists in the Development environment only: the shared test host (Testing, without
/// <c>Console:DevelopmentSignIn</c>) answers 404 and hands out no token; Production never enables it.
/// </summary>
public sealed class DevelopmentSignInTests(ServiceFixture service) : IntegrationTest(service)
{
    [Fact]
    public async Task Outside_development_the_development_sign_in_is_404_and_the_console_is_told_so()
    {
        using var client = Service.Client();
        var signIn = await client.GetAsync(new Uri("/dev/sign-in?role=central-finance", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, signIn.StatusCode);
        Assert.Null(signIn.Headers.Location);
        var config = await client.GetAnswerAsync("/api/console-config");
        Assert.Equal(200, config.Status);
        Assert.False(config.Json.GetProperty("developmentSignIn").GetBoolean());
        Assert.Equal("capitalflows-console", config.Json.GetProperty("clientId").GetString());
    }

    [Theory]
    [InlineData("Development", false, true)]
    [InlineData("Testing", false, false)]
    [InlineData("Testing", true, true)]
    [InlineData("Production", true, false)]
    [InlineData("Staging", true, false)]
    public void Development_sign_in_is_enabled_in_development_and_in_testing_only_when_asked(string environment, bool asked, bool enabled) =>
        Assert.Equal(enabled, DevelopmentSignIn.IsEnabled(new Environment(environment), new ConsoleOptions { DevelopmentSignIn = asked }));

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "CapitalFlows";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
