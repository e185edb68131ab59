using System.Globalization;
using System.Text.Json;
using CapitalFlows.Security;

/// <summary>
/// A province's credit quality, <c>GET /api/localities/{province}/credit-quality?asOf=&amp;by=</c>, as central finance,
/// for each client count of --clients, against the baseline of the same read for the nation by child in the same run.
/// </summary>
/// <remarks>
/// Each request picks one of today's provinces (or --province), a date from --from to yesterday (Vietnam time) and
/// <c>by=programme</c> or <c>by=child</c> at random (seeded by --seed); a share of them (--known-at-share) also asks
/// <c>knownAt</c>, a random instant from --from to now. The nation's read takes the same dates, groupings and instants.
/// The first --warmup seconds of each run are discarded.
/// </remarks>
internal static class CreditQualityBenchmark
{
    public static async Task<int> RunAsync(Options options, string? province)
    {
        var yesterday = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(7)).AddDays(-1);
        var days = yesterday.DayNumber - options.From.DayNumber + 1;
        if (days < 1)
        {
            await Console.Error.WriteLineAsync($"--from {options.From:yyyy-MM-dd} is not before today in Vietnam");
            return 2;
        }
        Console.WriteLine($"CapitalFlows credit-quality benchmark: clients {string.Join(",", options.ClientCounts)}, {options.Warmup} s warm-up + {options.Seconds} s each, " +
            $"asOf {options.From:yyyy-MM-dd} to {yesterday:yyyy-MM-dd}, knownAt share {options.KnownAtShare:P0}, by programme or child, " +
            $"province {province ?? "random"}, seed {options.Seed}, {options.Url}");

        var finance = Api.Client(options, DevelopmentTokens.Mint(options.Auth, Roles.CentralFinance, null, "bench", "bench-cf", DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
        using var localities = JsonDocument.Parse(await finance.GetStringAsync(new Uri("/api/localities?level=province", UriKind.Relative)));
        var provinces = province is null
            ? localities.RootElement.EnumerateArray().Select(l => l.GetProperty("code").GetString()!).ToList()
            : [province];
        var events = await EventStore.CountAsync(options.Pg);
        Console.WriteLine($"set-up: {provinces.Count} provinces; events in the store: {(events is { } count ? count.ToString("N0", CultureInfo.InvariantCulture) : "unknown")}");

        var from = new DateTimeOffset(options.From.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(7));
        var now = DateTimeOffset.UtcNow;
        string Path(Random random, string code)
        {
            var asOf = options.From.AddDays(random.Next(days));
            var by = random.Next(2) == 0 ? "programme" : "child";
            var path = $"/api/localities/{code}/credit-quality?asOf={asOf:yyyy-MM-dd}&by={by}";
            if (random.NextDouble() < options.KnownAtShare)
            {
                var knownAt = from + (now - from) * random.NextDouble();
                path += $"&knownAt={knownAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}";
            }
            return path;
        }

        var rows = new List<(int Clients, Measurement Province, Measurement Nation)>();
        foreach (var clients in options.ClientCounts)
        {
            var run = options with { ClientCounts = [clients] };
            var read = await Load.RunAsync(finance, run, random => Path(random, provinces[random.Next(provinces.Count)]));
            var nation = await Load.RunAsync(finance, run, random => Path(random, "VN"));
            Console.WriteLine();
            Console.WriteLine($"{clients} clients:");
            read.Print("  province credit quality");
            nation.Print("  baseline (the nation by child or programme)");
            rows.Add((clients, read, nation));
        }

        Console.WriteLine();
        Console.WriteLine("| clients | province req/s | p50 | p95 | p99 | max | nation p50 | nation p95 | nation p99 | errors |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (clients, read, nation) in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {clients} | {read.Latencies.Count / read.Seconds:F0} | {read.Percentile(50):F1} | {read.Percentile(95):F1} | {read.Percentile(99):F1} | " +
                $"{read.Percentile(100):F1} | {nation.Percentile(50):F1} | {nation.Percentile(95):F1} | {nation.Percentile(99):F1} | " +
                $"{read.Errors.Sum(e => e.Value) + nation.Errors.Sum(e => e.Value)} |"));
        Console.WriteLine($"province p99 at {rows[0].Clients} clients {rows[0].Province.Percentile(99):F1} ms, worst {rows.Max(r => r.Province.Percentile(99)):F1} ms " +
            "(target < 50 ms at 1,000,000 events)");
        return 0;
    }
}
