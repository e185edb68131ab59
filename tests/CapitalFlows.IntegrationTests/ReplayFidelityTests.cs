using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CapitalFlows.Engine.Rebuilding;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Loans;
using CapitalFlows.Loans.ReadingCreditQuality;
using CapitalFlows.National.ReadingDailyCapital;
using CapitalFlows.Security;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine.Runtime.Agents;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Replay fidelity: every projected document is a function of the event log. After a seeded mixed workload, each
/// projection is rebuilt from the log (the inline ones with Marten's projection daemon, the asynchronous one through
/// Wolverine, which runs it) and every row must come back exactly as the live projections kept it; the reads built on
/// them answer as before. Then every table is rebuilt again by the engine's COPY rebuild (the <c>rebuild</c> command's
/// <see cref="ProjectionRebuild"/>), and every row must equal the live one in every column but <c>mt_last_modified</c>.
/// </summary>
public sealed class ReplayFidelityTests(ServiceFixture service) : IntegrationTest(service)
{
    private const int Seed = 20_261_127;
    private const int Steps = 260;
    private const string Schema = "capitalflows";

    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RebuildTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The tables of the five projections: three of Marten documents, and the fund movements' and loan quality movements' own tables.</summary>
    private static readonly (string Projection, string Table)[] Tables =
    [
        (nameof(Fund), "mt_doc_fund"),
        (nameof(Loan), "mt_doc_loan"),
        (nameof(FundMovement), FundMovementProjection.TableName),
        (nameof(LoanQualityMovementProjection), LoanQualityMovementProjection.TableName),
        (nameof(DailyCapital), "mt_doc_dailycapital"),
    ];

    [Fact]
    public async Task Rebuilding_every_projection_from_the_log_after_a_seeded_mixed_workload_gives_back_exactly_the_live_rows()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        using var workload = new ReplayWorkload(Service, Seed, Steps);
        await workload.RunAsync(ct);
        var workloadTime = clock.Elapsed;
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var (_, lastEvent) = await WaitForDailyCapitalAsync(database, ct);
        var events = await Service.EventCountAsync();
        Report($"Workload (seed {Seed}): {workload.Sent} commands ({workload.Accepted} accepted, {workload.Refused} refused as expected, "
            + $"{workload.BackDated} back-dated) in {workloadTime.TotalMilliseconds:F0} ms; {events} events, last sequence {lastEvent}. {workload.Tally}");

        var store = Service.Host.Services.GetRequiredService<IDocumentStore>();
        var live = await ProjectedAsync(store, database, ct);
        var liveWithMartenColumns = await ProjectedAsync(store, database, ct, withMartenColumns: true);
        var liveReads = await ReadsAsync(workload, ct);
        Assert.All(Tables, t => Assert.NotEmpty(live[$"{t.Table} rows"]));
        var check = JsonDocument.Parse(liveReads["/api/ledger/balance-check"]).RootElement;
        Assert.True(check.GetProperty("balanced").GetBoolean(), $"Not balanced before the rebuild: {check}");
        Assert.Equal(workload.HeldVnd, check.GetProperty("fundsVnd").GetInt64() + check.GetProperty("loansOutstandingVnd").GetInt64());

        var rebuildStartedAt = await TransactionIdAsync(database, ct);
        var timings = await RebuildEveryProjectionAsync(store, ct);
        var (projected, _) = await WaitForDailyCapitalAsync(database, ct);
        Report($"Rebuilt {events} events: {string.Join(", ", timings.Select(t => $"{t.Name} ({t.Lifecycle}) {t.Elapsed.TotalMilliseconds:F0} ms"))}; "
            + $"total {timings.Sum(t => t.Elapsed.TotalMilliseconds):F0} ms. DailyCapital progression {projected}.");

        var rebuilt = await ProjectedAsync(store, database, ct);
        var differences = new StringBuilder();
        foreach (var (name, rows) in live)
            differences.Append(Compare(name, rows, rebuilt[name]));
        foreach (var (projection, table) in Tables)
        {
            var stale = await ScalarAsync(database, $"select count(*) from {Schema}.{table} where xmin::text::bigint < $1", ct, rebuildStartedAt);
            if (stale > 0) differences.AppendLine(CultureInfo.InvariantCulture, $"{projection}: {stale} rows were not rewritten by the rebuild.");
        }
        // The locality index is no projection (a trigger on mt_events fills it): it must hold exactly what the log implies.
        var (extra, missing) = await LocalityHistoryIndexTests.DifferenceFromTheLogAsync(database);
        if (extra + missing > 0)
            differences.AppendLine(CultureInfo.InvariantCulture, $"Locality index: {extra} rows the log does not imply, {missing} rows it implies missing.");

        var rebuiltReads = await ReadsAsync(workload, ct);
        foreach (var (url, body) in liveReads)
        {
            if (rebuiltReads[url] != body)
                differences.AppendLine(CultureInfo.InvariantCulture, $"GET {url} changed:\n  live    {body}\n  rebuilt {rebuiltReads[url]}");
        }

        Assert.True(differences.Length == 0, differences.ToString());
        Assert.True(JsonDocument.Parse(rebuiltReads["/api/ledger/balance-check"]).RootElement.GetProperty("balanced").GetBoolean());

        var copyStartedAt = await TransactionIdAsync(database, ct);
        var copied = await new ProjectionRebuild(store, database).RunAsync(ct);
        Report($"Rebuilt by the engine's COPY rebuild: {string.Join(", ", copied.Tables.Select(t => $"{t.Table} {t.Rows} rows"))} from {copied.Events} events in {copied.Elapsed.TotalMilliseconds:F0} ms.");
        var copiedRows = await ProjectedAsync(store, database, ct, withMartenColumns: true);
        foreach (var (name, rows) in liveWithMartenColumns)
            differences.Append(Compare($"{name} (COPY rebuild)", rows, copiedRows[name]));
        foreach (var (projection, table) in Tables)
        {
            var stale = await ScalarAsync(database, $"select count(*) from {Schema}.{table} where xmin::text::bigint < $1", ct, copyStartedAt);
            if (stale > 0) differences.AppendLine(CultureInfo.InvariantCulture, $"{projection}: {stale} rows were not rewritten by the COPY rebuild.");
        }
        var copiedReads = await ReadsAsync(workload, ct);
        foreach (var (url, body) in liveReads)
        {
            if (copiedReads[url] != body)
                differences.AppendLine(CultureInfo.InvariantCulture, $"GET {url} changed after the COPY rebuild:\n  live    {body}\n  rebuilt {copiedReads[url]}");
        }

        Assert.True(differences.Length == 0, differences.ToString());
        await TheAsynchronousProjectionStillFollowsNewEventsAsync(database, ct);
        Report($"Whole test {clock.Elapsed.TotalMilliseconds:F0} ms.");
    }

    /// <summary>
    /// Rebuilds the inline projections with a projection daemon of Marten's own, and the asynchronous ones through
    /// Wolverine's agent family (Wolverine runs them as agents; a second Marten daemon would be a second writer).
    /// </summary>
    private async Task<List<(string Name, ProjectionLifecycle Lifecycle, TimeSpan Elapsed)>> RebuildEveryProjectionAsync(IDocumentStore store, CancellationToken ct)
    {
        var projections = ((DocumentStore)store).Options.Projections.All;
        Assert.True(projections.Count == Tables.Length && projections.All(p => p.Lifecycle is ProjectionLifecycle.Inline or ProjectionLifecycle.Async),
            "The store's projections changed: " + string.Join(", ", projections.Select(p => $"{p.Name} ({p.Lifecycle})"))
            + ". Rebuild and compare the documents of every projection here.");
        var timings = new List<(string, ProjectionLifecycle, TimeSpan)>();
        using (var daemon = await store.BuildProjectionDaemonAsync())
        {
            foreach (var projection in projections.Where(p => p.Lifecycle == ProjectionLifecycle.Inline))
            {
                var clock = Stopwatch.StartNew();
                await daemon.RebuildProjectionAsync(projection.Name, RebuildTimeout, ct);
                timings.Add((projection.Name, projection.Lifecycle, clock.Elapsed));
            }
        }

        var agents = Service.Host.Services.GetRequiredService<IEventSubscriptionAgentFamily>();
        foreach (var projection in projections.Where(p => p.Lifecycle == ProjectionLifecycle.Async))
        {
            var clock = Stopwatch.StartNew();
            foreach (var shard in projection.ShardNames())
                Assert.True(await agents.TryRebuildRegisteredProjectionAsync(shard.Identity, null, ct), $"Wolverine knows no projection shard {shard.Identity}");
            timings.Add((projection.Name, projection.Lifecycle, clock.Elapsed));
        }

        return timings;
    }

    /// <summary>
    /// Every row of the five projections: the documents as Marten loads them (serialised again), and every table as
    /// it holds its rows (the documents' JSON without Marten's own mt_ columns, and the typed columns of the movement tables).
    /// </summary>
    internal static async Task<Dictionary<string, List<(string Id, string Row)>>> ProjectedAsync(
        IDocumentStore store, NpgsqlDataSource database, CancellationToken ct, bool withMartenColumns = false)
    {
        // With Marten's columns: every column but the time of the write (mt_version, mt_dotnet_type and the duplicated locality included).
        var columns = withMartenColumns ? "c.key <> 'mt_last_modified'" : @"c.key not like 'mt\_%'";
        await using var session = store.QuerySession();
        var projected = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal)
        {
            ["Fund documents"] = Documents(await session.Query<Fund>().ToListAsync(ct), f => f.Id),
            ["Loan documents"] = Documents(await session.Query<Loan>().ToListAsync(ct), l => l.Id),
            ["DailyCapital documents"] = Documents(await session.Query<DailyCapital>().ToListAsync(ct), d => d.Id),
        };
        foreach (var (_, table) in Tables)
        {
            var rows = new List<(string, string)>();
            await using var command = database.CreateCommand($"""
                select t.id::text, (select jsonb_object_agg(c.key, c.value) from jsonb_each(to_jsonb(t)) c where {columns})::text
                from {Schema}.{table} t
                """);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add((reader.GetString(0), reader.GetString(1)));
            projected[$"{table} rows"] = rows;
        }

        return projected;
    }

    private static List<(string Id, string Row)> Documents<T>(IEnumerable<T> documents, Func<T, string> id) =>
        [.. documents.Select(d => (id(d), JsonSerializer.Serialize(d))).OrderBy(d => d.Item1, StringComparer.Ordinal)];

    /// <summary>What differs between the live and the rebuilt rows of one kind, or "" when they are the same.</summary>
    internal static string Compare(string name, List<(string Id, string Row)> live, List<(string Id, string Row)> rebuilt)
    {
        var before = live.ToDictionary(r => r.Id, r => r.Row, StringComparer.Ordinal);
        var after = rebuilt.ToDictionary(r => r.Id, r => r.Row, StringComparer.Ordinal);
        var missing = before.Keys.Where(id => !after.ContainsKey(id)).ToList();
        var extra = after.Keys.Where(id => !before.ContainsKey(id)).ToList();
        var changed = before.Keys.Where(id => after.TryGetValue(id, out var row) && row != before[id]).ToList();
        if (missing.Count + extra.Count + changed.Count == 0) return "";

        var text = new StringBuilder().AppendLine(CultureInfo.InvariantCulture,
            $"{name}: {live.Count} live, {rebuilt.Count} rebuilt; {missing.Count} missing after the rebuild, {extra.Count} new, {changed.Count} changed.");
        foreach (var id in missing.Take(3)) text.AppendLine(CultureInfo.InvariantCulture, $"  missing {id}: {before[id]}");
        foreach (var id in extra.Take(3)) text.AppendLine(CultureInfo.InvariantCulture, $"  new     {id}: {after[id]}");
        foreach (var id in changed.Take(5))
            text.AppendLine(CultureInfo.InvariantCulture, $"  changed {id}:\n    live    {before[id]}\n    rebuilt {after[id]}");
        return text.ToString();
    }

    /// <summary>The reads built on the projections, as central finance gets them: live, as of a past date, and as known at a past instant.</summary>
    private async Task<Dictionary<string, string>> ReadsAsync(ReplayWorkload workload, CancellationToken ct)
    {
        using var finance = Service.Client(Roles.CentralFinance);
        var asOf = workload.MidwayDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var knownAt = Uri.EscapeDataString(workload.Midway.ToString("O", CultureInfo.InvariantCulture));
        string[] urls =
        [
            "/api/ledger/balance-check",
            "/api/localities/VN/capital",
            $"/api/localities/VN/capital?asOf={asOf}",
            $"/api/localities/VN/capital?knownAt={knownAt}",
            "/api/localities/01/capital",
            "/api/localities/01/allocations",
            "/api/capital/summary",
            "/api/capital/daily",
            "/api/localities/01/plan",
            $"/api/localities/01/plan?asOf={asOf}&knownAt={knownAt}",
            "/api/capital/plans",
            "/api/localities/VN/credit-quality?by=child",
            $"/api/localities/VN/credit-quality?by=organisation&asOf={asOf}",
            $"/api/localities/01/credit-quality?asOf={asOf}&knownAt={knownAt}",
        ];
        var reads = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var url in urls)
        {
            ct.ThrowIfCancellationRequested();
            reads[url] = (await finance.GetAnswerAsync(url)).Expect(200).Body;
        }

        return reads;
    }

    /// <summary>After the rebuild the DailyCapital agent still runs: a new inflow reaches today's row.</summary>
    private async Task TheAsynchronousProjectionStillFollowsNewEventsAsync(NpgsqlDataSource database, CancellationToken ct)
    {
        using var finance = Service.Client(Roles.CentralFinance);
        var today = ServiceFixture.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        long TodaysInflows(JsonElement days) =>
            days.EnumerateArray().Where(d => d.GetProperty("date").GetString() == today).Sum(d => d.GetProperty("inflowsVnd").GetInt64());
        var before = TodaysInflows(await finance.ReadJsonAsync("/api/capital/daily"));

        (await finance.EntrustCentralBudgetAsync(7 * ReplayWorkload.Billion)).Expect(200);

        await WaitForDailyCapitalAsync(database, ct);
        Assert.Equal(before + (7 * ReplayWorkload.Billion), TodaysInflows(await finance.ReadJsonAsync("/api/capital/daily")));
    }

    /// <summary>
    /// Waits until the DailyCapital shard has projected the last event of the log: Marten's wait for non-stale data
    /// (which works under Wolverine-managed distribution in Solo mode), then the shard's row in mt_event_progression
    /// checked against the log's last sequence, each bounded by <see cref="CatchUpTimeout"/>.
    /// </summary>
    private async Task<(long Projected, long LastEvent)> WaitForDailyCapitalAsync(NpgsqlDataSource database, CancellationToken ct)
    {
        await Service.Host.WaitForNonStaleProjectionDataAsync(CatchUpTimeout);
        var inspector = new StoreInspector(database);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (projected, lastEvent) = await inspector.DailyCapitalProgressAsync(ct);
            if (projected >= lastEvent) return (projected, lastEvent);
            if (clock.Elapsed > CatchUpTimeout)
                Assert.Fail($"DailyCapital reached sequence {projected} of {lastEvent} within {CatchUpTimeout.TotalSeconds:F0} s.");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>
    /// A transaction id taken now, as the 32 bits a row's <c>xmin</c> holds: every row written after it has a greater
    /// <c>xmin</c> (unless the counter wraps around within the test), whichever table it is in, with or without
    /// Marten's <c>mt_last_modified</c>.
    /// </summary>
    private static async Task<long> TransactionIdAsync(NpgsqlDataSource database, CancellationToken ct)
    {
        await using var command = database.CreateCommand("select pg_current_xact_id()::text::bigint & 4294967295");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource database, string sql, CancellationToken ct, params object[] parameters)
    {
        await using var command = database.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.AddWithValue(parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static void Report(string message)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(message);
        TestContext.Current.SendDiagnosticMessage(message);
    }
}
