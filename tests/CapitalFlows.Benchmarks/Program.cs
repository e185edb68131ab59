using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CapitalFlows.Security;

// Lending throughput: drives drawdowns and repayments over HTTP against a running service with N concurrent
// clients spread over many communes, then measures the raw ceiling of the same PostgreSQL with pgbench (one
// single-row insert per transaction, same client count) and prints the ratio. Usage:
//   dotnet run -c Release --project tests/CapitalFlows.Benchmarks -- [--url http://127.0.0.1:5080]
//       [--clients 32] [--seconds 20] [--communes 200] [--pg "host=127.0.0.1 port=5433 user=postgres dbname=capitalflows"]
var options = Options.Parse(args);
Console.WriteLine($"CapitalFlows lending benchmark: {options.Clients} clients, {options.Seconds} s, {options.Communes} communes, {options.Url}");

var finance = Client(options, DevelopmentTokens.Mint(options.Auth, Roles.CentralFinance, null, "bench", "bench-cf", DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
var communes = await Setup.FundCommunesAsync(finance, options);
Console.WriteLine($"set-up: {communes.Count} commune funds of students capital ready");

var officers = communes.Select(c => c.Province).Distinct().ToDictionary(p => p, p =>
    Client(options, DevelopmentTokens.Mint(options.Auth, Roles.BranchOfficer, p, "bench", "bench-bo-" + p, DateTimeOffset.UtcNow, TimeSpan.FromHours(2))));
HttpClient Officer(string province) => officers[province];

var latencies = new List<double>[options.Clients];
var statuses = new Dictionary<int, int>();
var deadline = Stopwatch.StartNew();
var workers = Enumerable.Range(0, options.Clients).Select(async worker =>
{
    latencies[worker] = [];
    var random = new Random(worker);
    var myLoans = new List<(string LoanId, string Province)>();
    while (deadline.Elapsed.TotalSeconds < options.Seconds)
    {
        var (commune, province) = communes[random.Next(communes.Count)];
        var started = Stopwatch.GetTimestamp();
        int status;
        if (myLoans.Count > 0 && random.Next(3) == 0)
        {
            // A repayment of part of one of this client's loans, by the branch officer of the loan's province.
            var (loan, loanProvince) = myLoans[random.Next(myLoans.Count)];
            status = await Post(Officer(loanProvince), $"/api/loans/{loan}/repayments", new { commandId = Guid.NewGuid(), amountVnd = 1_000_000 });
        }
        else
        {
            var loanId = Guid.NewGuid();
            status = await Post(Officer(province), "/api/loans", new
            {
                commandId = Guid.NewGuid(), loanId, locality = commune, source = "central-budget", programme = "students",
                amountVnd = 60_000_000, borrowerRef = $"HH-{worker}-{myLoans.Count}", entrustedOrganisation = "womens-union", termMonths = 60,
            });
            if (status == 201) myLoans.Add((loanId.ToString(), province));
        }
        latencies[worker].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        lock (statuses) statuses[status] = statuses.GetValueOrDefault(status) + 1;
    }
}).ToList();
await Task.WhenAll(workers);
var elapsed = deadline.Elapsed.TotalSeconds;

var all = latencies.SelectMany(l => l).Order().ToList();
var commandsPerSecond = all.Count / elapsed;
double Percentile(double p) => all[Math.Min(all.Count - 1, (int)Math.Ceiling(p / 100 * all.Count) - 1)];
Console.WriteLine();
Console.WriteLine($"service: {all.Count} commands in {elapsed:F1} s = {commandsPerSecond:F0} commands/s");
Console.WriteLine($"service: latency p50 {Percentile(50):F1} ms, p95 {Percentile(95):F1} ms, p99 {Percentile(99):F1} ms");
Console.WriteLine($"service: statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} × {s.Value}"))}");

var ceiling = Pgbench.Run(options);
if (ceiling is { } tps)
{
    Console.WriteLine($"pgbench: {tps:F0} single-row insert transactions/s at {options.Clients} clients (the same PostgreSQL)");
    Console.WriteLine($"ratio: the service reaches {commandsPerSecond / tps:P1} of the raw insert ceiling");
}
return 0;

static HttpClient Client(Options options, string token)
{
    var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = new Uri(options.Url), Timeout = TimeSpan.FromMinutes(2) };
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    return client;
}

static async Task<int> Post(HttpClient client, string url, object body)
{
    using var content = new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");
    using var response = await client.PostAsync(url, content);
    return (int)response.StatusCode;
}

internal sealed record Options(string Url, int Clients, int Seconds, int Communes, string Pg, AuthOptions Auth)
{
    public static Options Parse(string[] args)
    {
        string Get(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        return new Options(
            Get("--url", "http://127.0.0.1:5080"),
            int.Parse(Get("--clients", "32"), CultureInfo.InvariantCulture),
            int.Parse(Get("--seconds", "20"), CultureInfo.InvariantCulture),
            int.Parse(Get("--communes", "200"), CultureInfo.InvariantCulture),
            Get("--pg", "host=127.0.0.1 port=5433 user=postgres dbname=capitalflows"),
            new AuthOptions { SigningKey = Get("--signing-key", "capitalflows-development-signing-key-not-for-production") });
    }
}

/// <summary>Funds many communes with students capital (no loan cap), through the same commands as any user.</summary>
internal static class Setup
{
    public static async Task<IReadOnlyList<(string Commune, string Province)>> FundCommunesAsync(HttpClient finance, Options options)
    {
        var localities = JsonDocument.Parse(await finance.GetStringAsync(new Uri("/api/localities?level=commune", UriKind.Relative))).RootElement
            .EnumerateArray().Select(l => (code: l.GetProperty("code").GetString()!, parent: l.GetProperty("parent").GetString()!))
            .ToList();
        var chosen = localities.Where((_, i) => i % Math.Max(1, localities.Count / options.Communes) == 0).Take(options.Communes).ToList();
        const long perCommune = 1_000_000_000_000;
        await Must(finance, "/api/capital/central-entrustments", new { commandId = Guid.NewGuid(), amountVnd = perCommune * chosen.Count, programme = "students", decisionRef = "BENCH" });
        foreach (var province in chosen.GroupBy(c => c.parent))
            await Must(finance, "/api/allocations", new { commandId = Guid.NewGuid(), from = "VN", to = province.Key, source = "central-budget", programme = "students", amountVnd = perCommune * province.Count() });
        await Task.WhenAll(chosen.Select(c => Must(finance, "/api/allocations",
            new { commandId = Guid.NewGuid(), from = c.parent, to = c.code, source = "central-budget", programme = "students", amountVnd = perCommune })));
        return chosen;
    }

    private static async Task Must(HttpClient client, string url, object body)
    {
        using var content = new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(url, UriKind.Relative), content);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"set-up {url} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

/// <summary>The raw ceiling: pgbench, one single-row insert per transaction, the same client count and duration.</summary>
internal static class Pgbench
{
    public static double? Run(Options options)
    {
        var script = Path.GetTempFileName();
        File.WriteAllText(script, "insert into bench_ceiling (amount_vnd) values (60000000);\n");
        try
        {
            Exec("psql", $"\"{options.Pg}\" -q -c \"create table if not exists bench_ceiling (id bigserial primary key, amount_vnd bigint not null)\"");
            var output = Exec("pgbench", $"-n -c {options.Clients} -j 2 -T {options.Seconds} -f {script} \"{options.Pg}\"");
            Exec("psql", $"\"{options.Pg}\" -q -c \"drop table bench_ceiling\"");
            var match = Regex.Match(output, @"tps = ([0-9.]+)");
            return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"pgbench: not measured ({e.Message})");
            return null;
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static string Exec(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} exited {process.ExitCode}: {output}");
    }
}
