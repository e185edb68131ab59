using System.Diagnostics;
using System.Globalization;
using CapitalFlows.Engine;
using CapitalFlows.Engine.Rebuilding;
using CapitalFlows.Funds;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Group commit (issue 11): commands that arrive within the batch window share one transaction, are decided in
/// arrival order on the state the ones before them left, and are answered exactly as one at a time would be:
/// a refusal leaves no trace, a repeated command id gets the first answer, and a batch that fails is recorded again
/// command by command. The host's window is long (a second), so commands sent a moment apart share a batch.
/// </summary>
public sealed class GroupCommitTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long TenMillion = 10_000_000;
    private const string Commune = "00004";
    private const string OtherCommune = "00008";
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A batch window of <see cref="Window"/>, waited for whole (not only while other requests are on their way), and
    /// commands that wait <paramref name="lockTimeoutSeconds"/> for their locks.
    /// </summary>
    private static Dictionary<string, string> LongWindow(int lockTimeoutSeconds = 10) => new()
    {
        ["Commands:BatchWindowMilliseconds"] = Window.TotalMilliseconds.ToString(CultureInfo.InvariantCulture),
        ["Commands:BatchWindowWaitsForArrivals"] = "false",
        ["Commands:LockTimeoutSeconds"] = lockTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
    };
    private static readonly TimeSpan Apart = TimeSpan.FromMilliseconds(150);

    [Fact]
    public async Task Drawdowns_in_one_batch_each_see_the_one_before_so_only_those_the_fund_covers_are_lent_and_the_refused_one_leaves_no_trace()
    {
        await using var node = await SecondHost.StartAsync(Service, LongWindow());
        await FundCommunesAsync(node, 2 * TenMillion, Commune);
        var eventsBefore = await node.EventCountAsync();
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToArray();
        var clients = ids.Select(id => node.Client(Roles.BranchOfficer, "01", correlationId: $"corr-{id:N}")).ToArray();

        var answers = await InOrderAsync(ids.Select((id, i) => (Func<Task<Answer>>)(() =>
            clients[i].DrawDownAsync(Commune, CentralBudget, Students, TenMillion, commandId: id))).ToList());

        answers[0].Expect(201);
        answers[1].Expect(201);
        answers[2].ExpectProblem(409, InsufficientFunds);
        Assert.Equal(eventsBefore + 4, await node.EventCountAsync());
        Assert.Empty(await node.EventsOfAsync(ids[2].ToString()));
        var first = Assert.Single(await node.EventsOfAsync(ids[0].ToString()));
        var second = Assert.Single(await node.EventsOfAsync(ids[1].ToString()));
        Assert.Equal(first.Transaction, second.Transaction);
        // Each event names its own command and correlation id, though they share a transaction.
        Assert.Equal((ids[0].ToString(), $"corr-{ids[0]:N}"), (first.CommandId, first.CorrelationId));
        Assert.Equal((ids[1].ToString(), $"corr-{ids[1]:N}"), (second.CommandId, second.CorrelationId));
        var fund = await node.EventsOfAsync(new FundKey(Commune, CentralBudget, Students).StreamKey);
        Assert.Equal([ids[0].ToString(), ids[1].ToString()], fund.Where(e => e.Type == "capital_lent").Select(e => e.CommandId));
        foreach (var client in clients) client.Dispose();
    }

    [Fact]
    public async Task A_batch_chains_its_events_in_sequence_order_before_its_commit_and_the_chain_verifies()
    {
        await using var node = await SecondHost.StartAsync(Service, LongWindow());
        await FundCommunesAsync(node, 10 * TenMillion, Commune, OtherCommune);
        using var branch = node.Client(Roles.BranchOfficer, "01");

        var answers = await InOrderAsync(
        [
            () => branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion),
            () => branch.DrawDownAsync(OtherCommune, CentralBudget, Students, TenMillion),
            () => branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion),
        ]);

        Assert.All(answers, a => a.Expect(201));
        var batch = (await node.EventsOfAsync(new FundKey(Commune, CentralBudget, Students).StreamKey))
            .Concat(await node.EventsOfAsync(new FundKey(OtherCommune, CentralBudget, Students).StreamKey))
            .Where(e => e.Type == "capital_lent").ToList();
        Assert.Single(batch.Select(e => e.Transaction).Distinct());
        // The batch's six events hold six consecutive links, in the order of their sequence numbers.
        await using var links = node.Database.CreateCommand($"""
            select h.chain_position - min(h.chain_position) over (), row_number() over (order by e.seq_id) - 1
            from {StoreInspector.Schema}.mt_events e join {StoreInspector.Schema}.mt_event_hashes h on h.seq_id = e.seq_id
            where e.xmin::text = $1 order by e.seq_id
            """);
        links.Parameters.AddWithValue(batch[0].Transaction);
        await using (var reader = await links.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            var rows = 0;
            for (; await reader.ReadAsync(TestContext.Current.CancellationToken); rows++) Assert.Equal(reader.GetInt64(1), reader.GetInt64(0));
            Assert.Equal(6, rows);
        }
        using var analyst = node.Client(Roles.Analyst);
        var verification = (await analyst.GetAnswerAsync("/api/ledger/verify")).Expect(200).Json;
        Assert.True(verification.GetProperty("ok").GetBoolean(), verification.ToString());
    }

    [Fact]
    public async Task A_command_id_sent_twice_in_one_batch_is_recorded_once_and_the_second_gets_the_first_answer()
    {
        await using var node = await SecondHost.StartAsync(Service, LongWindow());
        await FundCommunesAsync(node, 10 * TenMillion, Commune);
        var eventsBefore = await node.EventCountAsync();
        using var branch = node.Client(Roles.BranchOfficer, "01");
        var id = Guid.NewGuid();
        var loanId = Guid.NewGuid();

        var answers = await InOrderAsync(
        [
            () => branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion, "HH-SAME", loanId: loanId, commandId: id),
            () => branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion, "HH-SAME", loanId: loanId, commandId: id),
            () => branch.DrawDownAsync(Commune, CentralBudget, Students, 2 * TenMillion, "HH-SAME", loanId: loanId, commandId: id),
        ]);

        answers[0].Expect(201);
        Assert.Equal(answers[0].Body, answers[1].Expect(201).Body);
        answers[2].ExpectProblem(409, "/problems/command-id-reused");
        Assert.Equal(eventsBefore + 2, await node.EventCountAsync());
    }

    [Fact]
    public async Task A_batch_that_cannot_get_its_locks_is_recorded_again_command_by_command_so_a_command_on_a_free_fund_goes_through()
    {
        var ct = TestContext.Current.CancellationToken;
        const int lockTimeoutSeconds = 3;
        // One place, so both commands are in one batch: with a place free the queue is shared out and they would not be.
        var settings = LongWindow(lockTimeoutSeconds);
        settings["Commands:BatchesInFlight"] = "1";
        await using var node = await SecondHost.StartAsync(Service, settings);
        await FundCommunesAsync(node, TenMillion, Commune, OtherCommune);
        using var branch = node.Client(Roles.BranchOfficer, "01");
        var eventsBefore = await node.EventCountAsync();

        Answer free;
        Task<Answer> held;
        TimeSpan freeTook;
        await using (var hold = await FundLockHold.TakeAsync(node.Database, new FundKey(Commune, CentralBudget, Students).StreamKey, ct))
        {
            var clock = Stopwatch.StartNew();
            held = branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion);
            await Task.Delay(Apart, ct);
            free = await branch.DrawDownAsync(OtherCommune, CentralBudget, Students, TenMillion);
            freeTook = clock.Elapsed;
            // The batch gave up on its locks; the command on the held fund now waits alone, and is served once the lock goes.
            Assert.False(held.IsCompleted, "the command on the held fund was answered while its lock was held");
            await hold.ReleaseAsync();
        }

        Assert.True(freeTook >= TimeSpan.FromSeconds(lockTimeoutSeconds - 0.5), $"the command on the free fund was answered after {freeTook}: it did not wait in the batch");
        free.Expect(201);
        (await held).Expect(201);
        Assert.Equal(eventsBefore + 4, await node.EventCountAsync());
    }

    [Fact]
    public async Task A_batch_writes_the_snapshots_movement_rows_and_locality_rows_that_the_log_implies_and_a_rebuild_writes_for_the_same_events()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var node = await SecondHost.StartAsync(Service, LongWindow());
        await FundCommunesAsync(node, 10 * TenMillion, Commune, OtherCommune);
        using var branch = node.Client(Roles.BranchOfficer, "01");
        var drawn = await InOrderAsync(
        [
            () => branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion),
            () => branch.DrawDownAsync(Commune, CentralBudget, Students, 2 * TenMillion),
            () => branch.DrawDownAsync(OtherCommune, CentralBudget, Students, 3 * TenMillion),
        ]);
        var loans = drawn.Select(a => a.LoanId()).ToArray();

        // A second batch: two repayments of one loan and one of another (the loans' and funds' second and third events in
        // one transaction), a write-off-free loan left alone, and a new drawdown from a fund a repayment pays into.
        var paid = await InOrderAsync(
        [
            () => branch.RepayAsync(loans[0], TenMillion / 4),
            () => branch.RepayAsync(loans[0], TenMillion / 4),
            () => branch.RepayAsync(loans[2], TenMillion),
            () => branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion),
        ]);
        foreach (var answer in paid[..3]) answer.Expect(200);
        paid[3].Expect(201);
        var repayments = await node.EventsOfAsync(loans[0]);
        Assert.Equal(3, repayments.Count);
        Assert.Equal(repayments[1].Transaction, repayments[2].Transaction);

        // The batches wrote the locality index's rows themselves (its trigger passed over their events): the rows the log implies.
        Assert.Equal((0, 0), await LocalityHistoryIndexTests.DifferenceFromTheLogAsync(node.Database));
        var live = await InlineRowsAsync(node.Database, ct);
        var store = node.Host.Services.GetRequiredService<IDocumentStore>();
        await new ProjectionRebuild(store, node.Database).RunAsync(ct);
        var rebuilt = await InlineRowsAsync(node.Database, ct);
        Assert.NotEmpty(live);
        Assert.Equal(live, rebuilt);
    }

    [Fact]
    public async Task A_repayment_of_a_loan_a_merge_moved_while_it_waited_for_its_batch_is_recorded_alone_into_the_successors_fund()
    {
        await using var node = await SecondHost.StartAsync(Service, LongWindow());
        await FundCommunesAsync(node, TenMillion, Commune);
        using var finance = node.Client(Roles.CentralFinance);
        using var branch = node.Client(Roles.BranchOfficer, "01");
        (await finance.EntrustCentralBudgetAsync(TenMillion, PoorHouseholds)).Expect(200);
        (await finance.AllocateAsync("VN", "04", TenMillion, CentralBudget, PoorHouseholds)).Expect(200);
        var loanId = (await finance.DrawDownAsync("04", CentralBudget, PoorHouseholds, TenMillion)).LoanId();

        // The repayment's endpoint reads the loan in 04 and its command waits for the batch window; the merge (never
        // batched) moves the loan to 08 meanwhile; a drawdown elsewhere shares the repayment's batch.
        var answers = await InOrderAsync(
        [
            () => finance.RepayAsync(loanId, TenMillion / 2),
            () => branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion),
            () => finance.MergeAsync(["04", "08"], "08", ServiceFixture.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        ]);

        answers[0].Expect(200);
        answers[1].Expect(201);
        answers[2].Expect(200);
        var received = Assert.Single(await node.EventsOfAsync(new FundKey("08", CentralBudget, PoorHouseholds).StreamKey), e => e.Type == "repayment_received");
        Assert.Equal(answers[0].CommandId().ToString(), received.CommandId);
        Assert.DoesNotContain(await node.EventsOfAsync(new FundKey("04", CentralBudget, PoorHouseholds).StreamKey), e => e.Type == "repayment_received");
        var drawdown = Assert.Single(await node.EventsOfAsync(answers[1].LoanId()));
        Assert.NotEqual(drawdown.Transaction, received.Transaction);
    }

    [Fact]
    public async Task Every_command_request_however_it_ends_stops_counting_as_on_its_way_so_the_window_never_waits_for_it()
    {
        await using var node = await SecondHost.StartAsync(Service, new Dictionary<string, string>());
        await FundCommunesAsync(node, TenMillion, Commune);
        using var branch = node.Client(Roles.BranchOfficer, "01");
        var arrivals = node.Host.Services.GetRequiredService<CommandArrivals>();

        (await branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion)).Expect(201);
        (await branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion)).ExpectProblem(409, InsufficientFunds);
        Assert.Equal(400, (await branch.PostJsonAsync("/api/loans", "{")).Status);

        // A request's count ends just after its answer has been written: give it a moment, never more than seconds.
        for (var i = 0; i < 100 && arrivals.Begun > 0; i++) await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Equal(0, arrivals.Begun);
    }

    [Fact]
    public async Task A_batch_on_the_states_the_batch_before_left_is_written_in_one_round_trip_and_answers_as_one_read_under_its_locks()
    {
        await using var node = await SecondHost.StartAsync(Service, LongWindow());
        await FundCommunesAsync(node, 5 * TenMillion, Commune);
        using var branch = node.Client(Roles.BranchOfficer, "01");
        var recorder = node.Host.Services.GetRequiredService<MovementRecorder>();
        Task<Answer[]> DrawTwiceAsync(long eachVnd) => InOrderAsync([.. Enumerable.Range(0, 2).Select(_ => (Func<Task<Answer>>)(() =>
            branch.DrawDownAsync(Commune, CentralBudget, Students, eachVnd)))]);

        // The first batch reads the fund under its locks (30 million left); the second is decided on the fund as the first left it.
        foreach (var answer in await DrawTwiceAsync(TenMillion)) answer.Expect(201);
        var before = recorder.KeptStateBatches;
        var eventsBefore = await node.EventCountAsync();
        var second = await DrawTwiceAsync(2 * TenMillion);

        second[0].Expect(201);
        second[1].ExpectProblem(409, InsufficientFunds);
        Assert.Equal(eventsBefore + 2, await node.EventCountAsync());
        // A refusal is never answered from a kept state: the batch ran again on what it read, and so wrote nothing on kept states.
        Assert.Equal(before, recorder.KeptStateBatches);
        var available = (await branch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own").FundAvailable(CentralBudget, Students);
        Assert.Equal(TenMillion, available);

        // Two drawdowns the fund covers, decided on the state the last batch left: one round trip.
        var third = await DrawTwiceAsync(TenMillion / 2);
        foreach (var answer in third) answer.Expect(201);
        Assert.Equal((before.Written + 1, before.Stale), recorder.KeptStateBatches);
        Assert.Equal(eventsBefore + 6, await node.EventCountAsync());
        available = (await branch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own").FundAvailable(CentralBudget, Students);
        Assert.Equal(0, available);
    }

    [Fact]
    public async Task A_lone_command_takes_the_batch_path_so_the_next_one_on_its_fund_is_written_on_the_state_it_left_and_a_lone_refusal_leaves_nothing()
    {
        await using var node = await SecondHost.StartAsync(Service, LongWindow());
        await FundCommunesAsync(node, 3 * TenMillion, Commune);
        using var branch = node.Client(Roles.BranchOfficer, "01");
        var recorder = node.Host.Services.GetRequiredService<MovementRecorder>();

        // One command at a time: each is a batch of one. The first leaves the fund's state on the node.
        (await branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion)).Expect(201);
        var before = recorder.KeptStateBatches;
        (await branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion)).Expect(201);
        Assert.Equal((before.Written + 1, before.Stale), recorder.KeptStateBatches);

        var eventsBefore = await node.EventCountAsync();
        (await branch.DrawDownAsync(Commune, CentralBudget, Students, 2 * TenMillion)).ExpectProblem(409, InsufficientFunds);
        Assert.Equal(eventsBefore, await node.EventCountAsync());
        var available = (await branch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own").FundAvailable(CentralBudget, Students);
        Assert.Equal(TenMillion, available);
    }

    [Fact]
    public async Task A_batch_that_starts_on_a_fund_while_the_batch_before_still_holds_it_reads_the_fund_under_its_locks_instead_of_deciding_on_a_stale_copy()
    {
        var ct = TestContext.Current.CancellationToken;
        // A short window, and a place given up after 100 ms: a batch waiting for its lock lets the next batch start.
        var settings = LongWindow();
        settings["Commands:BatchWindowMilliseconds"] = "100";
        settings["Commands:BatchPlaceMilliseconds"] = "100";
        await using var node = await SecondHost.StartAsync(Service, settings);
        await FundCommunesAsync(node, 3 * TenMillion, Commune);
        using var branch = node.Client(Roles.BranchOfficer, "01");
        var recorder = node.Host.Services.GetRequiredService<MovementRecorder>();
        (await branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion)).Expect(201);
        var before = recorder.KeptStateBatches;
        var eventsBefore = await node.EventCountAsync();

        Task<Answer> first, second;
        await using (var hold = await FundLockHold.TakeAsync(node.Database, new FundKey(Commune, CentralBudget, Students).StreamKey, ct))
        {
            // The first batch is decided on the fund as the drawdown above left it, and waits for the fund's lock.
            first = branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion);
            Assert.True(await hold.WaitForWaitingAsync(1, TimeSpan.FromSeconds(10), ct), "the first batch never waited for the fund's lock");
            // Its place is given up; the second batch on the same fund starts while the first has not committed.
            second = branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion);
            Assert.True(await hold.WaitForWaitingAsync(2, TimeSpan.FromSeconds(10), ct), "the second batch never waited for the fund's lock");
            await hold.ReleaseAsync();
        }

        (await first).Expect(201);
        (await second).Expect(201);
        Assert.Equal(eventsBefore + 4, await node.EventCountAsync());
        // The second batch found no copy of the fund the first was moving: it read the fund under its locks, and no
        // batch was decided on a state that had moved.
        Assert.Equal((before.Written + 1, before.Stale), recorder.KeptStateBatches);
        var available = (await branch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own").FundAvailable(CentralBudget, Students);
        Assert.Equal(0, available);
    }

    [Fact]
    public async Task A_batch_decided_on_a_kept_state_that_another_node_has_since_moved_is_decided_again_on_what_it_reads_so_no_fund_goes_below_zero()
    {
        await using var node = await SecondHost.StartAsync(Service, LongWindow());
        await FundCommunesAsync(node, 4 * TenMillion, Commune);
        using var branch = node.Client(Roles.BranchOfficer, "01");
        // Another node on the same database (the shared host has a database of its own).
        await using var other = await node.StartBesideAsync();
        using var otherNode = other.Client(Roles.BranchOfficer, "01");
        var recorder = node.Host.Services.GetRequiredService<MovementRecorder>();
        Task<Answer[]> DrawTwiceAsync() => InOrderAsync([.. Enumerable.Range(0, 2).Select(_ => (Func<Task<Answer>>)(() =>
            branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion)))]);
        foreach (var answer in await DrawTwiceAsync()) answer.Expect(201);

        // The node keeps the fund with 20 million left; another node lends all of it.
        (await otherNode.DrawDownAsync(Commune, CentralBudget, Students, 2 * TenMillion)).Expect(201);
        var before = recorder.KeptStateBatches;
        var eventsBefore = await node.EventCountAsync();
        var answers = await DrawTwiceAsync();

        // Decided on the kept state, both would be lent; the check under the locks found the fund moved.
        Assert.Equal((before.Written, before.Stale + 1), recorder.KeptStateBatches);
        answers[0].ExpectProblem(409, InsufficientFunds);
        answers[1].ExpectProblem(409, InsufficientFunds);
        Assert.Equal(eventsBefore, await node.EventCountAsync());
        var available = (await branch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own").FundAvailable(CentralBudget, Students);
        Assert.Equal(0, available);
    }

    [Fact]
    public async Task A_batch_decided_on_kept_states_after_another_node_closed_the_books_is_decided_again_and_refused_in_the_closed_period()
    {
        await using var node = await SecondHost.StartAsync(Service, LongWindow());
        using var branch = node.Client(Roles.BranchOfficer, "01");
        var recorder = node.Host.Services.GetRequiredService<MovementRecorder>();
        string DaysAgo(int days) => ServiceFixture.Today.AddDays(-days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using (var central = node.Client(Roles.CentralFinance))
        {
            (await central.EntrustCentralBudgetAsync(4 * TenMillion, Students, effectiveOn: DaysAgo(3))).Expect(200);
            (await central.AllocateAsync("VN", "01", 4 * TenMillion, CentralBudget, Students, effectiveOn: DaysAgo(3))).Expect(200);
            (await branch.AllocateAsync("01", Commune, 4 * TenMillion, CentralBudget, Students, effectiveOn: DaysAgo(3))).Expect(200);
        }
        Task<Answer[]> DrawTwiceAsync(int daysAgo) => InOrderAsync([.. Enumerable.Range(0, 2).Select(_ => (Func<Task<Answer>>)(() =>
            branch.DrawDownAsync(Commune, CentralBudget, Students, TenMillion, effectiveOn: DaysAgo(daysAgo))))]);
        foreach (var answer in await DrawTwiceAsync(2)) answer.Expect(201);

        // Another node on the same database closes the books through yesterday; no fund moves.
        await using var other = await node.StartBesideAsync();
        using var finance = other.Client(Roles.CentralFinance);
        (await finance.PostJsonAsync("/api/periods/close", new { commandId = Guid.NewGuid(), through = DaysAgo(1) })).Expect(200);
        var before = recorder.KeptStateBatches;
        var eventsBefore = await node.EventCountAsync();
        var answers = await DrawTwiceAsync(1);

        // The fund is where the node kept it, but the closed periods are not: the check under the locks sends the batch back.
        Assert.Equal((before.Written, before.Stale + 1), recorder.KeptStateBatches);
        answers[0].ExpectProblem(409, "/problems/period-closed");
        answers[1].ExpectProblem(409, "/problems/period-closed");
        Assert.Equal(eventsBefore, await node.EventCountAsync());
    }

    [Fact]
    public async Task A_repayment_let_in_on_the_loan_as_the_node_kept_it_is_refused_under_the_locks_when_another_nodes_merge_moved_it_out_of_scope()
    {
        await using var node = await SecondHost.StartAsync(Service, new Dictionary<string, string>());
        using var officer = node.Client(Roles.BranchOfficer, "04");
        using (var central = node.Client(Roles.CentralFinance))
        {
            (await central.EntrustCentralBudgetAsync(1_000, effectiveOn: "2025-10-01")).Expect(200);
            (await central.AllocateAsync("VN", "04", 500, toProgramme: PoorHouseholds, effectiveOn: "2025-10-02")).Expect(200);
        }
        // Cao Bằng's branch officer lends and is repaid once: the node keeps the loan as that batch left it, in 04.
        var loanId = (await officer.DrawDownAsync("04", CentralBudget, PoorHouseholds, 100, effectiveOn: "2025-10-05")).LoanId();
        (await officer.RepayAsync(loanId, 10, effectiveOn: "2025-10-06")).Expect(200);
        var recorder = node.Host.Services.GetRequiredService<MovementRecorder>();
        Assert.Equal("04", recorder.KeptLoan(loanId)?.Locality);

        // Another node merges Cao Bằng into Tuyên Quang: the loan moves to 08 behind this node's back.
        await using (var other = await node.StartBesideAsync())
        using (var finance = other.Client(Roles.CentralFinance))
            (await finance.MergeAsync(["04", "08"], "08", "2026-01-01")).Expect(200);
        var eventsBefore = await node.EventCountAsync();

        // The node's copy says 04, which the officer's token names and the endpoint lets in; the loan is in 08 now.
        var answers = await officer.RepayAndExtendAsync(loanId, "2026-01-02");

        Assert.All(answers, answer => answer.ExpectProblem(403, "/problems/forbidden"));
        Assert.Equal(eventsBefore, await node.EventCountAsync());
        using var reader = node.Client(Roles.CentralFinance);
        Assert.Equal(90, (await reader.ReadLoanAsync(loanId)).Vnd("outstandingVnd"));
    }

    /// <summary>Every row of the inline projections' tables, without the time of its write, in a fixed order.</summary>
    private static async Task<List<string>> InlineRowsAsync(NpgsqlDataSource database, CancellationToken ct)
    {
        var rows = new List<string>();
        foreach (var table in new[] { "mt_doc_fund", "mt_doc_loan", "mt_fund_movements", "mt_loan_quality_movements" })
        {
            await using var command = database.CreateCommand($"""
                select '{table} ' || (select jsonb_object_agg(c.key, c.value) from jsonb_each(to_jsonb(t)) c where c.key <> 'mt_last_modified')::text
                from capitalflows.{table} t order by 1
                """);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add(reader.GetString(0));
        }
        return rows;
    }

    /// <summary>Central capital allocated down to each commune's students fund, one command at a time.</summary>
    private static async Task FundCommunesAsync(SecondHost node, long eachVnd, params string[] communes)
    {
        using var finance = node.Client(Roles.CentralFinance);
        using var branch = node.Client(Roles.BranchOfficer, "01");
        (await finance.EntrustCentralBudgetAsync(eachVnd * communes.Length, Students)).Expect(200);
        (await finance.AllocateAsync("VN", "01", eachVnd * communes.Length, CentralBudget, Students)).Expect(200);
        foreach (var commune in communes)
            (await branch.AllocateAsync("01", commune, eachVnd, CentralBudget, Students)).Expect(200);
    }

    /// <summary>Sends the requests a moment apart, in order, all within one batch window, and waits for every answer.</summary>
    private static async Task<Answer[]> InOrderAsync(IReadOnlyList<Func<Task<Answer>>> requests)
    {
        var sent = new List<Task<Answer>>();
        foreach (var request in requests)
        {
            sent.Add(request());
            await Task.Delay(Apart, TestContext.Current.CancellationToken);
        }
        return await Task.WhenAll(sent);
    }
}
