using System.Globalization;
using CapitalFlows.Security;
using Npgsql;

/// <summary>
/// Lending throughput against the raw insert ceiling of the same PostgreSQL, measured in one run: for each client
/// count, interleaved rounds of pgbench then the service, so that both see the same machine at about the same time;
/// then the checks that decide whether the figures stand. Each client count starts with a warm-up (--warmup seconds of
/// pgbench, then of the service), not counted in the figures: a new service process compiles its hot paths again for
/// the first 20–30 s of load (tiered JIT), which is a start-up cost, not its throughput. The warm-up's answers are
/// checked with the rest.
/// </summary>
internal static class LendingBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var clientCounts = string.Join(",", options.ClientCounts);
        Console.WriteLine($"CapitalFlows lending benchmark: clients {clientCounts}, {options.Rounds} rounds of pgbench then the service, " +
            $"{options.Seconds} s each after a warm-up of {options.Warmup} s each, {options.Communes} communes, {options.Url}, --pg \"{options.Pg}\"");
        if (Pgbench.Find() is not { } executable)
        {
            await Console.Error.WriteLineAsync("pgbench not found on PATH nor in /usr/lib/postgresql/*/bin");
            return 2;
        }
        (string Fsync, string SynchronousCommit) durability;
        try
        {
            durability = await Database.DurabilityAsync(options.Pg);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"cannot reach the --pg database \"{options.Pg}\": {e.Message}");
            return 2;
        }
        Console.WriteLine($"PostgreSQL: fsync {durability.Fsync}, synchronous_commit {durability.SynchronousCommit}; {executable}");

        var accepted = new Accepted();
        var finance = Api.Client(options, DevelopmentTokens.Mint(options.Auth, Roles.CentralFinance, null, "bench", "bench-cf", DateTimeOffset.UtcNow, TimeSpan.FromHours(2)));
        var communes = await Setup.FundCommunesAsync(finance, options, accepted);
        Console.WriteLine($"set-up: {communes.Count} commune funds of students capital ready");
        var officers = communes.Select(c => c.Province).Distinct().ToDictionary(p => p, p =>
            Api.Client(options, DevelopmentTokens.Mint(options.Auth, Roles.BranchOfficer, p, "bench", "bench-bo-" + p, DateTimeOffset.UtcNow, TimeSpan.FromHours(2))));

        var results = new List<(int Clients, int Round, double Raw, ServiceRound Service)>();
        var warmUps = new List<ServiceRound>();
        await using (var pgbench = await Pgbench.CreateAsync(executable, options.Pg))
        {
            Console.WriteLine($"pgbench: one single-row insert per transaction into {pgbench.Table} (dropped at the end), -c N -j N -T {options.Seconds}");
            Console.WriteLine();
            Console.WriteLine("| clients | round | raw insert (pgbench) | service, drawdowns + repayments | p50 | p95 | p99 | not 2xx | service ÷ raw |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var clients in options.ClientCounts)
            {
                // Round 0 is the warm-up: the same phases for --warmup seconds, printed and checked but not counted.
                for (var round = options.Warmup > 0 ? 0 : 1; round <= options.Rounds; round++)
                {
                    var seconds = round == 0 ? options.Warmup : options.Seconds;
                    var name = round == 0 ? "warm-up, not counted" : round.ToString(CultureInfo.InvariantCulture);
                    double raw;
                    try
                    {
                        raw = await pgbench.RunAsync(clients, seconds);
                    }
                    catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
                    {
                        Console.WriteLine($"FIGURES VOID: pgbench failed at {clients} clients, round {name}: {e.Message}");
                        return 1;
                    }
                    var service = await ServiceRound.RunAsync(clients, seconds, round, communes, p => officers[p], accepted);
                    if (round == 0) warmUps.Add(service);
                    else results.Add((clients, round, raw, service));
                    Console.WriteLine(FormattableString.Invariant(
                        $"| {clients} | {name} | {raw:N0} tx/s | {service.CommandsPerSecond:N0} commands/s | {service.Percentile(50):F1} ms | {service.Percentile(95):F1} ms | {service.Percentile(99):F1} ms | {service.NotAccepted} | {service.CommandsPerSecond / raw:P2} |"));
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("| clients | raw insert, median | service, median | median service ÷ raw | p99, median (worst) of rounds |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var byClients in results.GroupBy(r => r.Clients))
        {
            var raw = Median(byClients.Select(r => r.Raw));
            var service = Median(byClients.Select(r => r.Service.CommandsPerSecond));
            var ratio = Median(byClients.Select(r => r.Service.CommandsPerSecond / r.Raw));
            var p99 = byClients.Select(r => r.Service.Percentile(99)).ToList();
            Console.WriteLine(FormattableString.Invariant(
                $"| {byClients.Key} | {raw:N0} tx/s | {service:N0} commands/s | {ratio:P2} ({ratio:F3}) | {Median(p99):F1} ms ({p99.Max():F1} ms) |"));
        }
        var answers = results.Select(r => r.Service).Concat(warmUps).SelectMany(s => s.Statuses).GroupBy(s => s.Key).OrderBy(g => g.Key)
            .Select(g => $"{(g.Key == 0 ? "no answer" : g.Key.ToString(CultureInfo.InvariantCulture))} × {g.Sum(s => s.Value):N0}");
        Console.WriteLine();
        Console.WriteLine($"service answers over all rounds and warm-ups: {string.Join(", ", answers)}");

        List<string> faults = [.. await RunCheck.FindFaultsAsync(options, finance, accepted, results.Select(r => r.Service).Concat(warmUps))];
        if (durability.Fsync != "on" || durability.SynchronousCommit == "off")
            faults.Add($"the cluster runs with fsync {durability.Fsync}, synchronous_commit {durability.SynchronousCommit}: both must be on");
        if (faults.Count > 0)
        {
            Console.WriteLine($"FIGURES VOID: {string.Join("; ", faults)}");
            return 1;
        }
        Console.WriteLine("checks passed: the figures stand");
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
