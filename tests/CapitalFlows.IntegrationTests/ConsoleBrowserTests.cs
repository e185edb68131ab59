using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CapitalFlows.IntegrationTests.Infrastructure;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The web console in a real browser: the service as its own process (Kestrel on a port, a fresh database, the
/// Testing environment with <c>Console:DevelopmentSignIn</c> on so the browser can sign in as each role), serving
/// the console built in <c>src/console/dist</c>; the browser tests are the console's own node script
/// (<c>src/console/tests</c>, Playwright driving Debian's Chromium, axe-core). Screenshots of every page at
/// 1366×768 and at phone width land in <c>console-artefacts/</c> of the test output folder.
/// <c>deploy/test.sh</c> installs Chromium when it is missing and builds the console first.
/// </summary>
public sealed class ConsoleBrowserTests(ConsoleServiceFixture fixture, ITestOutputHelper output) : IClassFixture<ConsoleServiceFixture>
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(10);
    private static readonly string ConsoleFolder = ConsoleServiceFixture.ConsoleFolder;
    private static readonly string Chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";

    private ServiceProcess Service => fixture.Process;

    [Fact]
    public async Task The_service_serves_the_console_at_the_root_and_its_routes_and_keeps_the_api_apart()
    {
        using var client = Service.Client();
        var root = await client.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal("text/html", root.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"root\">", await root.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        // A console route loads the application; an unknown API route and a missing asset stay 404.
        var route = await client.GetAsync(new Uri("/committee/01", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal("text/html", route.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/api/nothing-here", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/assets/missing.js", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task The_development_sign_in_redirects_to_the_console_with_a_token_the_api_accepts_for_that_role_and_locality()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = Service.BaseAddress };
        var signIn = await client.GetAsync(new Uri("/dev/sign-in?role=people-committee&locality=01&name=UBND%20H%C3%A0%20N%E1%BB%99i", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var location = signIn.Headers.Location!.OriginalString;
        Assert.StartsWith("/#access_token=", location, StringComparison.Ordinal);
        var token = Uri.UnescapeDataString(location["/#access_token=".Length..].Split('&')[0]);

        using var api = Service.Client();
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(200, (await api.GetAnswerAsync("/api/localities/01/entrusted-funds")).Status);
        Assert.Equal(403, (await api.GetAnswerAsync("/api/localities/79/entrusted-funds")).Status);
        Assert.Equal(403, (await api.GetAnswerAsync("/api/capital/summary")).Status);

        // A scoped role without its locality, or an unknown role, signs nobody in.
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(new Uri("/dev/sign-in?role=people-committee", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync(new Uri("/dev/sign-in?role=admin", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task The_consoles_copy_of_the_openapi_document_is_the_one_the_service_publishes()
    {
        // The console's client is generated from src/console/openapi/v1.json at build time: when the contract
        // changes, this fails until the copy is refreshed (`npm run api:refresh`), and then the console's build
        // fails wherever it no longer fits the contract.
        using var client = Service.Client();
        var live = Comparable(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), TestContext.Current.CancellationToken));
        var copy = Comparable(await File.ReadAllTextAsync(Path.Combine(ConsoleFolder, "openapi", "v1.json"), TestContext.Current.CancellationToken));
        Assert.True(JsonNode.DeepEquals(live, copy),
            "src/console/openapi/v1.json differs from the service's /openapi/v1.json: run `npm run api:refresh` in src/console against a running service, then `npm run build`.");
    }

    [Fact]
    public async Task The_browser_tests_of_the_console_pass_on_the_real_service()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: `apt-get install chromium` (deploy/test.sh does).");
        var artefacts = Path.Combine(AppContext.BaseDirectory, "console-artefacts");
        Directory.CreateDirectory(artefacts);
        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = ConsoleFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--test", "--test-concurrency=1", "--test-reporter=spec", "tests/" })
            startInfo.ArgumentList.Add(argument);
        startInfo.Environment["CONSOLE_BASE_URL"] = Service.BaseAddress.ToString();
        startInfo.Environment["CONSOLE_ARTEFACTS"] = artefacts;
        startInfo.Environment["CHROMIUM"] = Chromium;

        var log = new StringBuilder();
        using var node = new Process { StartInfo = startInfo };
        node.OutputDataReceived += (_, e) => Append(log, e.Data);
        node.ErrorDataReceived += (_, e) => Append(log, e.Data);
        node.Start();
        node.BeginOutputReadLine();
        node.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(ScriptTimeout);
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw;
        }
        finally
        {
            node.WaitForExit();
            output.WriteLine(log.ToString());
            await File.WriteAllTextAsync(Path.Combine(artefacts, "browser-tests.log"), log.ToString(), CancellationToken.None);
            output.WriteLine($"Screenshots: {artefacts}");
        }
        Assert.True(node.ExitCode == 0, $"The console's browser tests failed (exit code {node.ExitCode}):{Environment.NewLine}{log}");
        Assert.Matches(@"(?m)^\S*\s*fail 0\s*$", log.ToString());
        Assert.NotEmpty(Directory.GetFiles(artefacts, "*-390.png"));
        Assert.NotEmpty(Directory.GetFiles(artefacts, "*-1366.png"));
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is null) return;
        lock (log) log.AppendLine(line);
    }

    /// <summary>The document without <c>servers</c> (it names the port the service happens to listen on).</summary>
    private static JsonNode? Comparable(string json)
    {
        var node = JsonNode.Parse(json);
        node?.AsObject().Remove("servers");
        return node;
    }
}
