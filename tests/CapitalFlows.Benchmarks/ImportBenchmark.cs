using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CapitalFlows.Localities;
using CapitalFlows.Security;

/// <summary>
/// The <c>import</c> command's throughput: --rounds rounds, each importing a fresh file of --lines lines (capital in,
/// allocated to 40 communes of 4 provinces, then drawdowns and, from the 500th loan on, after each drawdown a repayment
/// of the loan drawn 500 loans earlier: later lines rely on earlier ones) with each wave size of --waves (a list: 256,64; 2 waves in
/// flight), then the baseline: a file of the same shape with --baseline-lines lines imported one line at a time
/// (<c>--wave 1 --in-flight 1</c>: each line decided and committed before the next is sent). Every run is the built
/// service (--service) as a new process against the --pg database; a figure counts only if every line was accepted.
/// </summary>
internal static partial class ImportBenchmark
{
    private static readonly string[] Provinces = ["01", "79", "48", "31"];

    public static async Task<int> RunAsync(Options options, string service, int lines, int baselineLines, IReadOnlyList<int> waves)
    {
        if (!File.Exists(service))
        {
            await Console.Error.WriteLineAsync($"--service {service} does not exist: build the service first (dotnet build -c Release)");
            return 2;
        }
        var (fsync, synchronousCommit) = await Database.DurabilityAsync(options.Pg);
        Console.WriteLine($"CapitalFlows import benchmark: {options.Rounds} rounds of {lines:N0} lines at waves {string.Join(", ", waves)}, " +
            $"then {baselineLines:N0} lines one at a time; --pg \"{options.Pg}\" (fsync {fsync}, synchronous_commit {synchronousCommit})");
        Console.WriteLine();
        Console.WriteLine("| round | run | lines | accepted | seconds | lines/s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var figures = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var localities = LocalityDirectory.LoadEmbedded();
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var (name, size, wave, inFlight) in waves.Select(w => ($"wave {w}", lines, w, 2)).Append(("one at a time", baselineLines, 1, 1)))
            {
                var file = Path.Combine(Path.GetTempPath(), $"import-bench-{Guid.NewGuid():N}.ndjson");
                await File.WriteAllLinesAsync(file, Lines(size, localities));
                try
                {
                    var (accepted, read, seconds, rate) = await ImportAsync(options, service, file, wave, inFlight);
                    Console.WriteLine(Invariant($"| {round} | {name} | {read:N0} | {accepted:N0} | {seconds:N1} | {rate:N0} |"));
                    if (accepted != read)
                    {
                        Console.WriteLine($"FIGURES VOID: {read - accepted} lines of the {name} run were not accepted");
                        return 1;
                    }
                    (figures.TryGetValue(name, out var list) ? list : figures[name] = []).Add(rate);
                }
                finally
                {
                    File.Delete(file);
                }
            }
        }
        Console.WriteLine();
        var baseline = Median(figures["one at a time"]);
        foreach (var (name, rates) in figures)
            Console.WriteLine(Invariant($"{name}: median {Median(rates):N0} lines/s ({Median(rates) / baseline:N1} × one at a time)"));
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task<(int Accepted, int Read, double Seconds, double Rate)> ImportAsync(Options options, string service, string file, int wave, int inFlight)
    {
        var start = new ProcessStartInfo(service, ["import", file, "--wave", wave.ToString(CultureInfo.InvariantCulture), "--in-flight", inFlight.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(service))!,
        };
        start.Environment["ConnectionStrings__CapitalFlows"] = EventStore.ToNpgsql(options.Pg);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var summary = Summary().Match(output);
        var accepted = Accepted().Match(output);
        if (process.ExitCode != 0 || !summary.Success || !accepted.Success)
            throw new InvalidOperationException($"import exited {process.ExitCode}:\n{output}\n{await error}");
        return (int.Parse(accepted.Groups[1].Value, CultureInfo.InvariantCulture),
            int.Parse(summary.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture),
            double.Parse(summary.Groups[2].Value, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture),
            double.Parse(summary.Groups[3].Value, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
    }

    /// <summary>About <paramref name="count"/> lines: 45 that bring capital to 40 communes, then drawdowns and the repayments of earlier loans.</summary>
    public static IEnumerable<string> Lines(int count, LocalityDirectory localities)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(7));
        var finance = new { sub = "bench-cf", name = "Bench Central", role = Roles.CentralFinance };
        var communes = Provinces.SelectMany(p => localities.ChildrenOn(p, today).Take(10).Select(c => (Province: p, Commune: c.Code))).ToList();
        object Officer(string province) => new { sub = $"bench-bo-{province}", name = $"Bench Officer {province}", role = Roles.BranchOfficer, locality = province };
        string Line(string route, object body, object user) => JsonSerializer.Serialize(new { route, body, user });

        yield return Line("/api/capital/central-entrustments",
            new { commandId = Guid.NewGuid(), amountVnd = 1_000_000_000_000_000L / 10, programme = "poor-households", decisionRef = "bench" }, finance);
        foreach (var province in Provinces)
            yield return Line("/api/allocations", new
            {
                commandId = Guid.NewGuid(), from = "VN", to = province, source = "central-budget", programme = "poor-households", amountVnd = 20_000_000_000_000L,
            }, finance);
        foreach (var (province, commune) in communes)
            yield return Line("/api/allocations", new
            {
                commandId = Guid.NewGuid(), from = province, to = commune, source = "central-budget", programme = "poor-households", amountVnd = 1_000_000_000_000L,
            }, Officer(province));

        const int Lag = 500;
        var loans = new List<(Guid Loan, string Province)>();
        for (var written = 45; written < count;)
        {
            var (province, commune) = communes[loans.Count % communes.Count];
            var loan = Guid.NewGuid();
            loans.Add((loan, province));
            yield return Line("/api/loans", new
            {
                commandId = Guid.NewGuid(), loanId = loan, locality = commune, source = "central-budget", programme = "poor-households",
                amountVnd = 30_000_000L, borrowerRef = $"HH-{loan.ToString()[..8]}", entrustedOrganisation = "womens-union", termMonths = 36,
            }, Officer(province));
            written++;
            if (loans.Count > Lag && written < count)
            {
                var (earlier, itsProvince) = loans[loans.Count - 1 - Lag];
                yield return Line($"/api/loans/{earlier}/repayments", new { commandId = Guid.NewGuid(), amountVnd = 10_000_000L }, Officer(itsProvince));
                written++;
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Imported .*: ([\d,]+) lines in ([\d.,]+) s, ([\d,]+) lines/s")]
    private static partial Regex Summary();

    [GeneratedRegex(@"^  accepted: (\d+)", RegexOptions.Multiline)]
    private static partial Regex Accepted();
}
