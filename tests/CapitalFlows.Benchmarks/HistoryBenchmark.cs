using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CapitalFlows.Security;
using Npgsql;

/// <summary>
/// A locality's history, <c>GET /api/localities/{code}/history?limit=50</c>, as central finance, for a random province
/// or commune of today that has events, against the baseline of an authenticated request that touches no database, for each
/// client count of --clients.
/// </summary>
/// <remarks>
/// Of the requests, --page-share follow the <c>after</c> of the client's previous answer to the next page (when it had
/// one), and --range-share ask a random <c>from</c>/<c>to</c> of up to a year from --from to yesterday; the rest ask the
/// first page of the whole history.
/// </remarks>
internal static class HistoryBenchmark
{
    private const int Limit = 50;

    public static async Task<int> RunAsync(Options options)
    {
        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(7)).AddDays(-1);
        var days = yesterday.DayNumber - options.From.DayNumber + 1;
        if (days < 1)
        {
            await Console.Error.WriteLineAsync($"--from {options.From:yyyy-MM-dd} is not before today in Vietnam");
            return 2;
        }
        Console.WriteLine($"CapitalFlows history benchmark: clients {string.Join(",", options.ClientCounts)}, {options.Warmup} s warm-up + {options.Seconds} s each, " +
            $"limit {Limit}, next page {options.PageShare:P0}, from/to {options.RangeShare:P0}, seed {options.Seed}, {options.Url}");

        var finance = Api.Client(options, DevelopmentTokens.Mint(options.Auth, Roles.CentralFinance, null, "bench", "bench-cf", DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
        // Only localities that exist today: a province closed by the merger answers 404 (its history is read through its successor).
        using var active = JsonDocument.Parse(await finance.GetStringAsync(new Uri("/api/localities", UriKind.Relative)));
        var today = active.RootElement.EnumerateArray().Select(l => l.GetProperty("code").GetString()!).ToHashSet();
        var codes = (await LocalitiesWithEventsAsync(options.Pg)).Where(today.Contains).ToList();
        var events = await EventStore.CountAsync(options.Pg);
        Console.WriteLine($"set-up: {codes.Count(c => c.Length <= 2)} provinces and {codes.Count(c => c.Length > 2)} communes with events; " +
            $"events in the store: {(events is { } count ? count.ToString("N0", CultureInfo.InvariantCulture) : "unknown")}");
        if (codes.Count == 0)
        {
            await Console.Error.WriteLineAsync("no locality has events: seed the demo history first");
            return 2;
        }

        string FirstPage(Random random)
        {
            var path = $"/api/localities/{codes[random.Next(codes.Count)]}/history?limit={Limit}";
            if (random.NextDouble() < options.RangeShare)
            {
                var first = options.From.AddDays(random.Next(days));
                var last = DateOnly.FromDayNumber(Math.Min(yesterday.DayNumber, first.DayNumber + random.Next(366)));
                path += $"&from={first:yyyy-MM-dd}&to={last:yyyy-MM-dd}";
            }
            return path;
        }

        var rows = new List<(int Clients, Measurement History, Measurement Baseline, int Pages)>();
        foreach (var clients in options.ClientCounts)
        {
            var run = options with { ClientCounts = [clients] };
            var (history, pages) = await RunHistoryAsync(finance, run, FirstPage);
            var baseline = await Load.RunAsync(finance, run, _ => "/api/programmes");
            Console.WriteLine();
            Console.WriteLine($"{clients} clients:");
            history.Print("  history read");
            Console.WriteLine($"  history read: {pages} of them followed 'after' to a next page");
            baseline.Print("  baseline (GET /api/programmes)");
            rows.Add((clients, history, baseline, pages));
        }

        Console.WriteLine();
        Console.WriteLine($"| clients | history req/s | p50 | p95 | p99 | max | baseline p50 | baseline p99 | errors |");
        Console.WriteLine($"|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (clients, history, baseline, _) in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {clients} | {history.Latencies.Count / history.Seconds:F0} | {history.Percentile(50):F1} | {history.Percentile(95):F1} | {history.Percentile(99):F1} | " +
                $"{history.Percentile(100):F1} | {baseline.Percentile(50):F1} | {baseline.Percentile(99):F1} | {history.Errors.Sum(e => e.Value)} |"));
        Console.WriteLine($"history p99 worst {rows.Max(r => r.History.Percentile(99)):F1} ms (target < 50 ms at 1,000,000 events)");
        return 0;
    }

    /// <summary>
    /// Like <see cref="Load.RunAsync"/>, but each client remembers its previous answer's <c>next</c> so that a share of
    /// its requests can ask the page after it. Returns the measurement and how many measured requests were next pages.
    /// </summary>
    private static async Task<(Measurement Measurement, int Pages)> RunHistoryAsync(HttpClient client, Options options, Func<Random, string> firstPage)
    {
        var seeds = new Random(options.Seed);
        var clientSeeds = Enumerable.Range(0, options.Clients).Select(_ => seeds.Next()).ToList();
        var latencies = new List<double>[options.Clients];
        var errors = new Dictionary<int, int>[options.Clients];
        var pages = new int[options.Clients];
        var measuredFrom = Stopwatch.GetTimestamp() + options.Warmup * Stopwatch.Frequency;
        var until = measuredFrom + options.Seconds * Stopwatch.Frequency;
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(async worker =>
        {
            var random = new Random(clientSeeds[worker]);
            latencies[worker] = [];
            errors[worker] = [];
            string? previous = null;
            long? next = null;
            while (Stopwatch.GetTimestamp() < until)
            {
                var nextPage = next is not null && random.NextDouble() < options.PageShare;
                var path = nextPage ? $"{previous}&after={next}" : firstPage(random);
                var started = Stopwatch.GetTimestamp();
                var (status, body) = await Api.GetAsync(client, path);
                var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                previous = nextPage ? previous : path;
                next = status == 200 ? Next(body) : null;
                if (started < measuredFrom) continue;
                latencies[worker].Add(latency);
                if (nextPage) pages[worker]++;
                if (status != 200) errors[worker][status] = errors[worker].GetValueOrDefault(status) + 1;
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(measuredFrom).TotalSeconds;
        return (new Measurement(
            latencies.SelectMany(l => l).Order().ToList(),
            errors.SelectMany(e => e).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value)),
            seconds), pages.Sum());
    }

    private static long? Next(string body)
    {
        using var page = JsonDocument.Parse(body);
        return page.RootElement.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.Number ? next.GetInt64() : null;
    }

    /// <summary>
    /// The provinces and communes whose own funds have events (a fund's stream key is "{code}/{source}/{programme}";
    /// "VN" is the nation), read from --pg.
    /// </summary>
    private static async Task<IReadOnlyList<string>> LocalitiesWithEventsAsync(string pg)
    {
        await using var connection = await Database.OpenAsync(pg);
        await using var command = new NpgsqlCommand("""
            select distinct split_part(s.id, '/', 1) as code from capitalflows.mt_streams s
            where s.id like '%/%' and split_part(s.id, '/', 1) <> 'VN' and s.version > 0
            order by code
            """, connection) { CommandTimeout = 120 };
        var codes = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) codes.Add(reader.GetString(0));
        return codes;
    }
}
