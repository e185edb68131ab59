using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

/// <summary>
/// The raw ceiling of the same PostgreSQL: pgbench, one single-row insert per transaction (-c N -j N -T S), into a
/// scratch table of the --pg database that this benchmark creates and drops.
/// </summary>
internal sealed partial class Pgbench : IAsyncDisposable
{
    private readonly string _executable;
    private readonly string _pg;
    private readonly string _table;
    private readonly string _script;

    private Pgbench(string executable, string pg, string table, string script) =>
        (_executable, _pg, _table, _script) = (executable, pg, table, script);

    public string Executable => _executable;

    public string Table => _table;

    /// <summary>
    /// pgbench on PATH, else in /usr/lib/postgresql/&lt;version&gt;/bin, highest version first (where
    /// deploy/local/postgres.sh looks for the server binaries); null when neither has it.
    /// </summary>
    public static string? Find()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "pgbench"));
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(dir => int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : -1)
                .Select(dir => Path.Combine(dir, "bin", "pgbench"))
            : [];
        return onPath.Concat(installed).FirstOrDefault(File.Exists);
    }

    /// <summary>Creates the scratch table (named after this process, so that two runs never share one).</summary>
    public static async Task<Pgbench> CreateAsync(string executable, string pg)
    {
        var table = $"public.bench_raw_insert_{Environment.ProcessId}";
        await Database.ExecuteAsync(pg, $"create table if not exists {table} (id bigserial primary key, amount_vnd bigint not null)");
        var script = Path.GetTempFileName();
        await File.WriteAllTextAsync(script, $"insert into {table} (amount_vnd) values (60000000);\n");
        return new Pgbench(executable, pg, table, script);
    }

    /// <summary>Transactions per second (without the initial connection time, as pgbench reports it).</summary>
    public async Task<double> RunAsync(int clients, int seconds)
    {
        var start = new ProcessStartInfo(_executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-n", "-c", $"{clients}", "-j", $"{clients}", "-T", $"{seconds}", "-f", _script, _pg })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{_executable} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await output + await errors;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"pgbench exited {process.ExitCode}: {text.Trim()}");
        var match = Tps().Match(text);
        return match.Success
            ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"pgbench printed no tps: {text.Trim()}");
    }

    public async ValueTask DisposeAsync()
    {
        File.Delete(_script);
        await Database.ExecuteAsync(_pg, $"drop table if exists {_table}");
    }

    [GeneratedRegex(@"tps = ([0-9.]+)")]
    private static partial Regex Tps();
}
