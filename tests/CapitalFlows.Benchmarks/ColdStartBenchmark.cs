using System.Diagnostics;
using System.Globalization;
using CapitalFlows.Security;

/// <summary>
/// A node's cold start (issue 11: at most 3 s to its first answered command): starts the built service as a fresh
/// process against the existing --pg database, and times from the process start until the first command (a central
/// entrustment of 1 đồng, as central finance) is answered 2xx; then stops the process. Repeated --rounds times, each
/// a new process; prints each round and the median and worst. The service must not already listen on --url.
/// </summary>
internal static class ColdStartBenchmark
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(Options options, string service)
    {
        if (!File.Exists(service))
        {
            await Console.Error.WriteLineAsync($"--service {service} does not exist: build the service first (dotnet build -c Release)");
            return 2;
        }
        Console.WriteLine($"CapitalFlows cold-start benchmark: {options.Rounds} starts of {service} on {options.Url}, --pg \"{options.Pg}\"");
        var events = await EventStore.CountAsync(options.Pg);
        Console.WriteLine($"events in the store: {(events is { } count ? count.ToString("N0", CultureInfo.InvariantCulture) : "unknown")}");
        using var finance = Api.Client(options, DevelopmentTokens.Mint(options.Auth, Roles.CentralFinance, null, "bench", "bench-cf", DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
        finance.Timeout = TimeSpan.FromSeconds(10);
        if (await Api.GetAsync(finance, "/api/programmes") is { Status: not 0 })
        {
            await Console.Error.WriteLineAsync($"something already answers on {options.Url}: stop it first");
            return 2;
        }

        Console.WriteLine();
        Console.WriteLine("| start | first 2xx command after | answers before it (not 2xx) |");
        Console.WriteLine("|---|---|---|");
        var times = new List<double>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            var (took, misses) = await StartOnceAsync(options, service, finance);
            if (took is not { } seconds)
            {
                Console.WriteLine($"start {round}: no command answered 2xx within {GiveUp.TotalSeconds:0} s");
                return 1;
            }
            times.Add(seconds);
            Console.WriteLine(FormattableString.Invariant($"| {round} | {seconds:F2} s | {misses} |"));
        }
        times.Sort();
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant(
            $"cold start to first answered command: median {times[times.Count / 2]:F2} s, worst {times[^1]:F2} s (target ≤ 3 s)"));
        return 0;
    }

    private static async Task<(double? Seconds, int Misses)> StartOnceAsync(Options options, string service, HttpClient finance)
    {
        var start = new ProcessStartInfo(service, ["--urls", options.Url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(service))!,
        };
        start.Environment["ConnectionStrings__CapitalFlows"] = EventStore.ToNpgsql(options.Pg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["RateLimits__CommandsPerMinute"] = "0";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var misses = 0;
        try
        {
            while (clock.Elapsed < GiveUp && !process.HasExited)
            {
                var commandId = Guid.NewGuid();
                var (status, _) = await Api.PostAsync(finance, "/api/capital/central-entrustments",
                    new { commandId, amountVnd = 1, programme = "students", decisionRef = "COLD-START" });
                if (status is >= 200 and <= 299) return (clock.Elapsed.TotalSeconds, misses);
                if (status != 0) misses++;
                await Task.Delay(TimeSpan.FromMilliseconds(20));
            }
            return (null, misses);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
    }
}
