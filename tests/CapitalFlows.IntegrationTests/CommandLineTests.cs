using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CapitalFlows.IntegrationTests.Infrastructure;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The service executable as a newcomer meets it, run as a process: <c>help</c> without a database, no start-up line a
/// user cannot act on, <c>token</c> refusing what it does not understand, <c>replay</c>'s flags apart from the host's.
/// </summary>
public sealed class CommandLineTests(ServiceFixture service)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Noise that JasperFx and Wolverine print unless told not to.</summary>
    private static readonly string[] Noise = ["Searching '", "for commands", "found no handlers", "Detected reserved", "warn:"];

    /// <summary>The built service with <paramref name="args"/>, in Production with no database configured.</summary>
    private static Task<ToolRun> RunAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var variables = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = null,
            ["DOTNET_ENVIRONMENT"] = null,
            ["ConnectionStrings__CapitalFlows"] = null,
            ["Auth__SigningKey"] = null,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>()) variables[name] = value;
        var service = ToolRun.ServiceOutput();
        return ToolRun.RunAsync(ToolRun.DotnetHost(), [Path.Combine(service, "CapitalFlows.dll"), .. args], service, CommandTimeout, variables);
    }

    private static Task<ToolRun> RunAsync(params string[] args) => RunAsync(null, args);

    private static void AssertQuiet(ToolRun run)
    {
        foreach (var noise in Noise)
            Assert.False(run.Output.Contains(noise, StringComparison.Ordinal) || run.Error.Contains(noise, StringComparison.Ordinal),
                $"'{noise}' in {run}");
    }

    [Theory]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("?")]
    public async Task Help_lists_the_commands_without_a_database_or_scanning_lines(string word)
    {
        var run = await RunAsync(word);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("replay", run.Output, StringComparison.Ordinal);
        Assert.Contains("seed-demo", run.Output, StringComparison.Ordinal);
        Assert.Contains("token --role", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("ConnectionStrings", run.Error, StringComparison.Ordinal);
        AssertQuiet(run);
    }

    [Fact]
    public async Task Help_for_replay_shows_its_flags_in_long_form_only_so_none_is_the_hosts()
    {
        var run = await RunAsync("help", "replay");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[--as-of <asof>]", run.Output, StringComparison.Ordinal);
        Assert.Contains("[--known-at <knownat>]", run.Output, StringComparison.Ordinal);
        Assert.Contains("[--out <out>]", run.Output, StringComparison.Ordinal);
        Assert.Contains("[-a, --applicationname", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("-a, --as-of", run.Output, StringComparison.Ordinal);
        AssertQuiet(run);
    }

    [Fact]
    public async Task The_openapi_command_writes_the_document_without_a_database()
    {
        var file = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():N}.json");
        try
        {
            var run = await RunAsync("openapi", "--output", file);
            Assert.True(run.ExitCode == 0, run.ToString());
            using var document = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
            Assert.Equal("allocate", document.RootElement.GetProperty("paths").GetProperty("/api/allocations").GetProperty("post")
                .GetProperty("operationId").GetString());
            AssertQuiet(run);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Replay_takes_its_date_by_long_flag_and_writes_the_funds()
    {
        var database = $"capitalflows_replay_{Guid.NewGuid():N}"[..30];
        await service.Cluster.CreateDatabaseAsync(database);
        var file = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}.csv");
        var environment = new Dictionary<string, string?> { ["ConnectionStrings__CapitalFlows"] = service.Cluster.ConnectionStringFor(database) };
        try
        {
            // -a is the host's --applicationname, not --as-of: without --as-of there is no date.
            var shortForm = await RunAsync(environment, "replay", "-a", "2025-12-31", "--out", file);
            Assert.NotEqual(0, shortForm.ExitCode);
            Assert.Contains("--as-of must be a date", shortForm.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(file));

            var run = await RunAsync(environment, "replay", "--as-of", "2025-12-31", "--known-at", "2026-01-01T00:00:00+07:00", "--out", file);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal("locality,source,programme,availableVnd,loansOutstandingVnd", (await File.ReadAllLinesAsync(file, TestContext.Current.CancellationToken))[0]);
            AssertQuiet(run);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_token_is_printed_alone_on_standard_output()
    {
        var run = await RunAsync("token", "--role", "people-committee", "--locality", "01", "--hours", "2");
        Assert.True(run.ExitCode == 0, run.ToString());
        var token = Assert.Single(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(3, token.Trim().Split('.').Length);
        Assert.Equal("", run.Error);
    }

    [Theory]
    [InlineData("an unknown flag", "--role", "analyst", "--hourz", "2")]
    [InlineData("hours that are not a number", "--role", "analyst", "--hours", "abc")]
    [InlineData("hours out of range", "--role", "analyst", "--hours", "0")]
    [InlineData("a flag without its value", "--role", "branch-officer", "--locality")]
    [InlineData("a flag whose value is missing before the next flag", "--role", "--locality", "01")]
    [InlineData("a flag given twice", "--role", "analyst", "--role", "central-finance")]
    [InlineData("no role", "--locality", "01")]
    [InlineData("an unknown role", "--role", "auditor")]
    [InlineData("a scoped role without a locality", "--role", "people-committee")]
    [InlineData("a locality that is not a known code", "--role", "people-committee", "--locality", "99")]
    [InlineData("a branch officer's commune", "--role", "branch-officer", "--locality", "00004")]
    [InlineData("a locality for a role that acts everywhere", "--role", "central-finance", "--locality", "01")]
    [InlineData("a stray value", "--role", "analyst", "extra")]
    public async Task Token_refuses_malformed_arguments_instead_of_defaulting(string what, params string[] args)
    {
        var run = await RunAsync(["token", .. args]);
        Assert.True(run.ExitCode == 2, $"{what}: {run}");
        Assert.Equal("", run.Output);
        Assert.Contains("usage: token", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_starts_without_a_line_a_user_cannot_act_on()
    {
        var database = $"capitalflows_start_{Guid.NewGuid():N}"[..30];
        await service.Cluster.CreateDatabaseAsync(database);
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        // No arguments: the JasperFx command line runs the service (its `run` command), as deploy/run.sh does.
        var startInfo = new ProcessStartInfo(ToolRun.DotnetHost())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = ToolRun.ServiceOutput(),
        };
        startInfo.ArgumentList.Add(Path.Combine(ToolRun.ServiceOutput(), "CapitalFlows.dll"));
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        startInfo.Environment["ASPNETCORE_URLS"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        startInfo.Environment["ConnectionStrings__CapitalFlows"] = service.Cluster.ConnectionStringFor(database);
        startInfo.Environment["Auth__SigningKey"] = ServiceFixture.SigningKey;
        var lines = new List<string>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Keep(string? line)
        {
            if (line is null) return;
            lock (lines) lines.Add(line);
            if (line.Contains("Application started", StringComparison.Ordinal)) started.TrySetResult();
        }
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await started.Task.WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
            // Give a late warning (the asynchronous daemon, leadership) a moment to show.
            await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        string output;
        lock (lines) output = string.Join("\n", lines);
        foreach (var noise in Noise)
            Assert.False(output.Contains(noise, StringComparison.Ordinal), $"'{noise}' at start-up:\n{output}");
    }
}
