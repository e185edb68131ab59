using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Busy, not broken (API.md, Trust): a node with a small pool, its structure lock held as a merge holds it, and more
/// concurrent commands than the pool has connections. Every command is answered within its wait — 503 busy with
/// Retry-After, nothing appended — reads are served meanwhile, and none of it is a 500. And a node's reads beyond its
/// read slots and their queue (<c>Reads:MaxConcurrent</c>, <c>Reads:MaxQueued</c>) are answered busy at once.
/// </summary>
public sealed class BusyTests(ServiceFixture service) : IntegrationTest(service)
{
    private const int Pool = 12;

    /// <summary>Commands wait at most 2 s; Commands:MaxInFlight is left to its default, which the pool bounds.</summary>
    private static readonly Dictionary<string, string> ShortWaits = new() { ["Commands:LockTimeoutSeconds"] = "2" };

    /// <summary>The host's pool holds <see cref="Pool"/> connections, and a read waits 3 s for one.</summary>
    private static readonly string SmallPool = $";Maximum Pool Size={Pool};Timeout=3";

    [Fact]
    public async Task With_the_structure_lock_held_more_commands_than_the_pool_are_answered_busy_and_reads_are_served()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var node = await SecondHost.StartAsync(Service, ShortWaits, SmallPool);
        using var finance = node.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(1_000_000_000)).Expect(200);
        var eventsBefore = await node.EventCountAsync();
        var clients = Enumerable.Range(0, 4).Select(_ => node.Client(Roles.CentralFinance)).ToArray();
        using var analyst = node.Client(Roles.Analyst);

        List<Sent> commands, reads;
        bool answeredWhileHeld;
        await using (var merge = await FundLockHold.TakeAsync(node.Database, LocalityDirectory.StructureStream, ct))
        {
            var commandTasks = Enumerable.Range(0, 4 * Pool)
                .Select(i => SendAsync(clients[i % clients.Length], HttpMethod.Post, "/api/allocations", AllocationBody(i)))
                .ToList();
            // Reads throughout the wait, while every connection the commands may take is taken.
            var readTasks = Enumerable.Range(0, 24).Select(async i =>
            {
                await Task.Delay(150 * i, ct);
                return await SendAsync(analyst, HttpMethod.Get, i % 2 == 0 ? "/api/localities/VN/capital" : "/api/capital/summary");
            }).ToList();
            var all = Task.WhenAll(commandTasks.Concat(readTasks));
            answeredWhileHeld = await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(25), ct)) == all;
            await merge.ReleaseAsync();
            commands = [.. await Task.WhenAll(commandTasks)];
            reads = [.. await Task.WhenAll(readTasks)];
        }

        Assert.True(answeredWhileHeld, "commands or reads were still waiting 25 s into a held structure lock");
        Assert.All(reads, r => Assert.True(r.Status == 200, $"a read during the wait answered {r}"));
        Assert.All(commands, c => Assert.True(
            c is { Status: 503, ProblemType: "/problems/busy", RetryAfterSeconds: >= 1 },
            $"a command behind the held structure lock answered {c}"));
        Assert.Equal(eventsBefore, await node.EventCountAsync());
        // The lock gone, the node takes commands again.
        (await finance.AllocateAsync("VN", "01", 1_000_000)).Expect(200);
        Assert.Equal(eventsBefore + 2, await node.EventCountAsync());
    }

    [Fact]
    public async Task With_its_one_read_slot_taken_and_no_queue_a_node_answers_the_next_read_busy_at_once_and_exports_still_run()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var node = await SecondHost.StartAsync(Service, new Dictionary<string, string> { ["Reads:MaxConcurrent"] = "1", ["Reads:MaxQueued"] = "0" });
        using var finance = node.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(1_000_000_000)).Expect(200);
        using var analyst = node.Client(Roles.Analyst);
        Task<Sent> holding;
        Sent refused, export;
        await using (var connection = await node.Database.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            // The funds' table locked as a migration would lock it: a read of today's capital waits in the database, holding the slot.
            await using (var tableLock = new Npgsql.NpgsqlCommand("lock table capitalflows.mt_doc_fund in access exclusive mode", connection, transaction))
                await tableLock.ExecuteNonQueryAsync(ct);
            holding = SendAsync(analyst, HttpMethod.Get, "/api/localities/VN/capital");
            await WaitForWaitingReadAsync(node, connection.ProcessID, ct);

            // Bounded, so that a node that lets the read through to the locked table fails the test instead of hanging it.
            refused = await SendAsync(analyst, HttpMethod.Get, "/api/localities/01/capital").WaitAsync(TimeSpan.FromSeconds(10), ct);
            export = await SendAsync(analyst, HttpMethod.Get, "/api/events?limit=1").WaitAsync(TimeSpan.FromSeconds(10), ct);
            Assert.False(holding.IsCompleted, "the read holding the slot was answered while the table was locked");
            await transaction.RollbackAsync(ct);
        }

        Assert.True(refused is { Status: 503, ProblemType: "/problems/busy", RetryAfterSeconds: >= 1 }, $"the read beyond the slot answered {refused}");
        Assert.Contains("Reads:MaxQueued", refused.Body, StringComparison.Ordinal);
        Assert.True(export.Status == 200, $"an export, which takes no read slot, answered {export}");
        var held = await holding;
        Assert.True(held.Status == 200, $"the read that held the slot answered {held}");
        var after = await SendAsync(analyst, HttpMethod.Get, "/api/localities/01/capital");
        Assert.True(after.Status == 200, $"a read once the slot was free answered {after}");
    }

    /// <summary>Waits (at most 20 s) until a backend of the node waits behind the test's own connection <paramref name="blocker"/>.</summary>
    private static async Task WaitForWaitingReadAsync(SecondHost node, int blocker, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await using var command = node.Database.CreateCommand(
                "select count(*)::int from pg_stat_activity where pid <> $1 and $1 = any(pg_blocking_pids(pid))");
            command.Parameters.AddWithValue(blocker);
            if ((int)(await command.ExecuteScalarAsync(ct))! > 0) return;
            await Task.Delay(50, ct);
        }
        Assert.Fail("no read waited behind the locked table within 20 s");
    }

    private static string AllocationBody(int i) =>
        $$"""{"commandId":"{{Guid.NewGuid()}}","from":"VN","to":"{{(i % 2 == 0 ? "01" : "79")}}","source":"central-budget","programme":"general","amountVnd":1000}""";

    /// <summary>An answer with what the busy contract needs: status, problem type and Retry-After.</summary>
    private sealed record Sent(int Status, string? ProblemType, int? RetryAfterSeconds, string Body)
    {
        public override string ToString() => $"{Status} Retry-After {RetryAfterSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} {Body}";
    }

    private static async Task<Sent> SendAsync(HttpClient client, HttpMethod method, string url, string? json = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request);
        var answer = new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        var problemType = answer.Body.StartsWith('{') ? answer.ProblemType : null;
        return new Sent(answer.Status, problemType, (int?)response.Headers.RetryAfter?.Delta?.TotalSeconds, answer.Body);
    }
}
