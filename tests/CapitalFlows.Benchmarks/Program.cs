using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CapitalFlows.Security;
using Npgsql;

// Three benchmarks against a running service, chosen by --mode (lending unless told otherwise).
//
// --mode lending: lending throughput against the raw ceiling of the same PostgreSQL, in one run. For each client
// count of --clients (a list: 8,32), --rounds interleaved rounds of: pgbench single-row inserts (one insert per
// transaction, -c N -j N -T S, on a scratch table in the --pg database), then the service's drawdowns and repayments
// over HTTP with the same N clients for the same S seconds, after a warm-up of --warmup seconds of each (20; not
// counted: a new service process spends its first 20-30 s of load compiling). Prints each round's figures and the median ratio
// service ÷ raw, then checks that every command answered 2xx is in the event log (by commandId, read from --pg) and
// that GET /api/ledger/balance-check is balanced; if not, prints FIGURES VOID and exits 1. Usage:
//   dotnet run -c Release --project tests/CapitalFlows.Benchmarks -- [--mode lending] [--url http://127.0.0.1:5080]
//       [--clients 8,32] [--seconds 20] [--rounds 3] [--warmup 20] [--communes 200]
//       [--pg "host=127.0.0.1 port=5433 user=postgres dbname=capitalflows"]
// The service must run with RateLimits__CommandsPerMinute=0 (the benchmark is one caller per province).
//
// --mode as-of: latency of "a province's capital as of a past date", GET /api/localities/{province}/capital?asOf=,
// as central finance. Each request picks one of the current provinces and a date from --from to yesterday (Vietnam
// time) at random (seeded by --seed); a share of them (--known-at-share) also asks knownAt, a random instant since
// 2021-01-01. Then, with the same clients and duration, GET /api/programmes (authenticated, no database) as the
// baseline of what HTTP and authentication alone cost. The first --warmup seconds of each are discarded. Prints
// both latency distributions and the number of events in the store (read from --pg). Usage:
//   dotnet run -c Release --project tests/CapitalFlows.Benchmarks -- --mode as-of [--url http://127.0.0.1:5080]
//       [--clients 8] [--seconds 20] [--warmup 3] [--seed 42] [--from 2021-01-01] [--known-at-share 0]
//       [--pg "host=127.0.0.1 port=5433 user=postgres dbname=capitalflows"]
//
// --mode history: latency of a locality's history, GET /api/localities/{code}/history?limit=50, as central finance,
// for a random province or commune whose funds have events (read from --pg), for each client count of --clients (a
// list: 1,4,8), each followed by the same GET /api/programmes baseline. A share of the requests (--page-share) ask the
// next page (the previous answer's `next` as `after`), another (--range-share) a random from/to of up to a year. Usage:
//   dotnet run -c Release --project tests/CapitalFlows.Benchmarks -- --mode history [--url http://127.0.0.1:5080]
//       [--clients 1,4,8] [--seconds 20] [--warmup 3] [--seed 42] [--from 2021-01-01] [--page-share 0.2] [--range-share 0.2]
//       [--pg "host=127.0.0.1 port=5433 user=postgres dbname=capitalflows"]
//
// --mode credit-quality: latency of a province's credit quality, GET /api/localities/{province}/credit-quality?asOf=&by=,
// as central finance, for each client count of --clients (a list: 1,4,8,16): a random province of today (or --province),
// a random date from --from to yesterday, by programme or by child at random, and for a share (--known-at-share, 0.5)
// a random knownAt; then the same reads of the nation (VN) as the baseline of the same run. Usage:
//   dotnet run -c Release --project tests/CapitalFlows.Benchmarks -- --mode credit-quality [--url http://127.0.0.1:5080]
//       [--clients 1,4,8,16] [--seconds 20] [--warmup 3] [--seed 42] [--from 2021-01-01] [--known-at-share 0.5] [--province 01]
//       [--pg "host=127.0.0.1 port=5433 user=postgres dbname=capitalflows"]
//
// --mode cold-start: a node's cold start to its first answered command. Starts the built service (--service, the
// Release build by default) as a new process on --url against the existing --pg database, --rounds times, and times
// each start until a command (a central entrustment of 1 đồng) is answered 2xx. Nothing else may listen on --url. Usage:
//   dotnet run -c Release --project tests/CapitalFlows.Benchmarks -- --mode cold-start [--url http://127.0.0.1:5080]
//       [--rounds 3] [--service src/CapitalFlows/bin/Release/net10.0/CapitalFlows]
//       [--pg "host=127.0.0.1 port=5433 user=postgres dbname=capitalflows"]
//
// --mode import: the import command's lines per second (ImportBenchmark): --rounds rounds of a fresh file of --lines
// drawdowns and repayments (after the capital they rely on) at each wave size of --waves, then --baseline-lines of the
// same shape one line at a time, each run the built service (--service) as a new process on the --pg database. Usage:
//   dotnet run -c Release --project tests/CapitalFlows.Benchmarks -- --mode import [--lines 20000] [--baseline-lines 2000]
//       [--waves 256,64] [--rounds 3] [--service src/CapitalFlows/bin/Release/net10.0/CapitalFlows]
//       [--pg "host=127.0.0.1 port=5433 user=postgres dbname=capitalflows"]
//
// Every mode signs their tokens with --signing-key (the development key unless told otherwise).
Options options;
try
{
    options = Options.Parse(args);
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}
switch (options.Mode)
{
    case "as-of":
        return await AsOfBenchmark.RunAsync(options);
    case "history":
        return await HistoryBenchmark.RunAsync(options);
    case "lending":
        return await LendingBenchmark.RunAsync(options);
    case "credit-quality":
        return await CreditQualityBenchmark.RunAsync(options, Array.IndexOf(args, "--province") is var p and >= 0 && p + 1 < args.Length ? args[p + 1] : null);
    case "import":
        return await ImportBenchmark.RunAsync(options,
            Array.IndexOf(args, "--service") is var s and >= 0 && s + 1 < args.Length ? args[s + 1] : "src/CapitalFlows/bin/Release/net10.0/CapitalFlows",
            Array.IndexOf(args, "--lines") is var l and >= 0 && l + 1 < args.Length ? int.Parse(args[l + 1], CultureInfo.InvariantCulture) : 20_000,
            Array.IndexOf(args, "--baseline-lines") is var b and >= 0 && b + 1 < args.Length ? int.Parse(args[b + 1], CultureInfo.InvariantCulture) : 2_000,
            (Array.IndexOf(args, "--waves") is var w and >= 0 && w + 1 < args.Length ? args[w + 1] : "256").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList());
    case "cold-start":
        return await ColdStartBenchmark.RunAsync(options,
            Array.IndexOf(args, "--service") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : "src/CapitalFlows/bin/Release/net10.0/CapitalFlows");
    default:
        await Console.Error.WriteLineAsync($"unknown --mode {options.Mode}: lending, as-of, history, credit-quality, cold-start or import");
        return 2;
}

internal sealed record Options(
    string Mode, string Url, IReadOnlyList<int> ClientCounts, int Seconds, int Rounds, int Communes, string Pg, AuthOptions Auth,
    int Warmup, int Seed, DateOnly From, double KnownAtShare, double PageShare, double RangeShare)
{
    /// <summary>The one client count of the as-of mode (the first of --clients).</summary>
    public int Clients => ClientCounts[0];

    public static Options Parse(string[] args)
    {
        string Get(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        int Positive(string name, string fallback) =>
            int.TryParse(Get(name, fallback), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new FormatException($"{name} takes a whole number of at least 1, not '{Get(name, fallback)}'");
        var mode = Get("--mode", "lending");
        var clients = Get("--clients", mode switch { "as-of" => "8", "history" => "1,4,8", "credit-quality" => "1,4,8,16", _ => "8,32" }).Split(',', StringSplitOptions.TrimEntries)
            .Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new FormatException($"--clients takes client counts of at least 1 separated by commas (8,32), not '{Get("--clients", "")}'"))
            .ToList();
        return new Options(
            mode,
            Get("--url", "http://127.0.0.1:5080"),
            clients,
            Positive("--seconds", "20"),
            Positive("--rounds", "3"),
            Positive("--communes", "200"),
            Get("--pg", "host=127.0.0.1 port=5433 user=postgres dbname=capitalflows"),
            new AuthOptions { SigningKey = Get("--signing-key", "capitalflows-development-signing-key-not-for-production") },
            int.TryParse(Get("--warmup", mode == "lending" ? "20" : "3"), NumberStyles.None, CultureInfo.InvariantCulture, out var warmup)
                ? warmup
                : throw new FormatException($"--warmup takes a whole number of seconds (0: none), not '{Get("--warmup", "")}'"),
            int.Parse(Get("--seed", "42"), CultureInfo.InvariantCulture),
            DateOnly.ParseExact(Get("--from", "2021-01-01"), "yyyy-MM-dd", CultureInfo.InvariantCulture),
            double.Parse(Get("--known-at-share", mode == "credit-quality" ? "0.5" : "0"), CultureInfo.InvariantCulture),
            double.Parse(Get("--page-share", "0.2"), CultureInfo.InvariantCulture),
            double.Parse(Get("--range-share", "0.2"), CultureInfo.InvariantCulture));
    }
}

internal static class Api
{
    public static HttpClient Client(Options options, string token)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = new Uri(options.Url), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The status of the answer and its body, read to its end; status 0 when no answer came.</summary>
    public static async Task<(int Status, string Body)> GetAsync(HttpClient client, string url)
    {
        try
        {
            using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, e.Message);
        }
    }

    /// <summary>The status of the answer and its body, read to its end; status 0 when no answer came.</summary>
    public static async Task<(int Status, string Body)> PostAsync(HttpClient client, string url, object body)
    {
        try
        {
            using var content = new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");
            using var response = await client.PostAsync(new Uri(url, UriKind.Relative), content);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, e.Message);
        }
    }
}

/// <summary>
/// A province's capital as of a past date (and, for a share of the requests, as known at a past instant), against
/// the baseline of an authenticated request that touches no database.
/// </summary>
internal static class AsOfBenchmark
{
    private static readonly DateTimeOffset KnownAtFrom = new(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(Options options)
    {
        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(7)).AddDays(-1);
        Console.WriteLine($"CapitalFlows as-of benchmark: {options.Clients} clients, {options.Warmup} s warm-up + {options.Seconds} s, " +
            $"asOf {options.From:yyyy-MM-dd} to {yesterday:yyyy-MM-dd}, knownAt share {options.KnownAtShare:P0}, seed {options.Seed}, {options.Url}");
        var days = yesterday.DayNumber - options.From.DayNumber + 1;
        if (days < 1)
        {
            await Console.Error.WriteLineAsync($"--from {options.From:yyyy-MM-dd} is not before today in Vietnam");
            return 2;
        }

        var finance = Api.Client(options, DevelopmentTokens.Mint(options.Auth, Roles.CentralFinance, null, "bench", "bench-cf", DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
        using var localities = JsonDocument.Parse(await finance.GetStringAsync(new Uri("/api/localities?level=province", UriKind.Relative)));
        var provinces = localities.RootElement.EnumerateArray().Select(l => l.GetProperty("code").GetString()!).ToList();
        var events = await EventStore.CountAsync(options.Pg);
        Console.WriteLine($"set-up: {provinces.Count} current provinces");

        var now = DateTimeOffset.UtcNow;
        string AsOfPath(Random random)
        {
            var province = provinces[random.Next(provinces.Count)];
            var asOf = options.From.AddDays(random.Next(days));
            var path = $"/api/localities/{province}/capital?asOf={asOf:yyyy-MM-dd}";
            if (random.NextDouble() < options.KnownAtShare)
            {
                var knownAt = KnownAtFrom + (now - KnownAtFrom) * random.NextDouble();
                path += $"&knownAt={knownAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}";
            }
            return path;
        }

        var asOfRead = await Load.RunAsync(finance, options, AsOfPath);
        var baseline = await Load.RunAsync(finance, options, _ => "/api/programmes");

        Console.WriteLine();
        asOfRead.Print("as-of read");
        Console.WriteLine($"as-of read: {asOfRead.Errors.GetValueOrDefault(404)} answered 404 (no such province on that date)");
        baseline.Print("baseline (GET /api/programmes)");
        Console.WriteLine($"events in the store: {(events is { } count ? count.ToString("N0", CultureInfo.InvariantCulture) : "unknown")}");
        Console.WriteLine($"as-of p99 {asOfRead.Percentile(99):F1} ms (target < 50 ms at 1,000,000 events)");
        return 0;
    }
}

/// <summary>What one timed run measured: the latency of every request, sorted, and the answers other than 200.</summary>
internal sealed record Measurement(IReadOnlyList<double> Latencies, IReadOnlyDictionary<int, int> Errors, double Seconds)
{
    public double Percentile(double p) =>
        Latencies.Count == 0 ? double.NaN : Latencies[Math.Min(Latencies.Count - 1, (int)Math.Ceiling(p / 100 * Latencies.Count) - 1)];

    public void Print(string label)
    {
        var errors = Errors.Count == 0 ? "none" : string.Join(", ", Errors.OrderBy(e => e.Key).Select(e => $"{(e.Key == 0 ? "no answer" : e.Key)} × {e.Value}"));
        Console.WriteLine($"{label}: {Latencies.Count} requests in {Seconds:F1} s = {Latencies.Count / Seconds:F0} req/s; errors: {errors}");
        Console.WriteLine($"{label}: latency p50 {Percentile(50):F1} ms, p95 {Percentile(95):F1} ms, p99 {Percentile(99):F1} ms, max {Percentile(100):F1} ms");
    }
}

/// <summary>
/// N clients each send GET requests back to back, the path of each chosen with the client's own Random (seeded from
/// --seed), for --warmup then --seconds seconds; the requests started during the warm-up are not counted.
/// </summary>
internal static class Load
{
    public static async Task<Measurement> RunAsync(HttpClient client, Options options, Func<Random, string> nextPath)
    {
        var seeds = new Random(options.Seed);
        var clientSeeds = Enumerable.Range(0, options.Clients).Select(_ => seeds.Next()).ToList();
        var latencies = new List<double>[options.Clients];
        var errors = new Dictionary<int, int>[options.Clients];
        var measuredFrom = Stopwatch.GetTimestamp() + options.Warmup * Stopwatch.Frequency;
        var until = measuredFrom + options.Seconds * Stopwatch.Frequency;
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(async worker =>
        {
            var random = new Random(clientSeeds[worker]);
            latencies[worker] = [];
            errors[worker] = [];
            while (Stopwatch.GetTimestamp() < until)
            {
                var path = nextPath(random);
                var started = Stopwatch.GetTimestamp();
                var status = await GetAsync(client, path);
                var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (started < measuredFrom) continue;
                latencies[worker].Add(latency);
                if (status != 200) errors[worker][status] = errors[worker].GetValueOrDefault(status) + 1;
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(measuredFrom).TotalSeconds;
        return new Measurement(
            latencies.SelectMany(l => l).Order().ToList(),
            errors.SelectMany(e => e).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value)),
            seconds);
    }

    /// <summary>The status of the answer, read to its end; 0 when none came.</summary>
    private static async Task<int> GetAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }
}

/// <summary>The size of the event store, read straight from PostgreSQL.</summary>
internal static class EventStore
{
    /// <summary>The number of events, Marten's tombstones (left by failed transactions) not counted; null when it cannot be read.</summary>
    public static async Task<long?> CountAsync(string pg)
    {
        try
        {
            await using var connection = new NpgsqlConnection(ToNpgsql(pg));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select count(*) from capitalflows.mt_events where type <> 'tombstone'", connection);
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// --pg is written for psql and pgbench ("host=… port=… user=… dbname=…"); Npgsql wants "Host=…;Port=…;Username=…;Database=…".
    /// Values with spaces in them are not supported.
    /// </summary>
    public static string ToNpgsql(string pg) => string.Join(";", pg
        .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(pair => pair.Split('=', 2))
        .Select(kv => (kv[0] switch { "dbname" => "Database", "user" => "Username", var key => key }) + "=" + kv.ElementAtOrDefault(1))
        .Append("Timeout=5"));
}
