using System.Diagnostics;
using System.Globalization;
using System.Net;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The outside review's attack on the export (issue 14): slow analyst exports of a long log, many at once, on a
/// node with a small connection pool. Exports never hold a database connection while they wait on their client,
/// so commands, reads and readiness stay answered; and a node runs at most <c>Exports:MaxConcurrent</c> exports,
/// refusing more with 429. These tests drive the real service as a process over real sockets (the in-memory test
/// server does not push back on a writer whose client does not read), on a log of
/// <see cref="SeededLogFixture.Events"/> events: several megabytes an export, more than the socket buffers hold.
/// </summary>
public sealed class SlowExportTests(SeededLogFixture log) : IClassFixture<SeededLogFixture>
{
    private const int SlowExports = 32;
    private static readonly TimeSpan StallWait = TimeSpan.FromSeconds(90);

    /// <summary>Longer than Npgsql's 15 s wait for a pooled connection, so that a starved pool shows as failures.</summary>
    private static readonly TimeSpan Probing = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Thirty_two_slow_exports_on_a_pool_of_ten_leave_commands_reads_and_readiness_answered()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        stop.CancelAfter(TimeSpan.FromMinutes(4));
        await using var service = await ServiceProcess.StartAsync(
            log.ConnectionString + ";Maximum Pool Size=10",
            new Dictionary<string, string> { ["Exports:MaxConcurrent"] = (SlowExports + 8).ToString(CultureInfo.InvariantCulture) });
        var token = ServiceFixture.Token(Roles.Analyst);
        var exports = new List<SlowExportClient>();
        // One of each first, so that what is measured below is the exports' doing and not a cold start.
        await ProbeAsync(service, TimeSpan.Zero, stop.Token);
        try
        {
            for (var i = 0; i < SlowExports; i++)
                exports.Add(await SlowExportClient.StartAsync(service.Port, i % 2 == 0 ? "/api/events?format=csv" : "/api/events", token, stop.Token));
            // Let every export start and fill every buffer between the database and its client, until none reads the log.
            var stalledAfter = await UntilStalledAsync(service, stop.Token);

            var answers = await ProbeAsync(service, Probing, stop.Token);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{SlowExports} exports stalled after {stalledAfter.TotalSeconds:F1} s (bounded at {StallWait.TotalSeconds:F0} s); {answers.Count} answers in "
                + $"{Probing.TotalSeconds:F0} s; the clients read {exports.Sum(e => e.BytesRead)} bytes in all.");

            var failed = answers.Where(a => a.Status != 200).ToList();
            Assert.True(failed.Count == 0,
                $"{failed.Count} of {answers.Count} answers were not 200 while the exports were stalled: "
                + string.Join("; ", failed.Take(8).Select(a => $"{a.What} {a.Status}")) + Environment.NewLine + service.Output);
            var statuses = await Task.WhenAll(exports.Select(e => e.StatusLine));
            Assert.All(statuses, s => Assert.StartsWith("HTTP/1.1 200", s, StringComparison.Ordinal));
            // The exports were still waiting on their clients the whole time: none had been read to its end.
            Assert.All(exports, e => Assert.False(e.Ended, $"an export ended after {e.BytesRead} bytes"));
        }
        finally
        {
            foreach (var export in exports) await export.DisposeAsync();
        }
    }

    [Fact]
    public async Task With_the_default_limit_a_third_concurrent_export_is_429_with_retry_after_and_a_slot_frees_when_an_export_ends()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        stop.CancelAfter(TimeSpan.FromMinutes(2));
        await using var service = await ServiceProcess.StartAsync(log.ConnectionString);
        using var analyst = service.Client(Roles.Analyst);
        var token = ServiceFixture.Token(Roles.Analyst);
        var first = await SlowExportClient.StartAsync(service.Port, "/api/events?format=csv", token, stop.Token);
        try
        {
            await using var second = await SlowExportClient.StartAsync(service.Port, "/api/events", token, stop.Token);
            Assert.StartsWith("HTTP/1.1 200", await first.StatusLine, StringComparison.Ordinal);
            Assert.StartsWith("HTTP/1.1 200", await second.StatusLine, StringComparison.Ordinal);

            using var third = await analyst.GetAsync(new Uri("/api/events?limit=1", UriKind.Relative), stop.Token);

            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
            Assert.Contains("\"type\":\"/problems/too-many-exports\"", await third.Content.ReadAsStringAsync(stop.Token), StringComparison.Ordinal);
            Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {third.Headers.RetryAfter}");
            Assert.False(first.Ended || second.Ended, "an export ended before the third was refused");
        }
        finally
        {
            await first.DisposeAsync();
        }

        // The first client has gone: its slot is free again as soon as the service notices.
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            await Task.Delay(200, stop.Token);
            using var again = await analyst.GetAsync(new Uri("/api/events?limit=1", UriKind.Relative), stop.Token);
            status = again.StatusCode;
        }
        while (status == HttpStatusCode.TooManyRequests && clock.Elapsed < TimeSpan.FromSeconds(15));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    /// <summary>
    /// Waits until the exports are stalled (at most <see cref="StallWait"/>): for a few seconds in a row, no statement
    /// reading the log ran and the service was all but idle — every buffer to the clients is full and the exports wait
    /// on them. A service that keeps the log open while its clients read never gets there; the probes then find what
    /// that costs.
    /// </summary>
    private static async Task<TimeSpan> UntilStalledAsync(ServiceProcess service, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var quiet = 0;
        var used = service.ProcessorTime;
        while (quiet < 3 && clock.Elapsed < StallWait)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var before = used;
            used = service.ProcessorTime;
            var idle = used - before < TimeSpan.FromMilliseconds(150) && await service.Database.RunningStatementsAsync("mt_events e") == 0;
            quiet = idle ? quiet + 1 : 0;
        }
        return clock.Elapsed;
    }

    /// <summary>
    /// For <paramref name="duration"/> (at least once), a command, a read and a readiness check at once, again and
    /// again: what each answered (0 when no answer came).
    /// </summary>
    private static async Task<List<(string What, int Status)>> ProbeAsync(ServiceProcess service, TimeSpan duration, CancellationToken ct)
    {
        using var finance = service.Client(Roles.CentralFinance);
        using var analyst = service.Client(Roles.Analyst);
        using var anyone = service.Client();
        var answers = new List<(string What, int Status)>();
        var clock = Stopwatch.StartNew();
        do
        {
            var round = await Task.WhenAll(
                StatusAsync("entrustment", () => finance.EntrustCentralBudgetAsync(1_000_000)),
                StatusAsync("capital read", () => analyst.GetAnswerAsync("/api/localities/VN/capital")),
                StatusAsync("readiness", () => anyone.GetAnswerAsync("/health/ready")));
            answers.AddRange(round);
            await Task.Delay(500, ct);
        }
        while (clock.Elapsed < duration);
        return answers;
    }

    private static async Task<(string What, int Status)> StatusAsync(string what, Func<Task<Answer>> send)
    {
        try
        {
            return (what, (await send()).Status);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (what, 0);
        }
    }
}
