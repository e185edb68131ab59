using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Faults between the client, the service and the database: a body cut off, a client that leaves before the
/// answer, database connections dropped in the middle of transactions, a transaction that fails at its last
/// write. A command is applied entirely or not at all, the log that clients read holds nothing else, and a
/// retry with the same command id gets the right answer, applied once. These tests drive the real service as
/// a process over real sockets (the in-memory test server has none); each test moves money of its own
/// programme, so the funds it checks are its own.
/// </summary>
public sealed class FaultTests(ServiceProcessFixture fixture) : IClassFixture<ServiceProcessFixture>
{
    private const string Allocations = "/api/allocations";
    private const long Million = 1_000_000;

    private ServiceProcess Process => fixture.Process;

    private LedgerDatabase Database => fixture.Process.Database;

    [Fact]
    public async Task A_request_cut_off_in_the_middle_of_its_body_appends_nothing_and_the_same_command_id_sent_whole_is_accepted_once()
    {
        const string programme = "students";
        using var finance = Process.Client(Roles.CentralFinance);
        var start = await Database.LastSequenceAsync();
        var seed = Guid.NewGuid();
        (await finance.EntrustCentralBudgetAsync(10 * Million, programme, seed)).Expect(200);
        var eventsBefore = await Database.EventCountAsync();
        var commandId = Guid.NewGuid();
        var body = Encoding.UTF8.GetBytes(AllocationBody(commandId, "01", programme, Million));

        using (var tcp = await Process.ConnectAsync())
        {
            var stream = tcp.GetStream();
            await stream.WriteAsync(Head(Allocations, contentLength: 500), TestContext.Current.CancellationToken);
            await stream.WriteAsync(body.AsMemory(0, 20), TestContext.Current.CancellationToken);
            await stream.FlushAsync(TestContext.Current.CancellationToken);
        }
        await Task.Delay(500, TestContext.Current.CancellationToken);

        Assert.Equal(eventsBefore, await Database.EventCountAsync());
        var accepted = (await finance.AllocateAsync("VN", "01", Million, CentralBudget, programme, commandId: commandId)).Expect(200);
        var again = (await finance.AllocateAsync("VN", "01", Million, CentralBudget, programme, commandId: commandId)).Expect(200);
        Assert.Equal(2, accepted.Json.GetProperty("events").GetInt32());
        Assert.Equal(accepted.ToString(), again.ToString());
        Assert.Equal(2, await Database.EventCountAsync(commandId));
        await AssertTheLogHoldsExactlyAsync(finance, start, new() { [seed] = 1, [commandId] = 2 });
    }

    [Fact]
    public async Task A_client_that_leaves_before_the_answer_gets_its_command_applied_entirely_or_not_at_all_and_a_retry_gets_it_applied_once()
    {
        const int commands = 12;
        const string programme = "job-creation";
        using var finance = Process.Client(Roles.CentralFinance);
        var start = await Database.LastSequenceAsync();
        var seed = Guid.NewGuid();
        (await finance.EntrustCentralBudgetAsync(commands * Million, programme, seed)).Expect(200);
        var commandIds = Enumerable.Range(0, commands).Select(_ => Guid.NewGuid()).ToList();

        for (var i = 0; i < commands; i++)
        {
            var body = Encoding.UTF8.GetBytes(AllocationBody(commandIds[i], "01", programme, Million));
            using var tcp = await Process.ConnectAsync();
            var stream = tcp.GetStream();
            await stream.WriteAsync(Head(Allocations, body.Length), TestContext.Current.CancellationToken);
            await stream.WriteAsync(body, TestContext.Current.CancellationToken);
            await stream.FlushAsync(TestContext.Current.CancellationToken);
            // Leave at once, a moment later, or with a reset instead of a goodbye.
            if (i % 3 == 1) await Task.Delay(i * 2, TestContext.Current.CancellationToken);
            if (i % 3 == 2) tcp.Client.LingerState = new LingerOption(enable: true, seconds: 0);
        }

        foreach (var commandId in commandIds)
        {
            var applied = await Database.EventCountAsync(commandId);
            Assert.True(applied is 0 or 2, $"command {commandId} left {applied} of its 2 events");
        }
        foreach (var commandId in commandIds)
        {
            var retry = (await finance.AllocateAsync("VN", "01", Million, CentralBudget, programme, commandId: commandId)).Expect(200);
            Assert.Equal(commandId, retry.Json.GetProperty("commandId").GetGuid());
            Assert.Equal(2, retry.Json.GetProperty("events").GetInt32());
            Assert.Equal(2, await Database.EventCountAsync(commandId));
        }
        Assert.Equal(0, (await finance.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own").FundAvailable(CentralBudget, programme));
        Assert.Equal(commands * Million, (await finance.ReadJsonAsync("/api/localities/01/capital")).GetProperty("own").FundAvailable(CentralBudget, programme));
        await AssertTheLogHoldsExactlyAsync(finance, start, commandIds.ToDictionary(id => id, _ => 2).Append(new(seed, 1)).ToDictionary());
    }

    [Fact]
    public async Task Database_connections_dropped_in_the_middle_of_a_burst_of_commands_leave_every_answered_command_once_and_nothing_half_written()
    {
        // Long enough that group commit (batches of up to 64) cannot answer the whole burst before the first drop.
        const int commands = 240;
        const string programme = "social-housing";
        string[] provinces = ["01", "79"];
        using var finance = Process.Client(Roles.CentralFinance);
        var start = await Database.LastSequenceAsync();
        var seed = Guid.NewGuid();
        (await finance.EntrustCentralBudgetAsync(commands * Million, programme, seed)).Expect(200);
        var burst = Enumerable.Range(0, commands).Select(i => (CommandId: Guid.NewGuid(), To: provinces[i % provinces.Length])).ToList();

        var (answers, terminated) = await SendWhileDroppingConnectionsAsync(burst, programme);

        Assert.True(terminated > 0, "no connection of the service was terminated: the burst was over too soon");
        var outcomes = burst.Zip(answers, (c, a) => (c.CommandId, c.To, Answer: a)).ToList();
        var unexpected = outcomes.Where(o => o.Answer.Status is not (200 or >= 500)).Select(o => o.Answer).ToList();
        Assert.True(unexpected.Count == 0, $"answers other than 200 or 5xx, e.g. {unexpected.FirstOrDefault()}");
        foreach (var (commandId, _, answer) in outcomes)
        {
            var applied = await Database.EventCountAsync(commandId);
            if (answer.Status == 200) Assert.True(applied == 2, $"accepted command {commandId} has {applied} events, not 2");
            else Assert.True(applied is 0 or 2, $"failed command {commandId} left {applied} of its 2 events");
        }

        foreach (var (commandId, to, _) in outcomes.Where(o => o.Answer.Status != 200))
        {
            var retry = await finance.AllocateAsync("VN", to, Million, CentralBudget, programme, commandId: commandId);
            Assert.True(retry.Status == 200, $"the retry of {commandId} answered {retry}{Environment.NewLine}{Process.Output}");
            Assert.Equal(2, retry.Json.GetProperty("events").GetInt32());
        }
        foreach (var (commandId, to, answer) in outcomes)
        {
            var again = (await finance.AllocateAsync("VN", to, Million, CentralBudget, programme, commandId: commandId)).Expect(200);
            if (answer.Status == 200) Assert.Equal(answer.Body, again.Body);
            Assert.Equal(2, await Database.EventCountAsync(commandId));
        }
        Assert.Equal(0, (await finance.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own").FundAvailable(CentralBudget, programme));
        foreach (var province in provinces)
        {
            var expected = burst.Count(c => c.To == province) * Million;
            var own = (await finance.ReadJsonAsync($"/api/localities/{province}/capital")).GetProperty("own");
            Assert.Equal(expected, own.FundAvailable(CentralBudget, programme));
        }
        var check = await finance.ReadJsonAsync("/api/ledger/balance-check");
        Assert.Equal(check.Vnd("receivedVnd"), check.Vnd("fundsVnd"));
        Assert.True(check.GetProperty("balanced").GetBoolean());
        await AssertTheLogHoldsExactlyAsync(finance, start, burst.ToDictionary(c => c.CommandId, _ => 2).Append(new(seed, 1)).ToDictionary());
    }

    [Fact]
    public async Task A_command_whose_transaction_fails_at_its_last_write_leaves_nothing_in_the_log_that_clients_read_and_its_retry_is_accepted_once()
    {
        const string programme = "clean-water-sanitation";
        using var finance = Process.Client(Roles.CentralFinance);
        var start = await Database.LastSequenceAsync();
        var seed = Guid.NewGuid();
        (await finance.EntrustCentralBudgetAsync(10 * Million, programme, seed)).Expect(200);
        var commandId = Guid.NewGuid();
        Answer failed;
        await Database.RefuseToRecordAsync(commandId);
        try
        {
            failed = await finance.AllocateAsync("VN", "01", Million, CentralBudget, programme, commandId: commandId);
        }
        finally
        {
            await Database.StopRefusingAsync();
        }

        Assert.True(failed.Status >= 500, $"expected a 5xx answer, got {failed}");
        Assert.Equal(0, await Database.EventCountAsync(commandId));
        await AssertTheLogHoldsExactlyAsync(finance, start, new() { [seed] = 1 });
        var accepted = (await finance.AllocateAsync("VN", "01", Million, CentralBudget, programme, commandId: commandId)).Expect(200);
        Assert.Equal(accepted.ToString(), (await finance.AllocateAsync("VN", "01", Million, CentralBudget, programme, commandId: commandId)).ToString());
        Assert.Equal(2, await Database.EventCountAsync(commandId));
        await AssertTheLogHoldsExactlyAsync(finance, start, new() { [seed] = 1, [commandId] = 2 });
    }

    /// <summary>
    /// Sends the allocations all at once and terminates the service's database connections when a quarter, half
    /// and three quarters of them have answered: the rest are then waiting for their locks, deciding or committing.
    /// </summary>
    private async Task<(Answer[] Answers, long Terminated)> SendWhileDroppingConnectionsAsync(List<(Guid CommandId, string To)> burst, string programme)
    {
        var clients = Enumerable.Range(0, 4).Select(_ => Process.Client(Roles.CentralFinance)).ToArray();
        try
        {
            var answered = 0;
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sending = burst.Select((c, i) => Task.Run(async () =>
            {
                await start.Task;
                var answer = await clients[i % clients.Length].AllocateAsync("VN", c.To, Million, CentralBudget, programme, commandId: c.CommandId);
                Interlocked.Increment(ref answered);
                return answer;
            })).ToArray();
            start.SetResult();
            var all = Task.WhenAll(sending);
            long terminated = 0;
            var clock = Stopwatch.StartNew();
            for (var quarter = 1; quarter <= 3 && !all.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(30);)
            {
                if (Volatile.Read(ref answered) >= quarter * burst.Count / 4)
                {
                    terminated += await Database.TerminateOtherConnectionsAsync();
                    quarter++;
                }
                else
                {
                    await Task.Delay(2);
                }
            }
            return (await all.WaitAsync(TimeSpan.FromSeconds(60)), terminated);
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    /// <summary>
    /// The log as clients read it (<c>GET /api/events</c>) after <paramref name="start"/> holds exactly the events
    /// of these commands: so many for each, and nothing else.
    /// </summary>
    private static async Task AssertTheLogHoldsExactlyAsync(HttpClient finance, long start, Dictionary<Guid, int> eventsByCommand)
    {
        var export = (await finance.GetAnswerAsync(string.Create(CultureInfo.InvariantCulture, $"/api/events?after={start}"))).Expect(200);
        var lines = export.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var strays = new List<string>();
        var counted = new Dictionary<Guid, int>();
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.TryGetProperty("commandId", out var id) && id.ValueKind == JsonValueKind.String
                && Guid.TryParse(id.GetString(), out var commandId) && eventsByCommand.ContainsKey(commandId))
                counted[commandId] = counted.GetValueOrDefault(commandId) + 1;
            else
                strays.Add(line);
        }
        Assert.True(strays.Count == 0, $"the log holds {strays.Count} lines of no command sent:{Environment.NewLine}{string.Join(Environment.NewLine, strays.Take(5))}");
        var wrong = eventsByCommand.Where(e => counted.GetValueOrDefault(e.Key) != e.Value).ToList();
        Assert.True(wrong.Count == 0, "commands with the wrong number of events in the log: "
            + string.Join(", ", wrong.Select(w => $"{w.Key}: {counted.GetValueOrDefault(w.Key)} instead of {w.Value}")));
    }

    private static string AllocationBody(Guid commandId, string to, string programme, long amountVnd) => string.Create(
        CultureInfo.InvariantCulture,
        $$"""{"commandId":"{{commandId}}","from":"VN","to":"{{to}}","source":"central-budget","programme":"{{programme}}","amountVnd":{{amountVnd}}}""");

    /// <summary>The request line and headers of a command, as a client writes them on the wire.</summary>
    private static byte[] Head(string path, int contentLength) => Encoding.ASCII.GetBytes(string.Create(
        CultureInfo.InvariantCulture,
        $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ServiceFixture.Token(Roles.CentralFinance)}\r\n"
        + $"Content-Type: application/json\r\nContent-Length: {contentLength}\r\n\r\n"));
}
