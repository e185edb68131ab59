using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// The real service as its own process, listening on a loopback port with Kestrel, on a fresh database of a
/// test cluster: for the tests that need real sockets (the in-memory test server has none).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int StartAttempts = 3;
    private const int OutputLinesKept = 200;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Queue<string> _output;

    private ServiceProcess(Process process, Queue<string> output, int port, LedgerDatabase database)
    {
        _process = process;
        _output = output;
        Port = port;
        Database = database;
    }

    public int Port { get; }

    public Uri BaseAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));

    public LedgerDatabase Database { get; }

    /// <summary>The processor time the service has used so far: how busy it is, measured between two readings.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>The last lines the service wrote, for a failure message.</summary>
    public string Output
    {
        get
        {
            lock (_output) return string.Join(Environment.NewLine, _output);
        }
    }

    /// <summary>
    /// Creates a database on <paramref name="cluster"/> and starts the service on it; returns once it is ready.
    /// <paramref name="settings"/> are extra environment variables (configuration keys in their <c>__</c> form).
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(PostgresCluster cluster, IReadOnlyDictionary<string, string>? settings = null)
    {
        var database = $"capitalflows_process_{Guid.NewGuid():N}"[..30];
        await cluster.CreateDatabaseAsync(database);
        return await StartAsync(cluster.ConnectionStringFor(database), settings);
    }

    /// <summary>
    /// Starts the service on that database (which may hold a history already), with <paramref name="settings"/>
    /// (configuration keys such as <c>Exports:MaxConcurrent</c>) on top of the Testing environment's; returns once it is ready.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        // The port is free when chosen but may be taken before the service binds it.
        for (var attempt = 1; ; attempt++)
        {
            var service = Start(connectionString, FreeLoopbackPort(), "Testing", settings?.ToDictionary(s => s.Key, s => (string?)s.Value));
            try
            {
                await service.WaitUntilReadyAsync();
                return service;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts && service._process.HasExited)
            {
                await service.DisposeAsync();
            }
            catch
            {
                await service.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>An HTTP client of the service, with a bearer token for the role when one is given.</summary>
    public HttpClient Client(string? role = null, string? locality = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (role is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceFixture.Token(role, locality));
        return client;
    }

    /// <summary>Opens a raw TCP connection to the service.</summary>
    public async Task<TcpClient> ConnectAsync()
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await tcp.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            return tcp;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
        catch (OperationCanceledException)
        {
            // Best effort: a process that does not die within 10 s must not hang the test run.
        }
        _process.Dispose();
    }

    /// <summary>
    /// Starts the service in <paramref name="environment"/> with <paramref name="settings"/> as environment variables
    /// (a null value removes one the harness would set) and waits for it to exit, at most <paramref name="timeout"/>:
    /// the exit code (null when it was still running, and then it is killed) and what it wrote. For settings the
    /// service must refuse at start-up.
    /// </summary>
    public static async Task<(int? ExitCode, string Output)> RunUntilExitAsync(
        string environment, IReadOnlyDictionary<string, string?> settings, TimeSpan timeout)
    {
        await using var service = Start("Host=127.0.0.1;Port=1;Database=none", FreeLoopbackPort(), environment, settings);
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await service._process.WaitForExitAsync(wait.Token);
            // The asynchronous output readers may still hold the last lines.
            service._process.WaitForExit();
            return (service._process.ExitCode, service.Output);
        }
        catch (OperationCanceledException)
        {
            return (null, service.Output);
        }
    }

    private static ServiceProcess Start(
        string connectionString, int port, string environment = "Testing", IReadOnlyDictionary<string, string?>? settings = null)
    {
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CapitalFlows.dll"));
        startInfo.ArgumentList.Add("--urls");
        startInfo.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        startInfo.Environment["DOTNET_ENVIRONMENT"] = environment;
        startInfo.Environment["ConnectionStrings__CapitalFlows"] = connectionString;
        startInfo.Environment["Auth__SigningKey"] = ServiceFixture.SigningKey;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            var name = key.Replace(":", "__", StringComparison.Ordinal);
            if (value is null) startInfo.Environment.Remove(name);
            else startInfo.Environment[name] = value;
        }
        foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
            startInfo.Environment.Remove(name);

        var output = new Queue<string>();
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Keep(output, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(output, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(process, output, port, new LedgerDatabase(connectionString));
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The service exited with code {_process.ExitCode}:{Environment.NewLine}{Output}");
            try
            {
                using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (ready.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }
            if (clock.Elapsed > StartTimeout)
                throw new TimeoutException($"The service was not ready within {StartTimeout.TotalSeconds:F0} s:{Environment.NewLine}{Output}");
            await Task.Delay(100);
        }
    }

    private static void Keep(Queue<string> output, string? line)
    {
        if (line is null) return;
        lock (output)
        {
            output.Enqueue(line);
            while (output.Count > OutputLinesKept) output.Dequeue();
        }
    }

    /// <summary>The dotnet host that runs the tests (the CLI names it in DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
            return hostPath;
        if (Environment.ProcessPath is { } processPath && Path.GetFileNameWithoutExtension(processPath) == "dotnet")
            return processPath;
        return "dotnet";
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
