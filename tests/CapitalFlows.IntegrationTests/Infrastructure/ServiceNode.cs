using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// One node of the real service as an operating-system process of its own (<c>dotnet CapitalFlows.dll --urls ...</c>)
/// on a loopback port, in the Testing environment with Wolverine in Balanced mode. Its standard output and error
/// go to a log file (and a buffer) for diagnostics. Disposing it kills the process if it still runs.
/// </summary>
public sealed partial class ServiceNode : IAsyncDisposable
{
    private const int StartAttempts = 3;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly HttpClient _client;
    private bool _disposed;
    private bool _logClosed;

    private ServiceNode(string name, int port, Process process, StreamWriter log)
    {
        Name = name;
        Port = port;
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
        _process = process;
        _log = log;
        _client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = ConnectTimeout, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public string Name { get; }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The log file of the node's standard output and error.</summary>
    public string LogPath { get; private set; } = "";

    /// <summary>Wolverine's id of this node, from its log ("Starting agents for Node &lt;id&gt;"); null until it has logged it.</summary>
    public Guid? WolverineNodeId =>
        _lines.Select(line => WolverineNodeLine().Match(line)).FirstOrDefault(m => m.Success) is { } match
            ? Guid.Parse(match.Groups[1].Value)
            : null;

    /// <summary>
    /// Starts the service from <paramref name="serviceDll"/> on a free loopback port. A port taken between choosing
    /// and binding it is retried with another one.
    /// </summary>
    public static async Task<ServiceNode> StartAsync(
        string name, string serviceDll, string connectionString, string logDirectory, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var node = Launch(name, serviceDll, connectionString, logDirectory, attempt);
            var bound = await node.WaitUntilListeningOrExitedAsync(TimeSpan.FromSeconds(90), ct);
            if (bound) return node;
            var addressInUse = node.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase);
            var tail = node.Tail(40);
            var exitCode = node.ExitCode;
            await node.DisposeAsync();
            if (!addressInUse || attempt == StartAttempts)
                throw new InvalidOperationException($"Node {name} did not start (exit code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}). Its log:{Environment.NewLine}{tail}");
        }
    }

    /// <summary>Waits until <c>GET /health/ready</c> answers 200; fails when the process exits or the time runs out.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        string last = "no answer yet";
        while (deadline.Elapsed < timeout)
        {
            if (HasExited)
                throw new InvalidOperationException($"Node {Name} exited with code {ExitCode} before it was ready. Its log:{Environment.NewLine}{Tail(40)}");
            // A cold node's first answers are slow (JIT, code generation); a short timeout would only start them again.
            var (answer, failure) = await TryGetAsync("health/ready", token: null, TimeSpan.FromSeconds(15), ct);
            if (answer?.Status == 200) return;
            last = answer?.ToString() ?? failure!;
            await Task.Delay(250, ct);
        }

        throw new TimeoutException($"Node {Name} was not ready within {timeout.TotalSeconds:F0} s (last: {last}). Its log:{Environment.NewLine}{Tail(40)}");
    }

    /// <summary>Posts a JSON body once. The answer, or why there was none (connection refused or reset, timeout).</summary>
    public async Task<(Answer? Answer, string? Failure)> TryPostAsync(string route, string token, string body, TimeSpan timeout, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, route.TrimStart('/'))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await TrySendAsync(request, timeout, ct);
    }

    /// <summary>Gets a route once. The answer, or why there was none.</summary>
    public async Task<(Answer? Answer, string? Failure)> TryGetAsync(string route, string? token, TimeSpan timeout, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, route.TrimStart('/'));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await TrySendAsync(request, timeout, ct);
    }

    /// <summary>
    /// True once a new connection to the node is refused (it has stopped listening), probing <c>/health/live</c> on a
    /// fresh connection each time; false if it still takes connections when the time runs out.
    /// </summary>
    public async Task<bool> WaitUntilRefusingConnectionsAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var probe = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1), PooledConnectionLifetime = TimeSpan.Zero })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(2),
        };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "health/live");
            request.Headers.ConnectionClose = true;
            try
            {
                using var response = await probe.SendAsync(request, ct);
            }
            catch (HttpRequestException e) when (IsConnectionRefused(e))
            {
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // Taken but not served: not yet the refusal we wait for.
            }

            await Task.Delay(50, ct);
        }

        return false;
    }

    /// <summary>SIGKILL: the process and its children end at once, mid-request.</summary>
    public async Task KillAsync()
    {
        if (!HasExited) _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>SIGTERM: asks the node to shut down gracefully (<c>kill -TERM pid</c>).</summary>
    public async Task TerminateAsync()
    {
        var kill = new ProcessStartInfo("kill") { UseShellExecute = false };
        kill.ArgumentList.Add("-TERM");
        kill.ArgumentList.Add(ProcessId.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(kill) ?? throw new InvalidOperationException("Could not run kill.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"kill -TERM {ProcessId} exited with {process.ExitCode}.");
    }

    /// <summary>Waits for the process to exit; false when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero) return HasExited;
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return HasExited;
        }
    }

    /// <summary>All the node has written so far.</summary>
    public string Output => string.Join(Environment.NewLine, _lines);

    /// <summary>The last <paramref name="count"/> lines the node wrote.</summary>
    public string Tail(int count)
    {
        var lines = _lines.ToArray();
        return string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Length - count)));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} (pid {ProcessId}, port {Port})");

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }

        _client.Dispose();
        // Let the asynchronous readers write the last lines before the log closes.
        await Task.Delay(100);
        lock (_log)
        {
            _logClosed = true;
            _log.Dispose();
        }

        _process.Dispose();
    }

    private static ServiceNode Launch(string name, string serviceDll, string connectionString, string logDirectory, int attempt)
    {
        var port = FreeLoopbackPort();
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(serviceDll)!,
        };
        startInfo.ArgumentList.Add(serviceDll);
        startInfo.ArgumentList.Add("--urls");
        startInfo.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_ENVIRONMENT", "OTEL_EXPORTER_OTLP_ENDPOINT" })
            startInfo.Environment.Remove(inherited);
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        startInfo.Environment["ConnectionStrings__CapitalFlows"] = connectionString;
        startInfo.Environment["Wolverine__DurabilityMode"] = "Balanced";
        // Failure detection as the service ships it (ServiceSetup): the three-node test measures those settings.
        // Leader election and agent assignment are logged at Information; the test reads the node id from there.
        startInfo.Environment["Logging__LogLevel__Wolverine"] = "Information";
        startInfo.Environment["Logging__Console__FormatterName"] = "simple";
        startInfo.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        startInfo.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";

        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, string.Create(CultureInfo.InvariantCulture, $"{name}-{attempt}.log"));
        var log = new StreamWriter(logPath, append: false, new UTF8Encoding(false)) { AutoFlush = true };
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var node = new ServiceNode(name, port, process, log) { LogPath = logPath };
        process.OutputDataReceived += (_, e) => node.Write(e.Data);
        process.ErrorDataReceived += (_, e) => node.Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        node.Write(string.Create(CultureInfo.InvariantCulture, $"[test] started pid {process.Id} on port {port}"));
        return node;
    }

    private async Task<bool> WaitUntilListeningOrExitedAsync(TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (HasExited) return false;
            var (answer, _) = await TryGetAsync("health/live", token: null, TimeSpan.FromSeconds(15), ct);
            if (answer is not null) return true;
            await Task.Delay(250, ct);
        }

        throw new TimeoutException($"Node {Name} did not listen within {timeout.TotalSeconds:F0} s. Its log:{Environment.NewLine}{Tail(40)}");
    }

    private async Task<(Answer? Answer, string? Failure)> TrySendAsync(HttpRequestMessage request, TimeSpan timeout, CancellationToken ct)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cancel.CancelAfter(timeout);
        try
        {
            using var response = await _client.SendAsync(request, cancel.Token);
            var body = await response.Content.ReadAsStringAsync(cancel.Token);
            return (new Answer((int)response.StatusCode, body), null);
        }
        catch (HttpRequestException e)
        {
            return (null, IsConnectionRefused(e) ? "connection refused" : "no answer: " + e.Message);
        }
        catch (IOException e)
        {
            return (null, "no answer: " + e.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds:F0} s"));
        }
    }

    private static bool IsConnectionRefused(HttpRequestException e) =>
        e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };

    private void Write(string? line)
    {
        if (line is null) return;
        _lines.Enqueue(line);
        lock (_log)
        {
            if (!_logClosed) _log.WriteLine(line);
        }
    }

    /// <summary>The <c>dotnet</c> host that runs this test, so the nodes run on the same runtime.</summary>
    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet") return current;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath)) return hostPath;
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root && File.Exists(Path.Combine(root, "dotnet")))
            return Path.Combine(root, "dotnet");
        return "dotnet";
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("Starting agents for Node ([0-9a-fA-F-]{36})")]
    private static partial Regex WolverineNodeLine();
}
