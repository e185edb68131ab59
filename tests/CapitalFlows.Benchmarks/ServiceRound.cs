using System.Diagnostics;

/// <summary>
/// One timed round of the service: N clients each send drawdowns and repayments back to back for S seconds, over the
/// communes funded by <see cref="Setup"/>, as the branch officer of each commune's province.
/// </summary>
internal sealed record ServiceRound(IReadOnlyList<double> Latencies, IReadOnlyDictionary<int, int> Statuses, int AcceptedCount, double Seconds)
{
    /// <summary>Commands answered 2xx per second: what the service recorded, not what it refused.</summary>
    public double CommandsPerSecond => AcceptedCount / Seconds;

    public int NotAccepted => Latencies.Count - AcceptedCount;

    public double Percentile(double p) =>
        Latencies.Count == 0 ? double.NaN : Latencies[Math.Min(Latencies.Count - 1, (int)Math.Ceiling(p / 100 * Latencies.Count) - 1)];

    public static async Task<ServiceRound> RunAsync(
        int clients, int seconds, int round, IReadOnlyList<(string Commune, string Province)> communes, Func<string, HttpClient> officer, Accepted accepted)
    {
        var latencies = new List<double>[clients];
        var statuses = new Dictionary<int, int>[clients];
        var acceptedCounts = new int[clients];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async worker =>
        {
            latencies[worker] = [];
            statuses[worker] = [];
            var random = new Random(HashCode.Combine(clients, round, worker));
            var myLoans = new List<(Guid LoanId, string Province)>();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                var commandId = Guid.NewGuid();
                var started = Stopwatch.GetTimestamp();
                int status;
                if (myLoans.Count > 0 && random.Next(3) == 0)
                {
                    // A repayment of part of one of this client's loans, by the branch officer of the loan's province.
                    var (loan, province) = myLoans[random.Next(myLoans.Count)];
                    (status, _) = await Api.PostAsync(officer(province), $"/api/loans/{loan}/repayments", new { commandId, amountVnd = 1_000_000 });
                }
                else
                {
                    var (commune, province) = communes[random.Next(communes.Count)];
                    var loanId = Guid.NewGuid();
                    (status, _) = await Api.PostAsync(officer(province), "/api/loans", new
                    {
                        commandId, loanId, locality = commune, source = "central-budget", programme = "students",
                        amountVnd = 60_000_000, borrowerRef = $"HH-{clients}-{round}-{worker}-{myLoans.Count}", entrustedOrganisation = "womens-union", termMonths = 60,
                    });
                    if (status == 201) myLoans.Add((loanId, province));
                }
                latencies[worker].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                statuses[worker][status] = statuses[worker].GetValueOrDefault(status) + 1;
                if (status is >= 200 and <= 299)
                {
                    accepted.Add(commandId);
                    acceptedCounts[worker]++;
                }
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        return new ServiceRound(
            latencies.SelectMany(l => l).Order().ToList(),
            statuses.SelectMany(s => s).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Sum(s => s.Value)),
            acceptedCounts.Sum(),
            elapsed);
    }
}
