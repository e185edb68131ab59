using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for the integration tests: its own folder, its own loopback
/// port, trust authentication, no durability (fsync off). When the environment variable
/// <c>CAPITALFLOWS_TEST_PG</c> holds a connection string, an existing server is used instead
/// and nothing is started.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    public const string ExternalServerVariable = "CAPITALFLOWS_TEST_PG";

    private const int StartAttempts = 3;

    private readonly string? _externalConnectionString;
    private readonly string? _binDirectory;
    private readonly string? _rootDirectory;
    private readonly string? _dataDirectory;
    private readonly bool _runAsPostgres;
    private readonly HashSet<string> _handedOut = new(StringComparer.Ordinal);
    private readonly List<string> _createdDatabases = [];
    private int _port;
    private bool _running;
    private bool _disposed;

    private PostgresCluster(string externalConnectionString)
    {
        _externalConnectionString = externalConnectionString;
    }

    private PostgresCluster(string binDirectory, string rootDirectory, string dataDirectory, bool runAsPostgres)
    {
        _binDirectory = binDirectory;
        _rootDirectory = rootDirectory;
        _dataDirectory = dataDirectory;
        _runAsPostgres = runAsPostgres;
    }

    /// <summary>True when the tests run against the server named by <c>CAPITALFLOWS_TEST_PG</c>.</summary>
    public bool IsExternal => _externalConnectionString is not null;

    /// <summary>False for an external server: it cannot be stopped and started again.</summary>
    public bool CanRestart => !IsExternal;

    public static async Task<PostgresCluster> StartAsync()
    {
        var external = Environment.GetEnvironmentVariable(ExternalServerVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            // Validate the connection string now rather than in the first test that uses it.
            _ = new NpgsqlConnectionStringBuilder(external);
            return new PostgresCluster(external);
        }

        var binDirectory = FindBinDirectory();
        var runAsPostgres = IsRoot();
        var name = "capitalflows-pg-" + Guid.NewGuid().ToString("N")[..12];
        // As root the data folder belongs to "postgres", which must be able to traverse its
        // parents: /tmp is world-traversable, unlike root's own temp folders may be.
        var rootDirectory = Path.Combine(runAsPostgres ? "/tmp" : Path.GetTempPath(), name);
        Directory.CreateDirectory(rootDirectory);
        var dataDirectory = Path.Combine(rootDirectory, "data");
        var cluster = new PostgresCluster(binDirectory, rootDirectory, dataDirectory, runAsPostgres);
        try
        {
            if (runAsPostgres && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(
                    rootDirectory,
                    UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                    | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                Directory.CreateDirectory(dataDirectory);
                await RunAsync("chown", ["postgres:postgres", dataDirectory], rootDirectory);
            }

            await cluster.InitDbAsync();
            await cluster.StartWithFreshPortAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection string to <paramref name="database"/> on this cluster.</summary>
    public string ConnectionStringFor(string database)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        ObjectDisposedException.ThrowIf(_disposed, this);

        string connectionString;
        if (_externalConnectionString is not null)
        {
            connectionString = new NpgsqlConnectionStringBuilder(_externalConnectionString) { Database = database }
                .ConnectionString;
        }
        else
        {
            connectionString = string.Create(
                CultureInfo.InvariantCulture,
                $"Host=127.0.0.1;Port={_port};Database={database};Username=postgres");
        }

        lock (_handedOut)
        {
            _handedOut.Add(connectionString);
        }

        return connectionString;
    }

    /// <summary>Creates an empty database (connected to the <c>postgres</c> database).</summary>
    public async Task CreateDatabaseAsync(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);

        await using (var connection = new NpgsqlConnection(AdminConnectionString()))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE DATABASE " + QuoteIdentifier(name), connection);
            await command.ExecuteNonQueryAsync();
        }

        lock (_createdDatabases)
        {
            _createdDatabases.Add(name);
        }
    }

    /// <summary>Stops the server (fast shutdown); its data is kept for <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EnsureRestartable();
        if (!_running)
        {
            return;
        }

        await PgCtlAsync("stop", "-D", _dataDirectory!, "-m", "fast", "-w", "-t", "60");
        _running = false;
        ClearPools();
    }

    /// <summary>Starts the stopped server again, on the same port and with the same data.</summary>
    public async Task StartAgainAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EnsureRestartable();
        if (_running)
        {
            return;
        }

        ClearPools();
        await StartServerAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ClearPools();

        if (IsExternal)
        {
            await DropCreatedDatabasesAsync();
            return;
        }

        if (_dataDirectory is not null && File.Exists(Path.Combine(_dataDirectory, "postmaster.pid")))
        {
            try
            {
                await PgCtlAsync("stop", "-D", _dataDirectory, "-m", "immediate", "-w", "-t", "60");
            }
            catch (InvalidOperationException)
            {
                // Not running (any more): nothing to stop.
            }
        }

        _running = false;
        if (_rootDirectory is not null && Directory.Exists(_rootDirectory))
        {
            try
            {
                Directory.Delete(_rootDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp folder must not fail the test run.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private string AdminConnectionString()
    {
        if (_externalConnectionString is not null)
        {
            return new NpgsqlConnectionStringBuilder(_externalConnectionString) { Database = "postgres" }
                .ConnectionString;
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"Host=127.0.0.1;Port={_port};Database=postgres;Username=postgres;Pooling=false");
    }

    private void EnsureRestartable()
    {
        if (!CanRestart)
        {
            throw new InvalidOperationException(
                $"The server named by {ExternalServerVariable} cannot be stopped or restarted by the tests.");
        }
    }

    private async Task InitDbAsync()
    {
        var initdb = Path.Combine(_binDirectory!, "initdb");
        await RunServerToolAsync(
            initdb,
            [
                "-D", _dataDirectory!, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--locale=" + InitDbLocale(), "--no-sync",
            ]);
    }

    private async Task StartWithFreshPortAsync()
    {
        // The port is free when chosen but may be taken before the server binds it.
        for (var attempt = 1; ; attempt++)
        {
            _port = FreeLoopbackPort();
            try
            {
                await StartServerAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < StartAttempts)
            {
            }
        }
    }

    private async Task StartServerAsync()
    {
        var options = string.Create(
            CultureInfo.InvariantCulture,
            $"-p {_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300");
        var logFile = Path.Combine(_dataDirectory!, "server.log");
        try
        {
            await PgCtlAsync("start", "-D", _dataDirectory!, "-l", logFile, "-w", "-t", "60", "-o", options);
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidOperationException(exception.Message + Environment.NewLine + "server log:" + Environment.NewLine + LogTail(logFile), exception);
        }

        _running = true;
    }

    private Task PgCtlAsync(params string[] arguments) =>
        RunServerToolAsync(Path.Combine(_binDirectory!, "pg_ctl"), arguments);

    // PostgreSQL refuses to run as root: its tools then run as the "postgres" user.
    private Task RunServerToolAsync(string tool, IReadOnlyList<string> arguments)
    {
        if (!_runAsPostgres)
        {
            return RunAsync(tool, arguments, _rootDirectory!);
        }

        var runuserArguments = new List<string> { "-u", "postgres", "--", tool };
        runuserArguments.AddRange(arguments);
        return RunAsync("runuser", runuserArguments, _rootDirectory!);
    }

    private void ClearPools()
    {
        string[] connectionStrings;
        lock (_handedOut)
        {
            connectionStrings = [.. _handedOut];
        }

        foreach (var connectionString in connectionStrings)
        {
            using var connection = new NpgsqlConnection(connectionString);
            NpgsqlConnection.ClearPool(connection);
        }
    }

    private async Task DropCreatedDatabasesAsync()
    {
        string[] names;
        lock (_createdDatabases)
        {
            names = [.. _createdDatabases];
        }

        if (names.Length == 0)
        {
            return;
        }

        try
        {
            await using var connection = new NpgsqlConnection(AdminConnectionString());
            await connection.OpenAsync();
            foreach (var name in names)
            {
                await using var command = new NpgsqlCommand(
                    "DROP DATABASE IF EXISTS " + QuoteIdentifier(name) + " WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException)
        {
            // Best effort: leftover databases on a shared server must not fail the test run.
        }
    }

    private static string LogTail(string logFile)
    {
        try
        {
            var lines = File.ReadAllLines(logFile);
            return string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Length - 20)));
        }
        catch (IOException)
        {
            return "(no log)";
        }
        catch (UnauthorizedAccessException)
        {
            return "(log not readable)";
        }
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRoot() =>
        string.Equals(Environment.UserName, "root", StringComparison.Ordinal)
        || (!OperatingSystem.IsWindows() && Environment.IsPrivilegedProcess);

    // C.UTF-8 when the system has it (Unicode-aware upper/lower), plain C otherwise; pinned so
    // that the cluster does not depend on the caller's LANG.
    private static string InitDbLocale() =>
        Directory.Exists("/usr/lib/locale/C.utf8") || Directory.Exists("/usr/lib/locale/C.UTF-8") ? "C.UTF-8" : "C";

    /// <summary>
    /// The folder holding initdb and pg_ctl: $PG_BIN, then PATH (symlinks resolved), then
    /// /usr/lib/postgresql/&lt;version&gt;/bin, highest version first.
    /// </summary>
    private static string FindBinDirectory()
    {
        var candidates = new List<string>();
        var pgBin = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(pgBin))
        {
            candidates.Add(pgBin);
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var entry in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(entry, "initdb");
            if (File.Exists(initdb))
            {
                var target = File.ResolveLinkTarget(initdb, returnFinalTarget: true);
                candidates.Add(Path.GetDirectoryName(target?.FullName ?? Path.GetFullPath(initdb))!);
            }
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            candidates.AddRange(
                Directory.EnumerateDirectories(debianRoot)
                    .Select(directory => (Directory: directory, Version: ParseVersion(Path.GetFileName(directory))))
                    .Where(entry => entry.Version is not null)
                    .OrderByDescending(entry => entry.Version)
                    .Select(entry => Path.Combine(entry.Directory, "bin")));
        }

        foreach (var candidate in candidates)
        {
            if (File.Exists(Path.Combine(candidate, "initdb")) && File.Exists(Path.Combine(candidate, "pg_ctl")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under /usr/lib/postgresql/*/bin. "
            + "Run the tests with `bash deploy/test.sh` (it installs them), install Debian's postgresql package, "
            + $"or set {ExternalServerVariable} to the connection string of an existing server.");
    }

    private static Version? ParseVersion(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var major))
        {
            return new Version(major, 0);
        }

        return Version.TryParse(text, out var version) ? version : null;
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Our own connection settings must not leak into the tools.
        foreach (var variable in new[] { "PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGOPTIONS" })
        {
            startInfo.Environment.Remove(variable);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException(
                string.Create(CultureInfo.InvariantCulture, $"Could not start '{fileName}': {exception.Message}"),
                exception);
        }

        process.StandardInput.Close();
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException(
                string.Create(CultureInfo.InvariantCulture, $"'{fileName}' did not finish within 2 minutes."));
        }

        var output = await standardOutput;
        var error = await standardError;
        if (process.ExitCode != 0)
        {
            var message = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"'{fileName} {string.Join(' ', arguments)}' exited with code {process.ExitCode}.")
                .AppendLine()
                .AppendLine("stdout:")
                .AppendLine(output.Trim())
                .AppendLine("stderr:")
                .Append(error.Trim());
            throw new InvalidOperationException(message.ToString());
        }
    }
}
