using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using Npgsql;
using static CapitalFlows.IntegrationTests.Infrastructure.MultiNodeWorkload;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The service as it runs in production: three nodes (separate processes, Wolverine in Balanced mode) on one
/// PostgreSQL database of their own, with clients going round-robin over them and retrying a request that got no
/// answer, with the same command id and body, on another node. One node is killed mid-workload (SIGKILL) and later
/// another is shut down gracefully (SIGTERM). The ledger must hold every accepted command exactly once, no fund may
/// ever go below zero, the books must balance, and the asynchronous DailyCapital projection must catch up on the
/// survivors.
/// </summary>
public sealed class MultiNodeTests(ITestOutputHelper output) : IAsyncDisposable
{
    private const int NodeCount = 3;
    private const int Workers = 6;
    private const int CommandsHeldInFlight = 3;
    private const string LeaderAgent = "wolverine://leader/";
    private static readonly TimeSpan WorkloadDuration = TimeSpan.FromSeconds(12);
    private static readonly TimeSpan CrashAfter = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WorkAfterCrash = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(30);

    /// <summary>API.md, "Trust": a dead node's projections resume on a survivor, caught up, within 15 s of its death.</summary>
    private static readonly TimeSpan FailoverLimit = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan GracefulExitLimit = TimeSpan.FromSeconds(10);

    /// <summary>A cold node's first command compiles its route (Wolverine's dynamic code generation): give it time.</summary>
    private static readonly TimeSpan SeedAttemptTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] AllowedRefusals = ["/problems/insufficient-funds", "/problems/over-repayment", "/problems/effective-date-too-early"];

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<ServiceNode> _nodes = [];
    private readonly List<string> _timeline = [];
    private readonly string _logDirectory = Path.Combine(Path.GetTempPath(), "capitalflows-multinode-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _financeToken = ServiceFixture.Token(Roles.CentralFinance);
    private PostgresCluster? _cluster;
    private NpgsqlDataSource? _database;
    private MultiNodeWorkload? _workload;
    private long _workloadEndTicks;
    private TimeSpan _killedAt;
    private bool _passed;

    [Fact]
    public async Task Three_nodes_apply_every_accepted_command_exactly_once_through_a_crash_and_a_graceful_shutdown()
    {
        using var stopClients = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var ct = stopClients.Token;
        try
        {
            var workload = _workload = WithDevelopmentTokens();
            var router = new NodeRouter();
            await StartAndSeedAsync(workload, router, ct);
            var store = new StoreInspector(_database!);
            await WaitForAgentsPlacedAsync(store, ct);

            // The mixed workload at all three nodes, with one node killed in the middle of it.
            var seed = Environment.TickCount;
            Note($"workload starts ({Workers} clients, random seed {seed})");
            var plannedEnd = _clock.Elapsed + WorkloadDuration;
            Interlocked.Exchange(ref _workloadEndTicks, long.MaxValue);
            var workers = Enumerable.Range(0, Workers)
                .Select(i => RunClientAsync(workload, router, new Random(seed + i), ct))
                .ToArray();
            await Task.Delay(CrashAfter, ct);
            var (victim, wasLeader) = ChooseNodeToCrash(await store.AgentAssignmentsAsync(ct));
            var heldAtCrash = await CrashWithCommandsInFlightAsync(victim, workload, router, store, ct);
            // The clients go on against the survivors for a while, however late the crash came.
            var end = _clock.Elapsed + WorkAfterCrash;
            Interlocked.Exchange(ref _workloadEndTicks, (end > plannedEnd ? end : plannedEnd).Ticks);
            var newLeader = WaitForLeaderAmongAsync(store, router.InRotation, ct);
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(90), ct);
            Note("workload ends");

            AssertEveryCommandAnsweredWithoutServerErrors(workload.Sent);
            Assert.All(heldAtCrash, c => Assert.True(
                c.UnansweredAttempts >= 1 && c.Accepted,
                $"A command in flight at the killed node must get no answer there and be accepted on a retry: {c}"));
            var leader = await newLeader;
            Note($"leader after the crash: {leader} (the killed node {(wasLeader ? "was" : "was not")} the leader)");

            var survivors = router.InRotation;
            var failover = await AssertDailyCapitalCatchesUpAsync(survivors, store, "after the crash", _killedAt, FailoverLimit, ct);
            output.WriteLine($"Failover: DailyCapital caught up on the survivors {failover.TotalSeconds:F1} s after the SIGKILL (limit {FailoverLimit.TotalSeconds:F0} s).");

            // Graceful shutdown of a second node while commands are in flight there.
            var last = await ShutDownGracefullyWithCommandsInFlightAsync(survivors, workload, router, store, ct);

            // A little more work on the last node, the one that runs the projection; then the books.
            var loan = workload.DrawDown(HeldCommune, 7 * Million, "after");
            await SendAcceptedAsync(router, loan, last, ct);
            await SendAcceptedAsync(router, workload.Repay(loan.LoanId!.Value, 2 * Million, "after"), last, ct);
            await AssertRetriesOnAnotherNodeGetTheFirstAnswerAsync(workload.Sent, last, ct);
            await AssertLedgerAsync(workload, store, last, ct);
            await AssertDailyCapitalCatchesUpAsync([last], store, "after the graceful shutdown", _clock.Elapsed, CatchUpLimit, ct);

            Note("done");
            output.WriteLine(Summary(workload.Sent));
            _passed = true;
        }
        catch (Exception) when (WriteDiagnostics())
        {
            throw;
        }
        finally
        {
            // Clients still running after a failure stop here, not in some later test.
            Interlocked.Exchange(ref _workloadEndTicks, 0);
            await stopClients.CancelAsync();
        }
    }

    /// <summary>
    /// Starts PostgreSQL and the three nodes, and seeds as soon as nodes are ready: node1 records the central
    /// entrustment and the allocations VN → provinces; then each node serves one province's allocations to its
    /// communes, a loan, a repayment and a recall (funds of its own province only, so the nodes do not queue on each
    /// other's locks), which also compiles every route on every node before the clock runs.
    /// </summary>
    private async Task StartAndSeedAsync(MultiNodeWorkload workload, NodeRouter router, CancellationToken ct)
    {
        _cluster = await PostgresCluster.StartAsync();
        var database = $"capitalflows_multinode_{Guid.NewGuid():N}"[..30];
        await _cluster.CreateDatabaseAsync(database);
        var connectionString = _cluster.ConnectionStringFor(database);
        _database = NpgsqlDataSource.Create(connectionString + ";Maximum Pool Size=10");
        Note("PostgreSQL started");

        // The test project references the service, so CapitalFlows.dll sits beside the test assembly (Debug or Release).
        var serviceDll = typeof(Program).Assembly.Location;
        var provinces = Communes.Keys.ToArray();
        var funded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // node1 creates the schema in the empty database; the others start once it is there, as replicas do after
        // db-apply (three nodes racing to create it on a busy machine can wait out Weasel's migration lock).
        var schemaApplied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await Task.WhenAll(Enumerable.Range(0, NodeCount).Select(async i =>
        {
            if (i > 0) await schemaApplied.Task.WaitAsync(TimeSpan.FromSeconds(90), ct);
            ServiceNode node;
            try
            {
                node = await ServiceNode.StartAsync(
                    $"node{i + 1}", serviceDll, connectionString + ";Maximum Pool Size=60", _logDirectory, ct);
                lock (_nodes) _nodes.Add(node);
                await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(60), ct);
                Note($"{node} ready");
                if (i == 0) schemaApplied.SetResult();
                router.PutInRotation(node);
                if (i == 0)
                {
                    await SendAcceptedAsync(router, workload.Entrust(10_000 * Billion, "seed"), node, ct);
                    foreach (var province in provinces)
                        await SendAcceptedAsync(router, workload.Allocate(Nation, province, 100 * Billion, "seed"), node, ct);
                    funded.SetResult();
                }
                else
                {
                    await funded.Task.WaitAsync(TimeSpan.FromSeconds(90), ct);
                }
            }
            catch (Exception e)
            {
                schemaApplied.TrySetException(e);
                funded.TrySetException(e);
                throw;
            }

            await WarmUpAsync(node, provinces[i % provinces.Length]);
        }));
        _nodes.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        Note("seeded and warmed up");

        async Task WarmUpAsync(ServiceNode node, string province)
        {
            foreach (var commune in Communes[province])
                await SendAcceptedAsync(router, workload.Allocate(province, commune, Billion, "seed"), node, ct);
            if (province == HeldProvince)
                await SendAcceptedAsync(router, workload.Allocate(province, HeldCommune, Billion, "seed"), node, ct);
            var loan = workload.DrawDown(Communes[province][0], 10 * Million, "seed");
            await SendAcceptedAsync(router, loan, node, ct);
            workload.Observe(loan);
            var repayment = workload.Repay(loan.LoanId!.Value, Million, "seed");
            await SendAcceptedAsync(router, repayment, node, ct);
            workload.Observe(repayment);
            await SendAcceptedAsync(router, workload.Recall(Communes[province][1], province, 100 * Million, "seed"), node, ct);
            foreach (var read in new[] { "/api/capital/daily", "/api/ledger/balance-check" })
            {
                var (answer, failure) = await node.TryGetAsync(read, _financeToken, SeedAttemptTimeout, ct);
                Assert.True(answer?.Status == 200, $"GET {read} at {node}: {answer?.ToString() ?? failure}");
            }
        }
    }

    private static async Task SendAcceptedAsync(NodeRouter router, SentCommand command, ServiceNode node, CancellationToken ct)
    {
        await router.SendAsync(command, ct, node, SeedAttemptTimeout);
        Assert.True(command.Accepted, $"Expected {command.Kind} to be accepted: {command}");
    }

    private async Task RunClientAsync(MultiNodeWorkload workload, NodeRouter router, Random random, CancellationToken ct)
    {
        // Each client works on its own thread-pool task; the random generator is its own.
        await Task.Yield();
        while (_clock.Elapsed.Ticks < Interlocked.Read(ref _workloadEndTicks))
        {
            var command = workload.Next(random);
            await router.SendAsync(command, ct);
            workload.Observe(command);
        }
    }

    /// <summary>
    /// Waits until Wolverine has elected a leader and placed the DailyCapital agent (about 15–20 s after the nodes
    /// start), and every node's Wolverine id is known from its log, so that the crash can be aimed.
    /// </summary>
    private async Task WaitForAgentsPlacedAsync(StoreInspector store, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var assignments = await store.AgentAssignmentsAsync(ct);
            if (assignments.Keys.Any(IsDailyCapitalAgent) && assignments.ContainsKey(LeaderAgent) && _nodes.All(n => n.WolverineNodeId is not null))
            {
                Note($"agents placed: {Describe(assignments)}");
                return;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(60))
                Assert.Fail($"Wolverine had not elected a leader and placed the DailyCapital agent within 60 s, or a node's id is not in its log. Agents: {Describe(assignments)}; nodes: {string.Join(", ", _nodes.Select(n => $"{n.Name}={n.WolverineNodeId}"))}");
            await Task.Delay(250, ct);
        }
    }

    /// <summary>
    /// The node to kill: the one running the DailyCapital projection agent, the hardest case — the projection must
    /// move to a survivor (the nodes run with the service's own failure detection, ServiceSetup) and catch up within 15 s of the SIGKILL.
    /// </summary>
    private (ServiceNode Node, bool WasLeader) ChooseNodeToCrash(Dictionary<string, Guid> assignments)
    {
        Note($"agents: {Describe(assignments)}");
        var agentNode = assignments.Single(a => IsDailyCapitalAgent(a.Key)).Value;
        var victim = _nodes.Single(n => n.WolverineNodeId == agentNode);
        var leaderId = assignments.GetValueOrDefault(LeaderAgent);
        return (victim, victim.WolverineNodeId == leaderId);
    }

    private static bool IsDailyCapitalAgent(string agentUri) =>
        agentUri.StartsWith("event-subscriptions://", StringComparison.Ordinal) && agentUri.Contains("/dailycapital/", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Holds the lock of a fund that only these commands touch, sends a few drawdowns from it to the victim, waits until
    /// they provably wait inside the victim, then kills it (SIGKILL) and lets go of the lock. Their retries (same id and
    /// body) go to the survivors.
    /// </summary>
    private async Task<List<SentCommand>> CrashWithCommandsInFlightAsync(
        ServiceNode victim, MultiNodeWorkload workload, NodeRouter router, StoreInspector store, CancellationToken ct)
    {
        var held = Enumerable.Range(0, CommandsHeldInFlight).Select(_ => workload.DrawDown(HeldCommune, 10 * Million, "crash")).ToList();
        Task sending;
        await using (var hold = await store.HoldFundLockAsync(FundOf(HeldCommune), ct))
        {
            sending = Task.WhenAll(held.Select(c => router.SendAsync(c, ct, victim)));
            // Group commit may take the commands of one fund into one transaction, so one waiting transaction proves the
            // node has commands in flight at the kill; any not yet in it are answered by the survivors like the rest.
            Assert.True(
                await hold.WaitForWaitingAsync(1, TimeSpan.FromSeconds(20), ct),
                $"The commands sent to {victim} should wait on the held fund lock; {await hold.WaitingAsync(ct)} transactions do.");
            await victim.KillAsync();
            _killedAt = _clock.Elapsed;
            router.TakeOutOfRotation(victim);
            Note($"SIGKILL {victim}, with {held.Count} commands provably in flight there");
            await hold.ReleaseAsync();
        }

        await sending.WaitAsync(TimeSpan.FromSeconds(90), ct);
        Note("commands in flight at the crash answered by the survivors");
        return held;
    }

    /// <summary>The leader, once a node still in rotation holds leadership; the test fails if none does within 30 s.</summary>
    private async Task<ServiceNode> WaitForLeaderAmongAsync(StoreInspector store, IReadOnlyList<ServiceNode> candidates, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var assignments = await store.AgentAssignmentsAsync(ct);
            if (assignments.TryGetValue(LeaderAgent, out var leaderId) && candidates.FirstOrDefault(n => n.WolverineNodeId == leaderId) is { } leader)
            {
                Note($"{leader.Name} leads, {clock.Elapsed.TotalSeconds:F1} s after the crash");
                return leader;
            }

            if (clock.Elapsed > CatchUpLimit)
                Assert.Fail($"No surviving node took the lead within {CatchUpLimit.TotalSeconds:F0} s of the crash. Agents: {Describe(assignments)}");
            await Task.Delay(250, ct);
        }
    }

    /// <summary>
    /// SIGTERM to the survivor that does not run the DailyCapital agent, while commands wait inside it: it must stop
    /// taking new connections, answer every command it had taken, and exit with code 0 within 10 s. Returns the last
    /// node. (Stopping the agent's node instead hands the agent to the leader's choice of live node, and for 60 s after
    /// the crash Wolverine still counts the killed node as live.)
    /// </summary>
    private async Task<ServiceNode> ShutDownGracefullyWithCommandsInFlightAsync(
        IReadOnlyList<ServiceNode> survivors, MultiNodeWorkload workload, NodeRouter router, StoreInspector store, CancellationToken ct)
    {
        var assignments = await store.AgentAssignmentsAsync(ct);
        var busy = assignments.Where(a => a.Key != LeaderAgent).Select(a => a.Value).ToHashSet();
        var stopping = survivors.FirstOrDefault(n => !busy.Contains(n.WolverineNodeId!.Value)) ?? survivors[0];
        var last = survivors.Single(n => n != stopping);
        Note($"agents before SIGTERM: {Describe(assignments)}");

        var held = Enumerable.Range(0, CommandsHeldInFlight + 1).Select(_ => workload.DrawDown(HeldCommune, 10 * Million, "shutdown")).ToList();
        Task sending;
        bool refusedNewConnections;
        TimeSpan sigterm;
        await using (var hold = await store.HoldFundLockAsync(FundOf(HeldCommune), ct))
        {
            sending = Task.WhenAll(held.Select(c => NodeRouter.SendOnceAsync(c, stopping, ct)));
            // As at the crash: group commit may take the commands of one fund into one transaction, so one waiting
            // transaction proves the node has commands in flight at the SIGTERM; each must still be answered below.
            Assert.True(
                await hold.WaitForWaitingAsync(1, TimeSpan.FromSeconds(20), ct),
                $"The commands sent to {stopping} should wait on the held fund lock; {await hold.WaitingAsync(ct)} transactions do.");
            sigterm = _clock.Elapsed;
            await stopping.TerminateAsync();
            Note($"SIGTERM {stopping}, with {held.Count} commands provably in flight there");
            refusedNewConnections = await stopping.WaitUntilRefusingConnectionsAsync(TimeSpan.FromSeconds(5), ct);
            Note(refusedNewConnections ? $"{stopping.Name} refuses new connections" : $"{stopping.Name} still takes new connections 5 s after SIGTERM");
            await hold.ReleaseAsync();
        }

        await sending.WaitAsync(TimeSpan.FromSeconds(30), ct);
        var exited = await stopping.WaitForExitAsync(GracefulExitLimit - (_clock.Elapsed - sigterm));
        var exitedAfter = _clock.Elapsed - sigterm;
        router.TakeOutOfRotation(stopping);
        Note(exited ? $"{stopping.Name} exited with code {stopping.ExitCode}, {exitedAfter.TotalSeconds:F1} s after SIGTERM" : $"{stopping.Name} still runs {exitedAfter.TotalSeconds:F1} s after SIGTERM");

        Assert.All(held, c => Assert.True(
            c.Answer is { Status: 201 or 409 } && c.UnansweredAttempts == 0,
            $"A command the stopping node had taken must get its answer from that node: {c}"));
        Assert.True(refusedNewConnections, $"{stopping} should stop taking new connections once it got SIGTERM.");
        Assert.True(exited, $"{stopping} should exit within {GracefulExitLimit.TotalSeconds:F0} s of SIGTERM; still running after {exitedAfter.TotalSeconds:F1} s.");
        Assert.Equal(0, stopping.ExitCode);
        return last;
    }

    /// <summary>
    /// Accepted commands sent again, same id and body, to a node other than the one that answered them get the first
    /// answer (same status, same bytes); the same id with another body is 409 command-id-reused. The ledger audit that
    /// follows proves that none of it appended anything.
    /// </summary>
    private static async Task AssertRetriesOnAnotherNodeGetTheFirstAnswerAsync(IReadOnlyList<SentCommand> sent, ServiceNode node, CancellationToken ct)
    {
        var sample = sent
            .Where(c => c.Accepted && c.Phase == "workload" && c.AnsweredBy != node.Name)
            .GroupBy(c => c.Kind)
            .SelectMany(g => g.Take(4))
            .ToList();
        Assert.NotEmpty(sample);
        foreach (var command in sample)
        {
            var (answer, failure) = await node.TryPostAsync(command.Route, command.Token, command.Body, NodeRouter.AttemptTimeout, ct);
            Assert.True(
                answer is not null && answer.Status == command.Answer!.Status && answer.Body == command.Answer.Body,
                $"A retry at {node.Name} should get the first answer of {command}; it got {answer?.ToString() ?? failure}");
        }

        var reused = JsonNode.Parse(sample[0].Body)!;
        reused["amountVnd"] = sample[0].AmountVnd + 1;
        var (refusal, why) = await node.TryPostAsync(sample[0].Route, sample[0].Token, reused.ToJsonString(), NodeRouter.AttemptTimeout, ct);
        Assert.True(
            refusal is { Status: 409, ProblemType: "/problems/command-id-reused" },
            $"The id of {sample[0]} with another amount should be refused; got {refusal?.ToString() ?? why}");
    }

    private static void AssertEveryCommandAnsweredWithoutServerErrors(IReadOnlyList<SentCommand> sent)
    {
        Assert.Equal(sent.Count, sent.Select(c => c.Id).Distinct().Count());
        var unanswered = sent.Where(c => c.Answer is null).ToList();
        Assert.True(unanswered.Count == 0, $"{unanswered.Count} commands never got an answer: {string.Join(Environment.NewLine, unanswered.Take(5))}");
        var unexpected = sent
            .Where(c => !c.Accepted && !(c.Answer!.Status == 409 && AllowedRefusals.Contains(c.Answer.ProblemType)))
            .ToList();
        Assert.True(
            unexpected.Count == 0,
            $"{unexpected.Count} commands got an answer other than 2xx or an expected 409 ({unexpected.Count(c => c.Answer!.Status >= 500)} server errors): {string.Join(Environment.NewLine, unexpected.Take(5))}");
        foreach (var kind in new[] { SentCommand.Allocation, SentCommand.Recall, SentCommand.Drawdown, SentCommand.Repayment, SentCommand.Entrustment })
            Assert.True(sent.Any(c => c.Kind == kind && c.Accepted && c.Phase == "workload"), $"The workload should have had a {kind} accepted.");
    }

    /// <summary>
    /// After everything: every accepted command is in the store once (its record and exactly the events its answer
    /// counts), refused ones left no trace, the funds and loans are what the accepted commands make them, no fund was
    /// ever below zero, and the balance check of the last node is balanced.
    /// </summary>
    private async Task AssertLedgerAsync(MultiNodeWorkload workload, StoreInspector store, ServiceNode last, CancellationToken ct)
    {
        var sent = workload.Sent;
        AssertEveryCommandAnsweredWithoutServerErrors(sent);
        var accepted = sent.Where(c => c.Accepted).ToDictionary(c => c.Id);

        var processed = await store.ProcessedCommandsAsync(ct);
        var notStored = accepted.Values.Where(c => !processed.ContainsKey(c.Id)).ToList();
        Assert.True(notStored.Count == 0, $"Accepted commands with no record in the store: {string.Join(Environment.NewLine, notStored.Take(5))}");
        var notAccepted = processed.Keys.Where(id => !accepted.ContainsKey(id)).Select(id => sent.FirstOrDefault(c => c.Id == id)?.ToString() ?? $"{id} (never sent)").ToList();
        Assert.True(notAccepted.Count == 0, $"Commands recorded in the store that the client saw refused: {string.Join(Environment.NewLine, notAccepted.Take(5))}");
        var differentAnswers = accepted.Values
            .Where(c => processed[c.Id].Status != c.Answer!.Status || processed[c.Id].Answer != c.Answer.Body)
            .ToList();
        Assert.True(differentAnswers.Count == 0, $"Answers that differ from the one stored with the command: {string.Join(Environment.NewLine, differentAnswers.Take(5))}");

        var events = await store.EventsPerCommandAsync(ct);
        Assert.False(events.ContainsKey(""), $"{events.GetValueOrDefault("")} events carry no commandId header.");
        var strangers = events.Keys.Where(id => !Guid.TryParse(id, out var guid) || !accepted.ContainsKey(guid)).ToList();
        Assert.True(strangers.Count == 0, $"Events of commands that were not accepted: {string.Join(", ", strangers.Take(5))}");
        var miscounted = accepted.Values.Where(c => events.GetValueOrDefault(c.Id.ToString()) != c.AnsweredEvents).ToList();
        Assert.True(
            miscounted.Count == 0,
            $"Commands whose events in the log differ from the count in their answer: {string.Join(Environment.NewLine, miscounted.Take(5).Select(c => $"{events.GetValueOrDefault(c.Id.ToString())} events for {c}"))}");

        var funds = await store.FundsAsync(ct);
        var negative = funds.Where(f => f.Value.AvailableVnd < 0).ToList();
        Assert.True(negative.Count == 0, $"Funds below zero: {string.Join(", ", negative)}");
        var expected = workload.ExpectedFunds();
        var wrong = funds.Keys.Union(expected.Keys)
            .Where(k => funds.GetValueOrDefault(k, FundTotals.Zero) != expected.GetValueOrDefault(k, FundTotals.Zero))
            .Select(k => $"{k}: stored {funds.GetValueOrDefault(k)}, accepted commands make {expected.GetValueOrDefault(k)}")
            .ToList();
        Assert.True(wrong.Count == 0, $"Funds that differ from the accepted commands: {string.Join(Environment.NewLine, wrong)}");
        var lowest = await LowestRunningBalanceAsync(ct);
        Assert.True(lowest.UnknownTypes.Length == 0, $"Fund events the test does not fold: {lowest.UnknownTypes}");
        Assert.True(lowest.Min >= 0, $"Fund {lowest.Fund} was at {lowest.Min} VND at one point of its history.");

        var loans = await store.LoansAsync(ct);
        var expectedLoans = workload.ExpectedLoans();
        var wrongLoans = loans.Keys.Union(expectedLoans.Keys)
            .Where(id => loans.GetValueOrDefault(id) != expectedLoans.GetValueOrDefault(id))
            .Select(id => $"{id}: stored {loans.GetValueOrDefault(id)}, accepted commands make {expectedLoans.GetValueOrDefault(id)}")
            .ToList();
        Assert.True(wrongLoans.Count == 0, $"Loans that differ from the accepted commands: {string.Join(Environment.NewLine, wrongLoans.Take(10))}");
        Assert.All(loans, l => Assert.InRange(l.Value.RepaidVnd, 0, l.Value.PrincipalVnd));

        var (answer, failure) = await last.TryGetAsync("/api/ledger/balance-check", _financeToken, NodeRouter.AttemptTimeout, ct);
        Assert.True(answer?.Status == 200, $"balance-check at {last}: {answer?.ToString() ?? failure}");
        Assert.True(answer!.Json.GetProperty("balanced").GetBoolean(), $"The ledger should balance: {answer}");
        Assert.Equal(funds.Values.Sum(f => f.InflowsVnd), answer.Json.GetProperty("receivedVnd").GetInt64());
        Note($"ledger checked: {accepted.Count} accepted commands, {events.Values.Sum()} events, {funds.Count} funds, {loans.Count} loans");
    }

    /// <summary>
    /// Folds every fund stream's events in order: the lowest available balance any fund ever had (invariant 1 at every
    /// point of history, not only at the end), and the event types on fund streams that the fold does not know.
    /// </summary>
    private async Task<(string Fund, long Min, string UnknownTypes)> LowestRunningBalanceAsync(CancellationToken ct)
    {
        await using var command = _database!.CreateCommand($"""
            with moves as (
                select stream_id, version, type,
                       case type
                           when 'central_budget_entrusted' then 1 when 'allocation_received' then 1
                           when 'recall_received' then 1 when 'repayment_received' then 1
                           when 'capital_allocated' then -1 when 'capital_recalled' then -1 when 'capital_lent' then -1
                       end * (data->>'AmountVnd')::bigint as delta
                from {StoreInspector.Schema}.mt_events where stream_id like '%/%/%'),
            running as (select stream_id, type, delta, sum(delta) over (partition by stream_id order by version) as available from moves)
            select coalesce((array_agg(stream_id order by available))[1], ''),
                   coalesce(min(available), 0),
                   coalesce(string_agg(distinct type, ',') filter (where delta is null), '')
            from running
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetString(0), reader.GetInt64(1), reader.GetString(2));
    }

    /// <summary>
    /// Polls <c>GET /api/capital/daily</c> on the given nodes until the projected national flows (summed over all days)
    /// equal what the fund and loan documents hold; fails unless that happens within <paramref name="limit"/> of
    /// <paramref name="since"/> (an instant of the test's clock: the crash, or now). Returns how long after
    /// <paramref name="since"/> it had caught up.
    /// </summary>
    private async Task<TimeSpan> AssertDailyCapitalCatchesUpAsync(
        IReadOnlyList<ServiceNode> nodes, StoreInspector store, string when, TimeSpan since, TimeSpan limit, CancellationToken ct)
    {
        var funds = await store.FundsAsync(ct);
        var loans = await store.LoansAsync(ct);
        var expected = (Inflows: funds.Values.Sum(f => f.InflowsVnd), Lent: funds.Values.Sum(f => f.LentVnd), Repaid: funds.Values.Sum(f => f.RepaidVnd), Loans: (long)loans.Count);
        var seen = "nothing yet";
        for (var i = 0; _clock.Elapsed - since < limit; i++)
        {
            var node = nodes[i % nodes.Count];
            var (answer, failure) = await node.TryGetAsync("/api/capital/daily", _financeToken, TimeSpan.FromSeconds(5), ct);
            if (answer?.Status == 200)
            {
                var days = answer.Json.EnumerateArray().ToList();
                var projected = (
                    Inflows: days.Sum(d => d.GetProperty("inflowsVnd").GetInt64()),
                    Lent: days.Sum(d => d.GetProperty("lentVnd").GetInt64()),
                    Repaid: days.Sum(d => d.GetProperty("repaidVnd").GetInt64()),
                    Loans: days.Sum(d => d.GetProperty("loans").GetInt64()));
                if (projected == expected)
                {
                    var caughtUp = _clock.Elapsed - since;
                    var (done, lastEvent) = await store.DailyCapitalProgressAsync(ct);
                    Note($"DailyCapital caught up {when} on {node.Name}, {caughtUp.TotalSeconds:F1} s after it (progression {done} of {lastEvent})");
                    return caughtUp;
                }

                seen = $"{projected} at {node.Name}";
            }
            else
            {
                seen = $"{answer?.ToString() ?? failure} at {node.Name}";
            }

            await Task.Delay(250, ct);
        }

        var (projectedTo, last) = await store.DailyCapitalProgressAsync(ct);
        Assert.Fail($"DailyCapital did not catch up {when} within {limit.TotalSeconds:F0} s: expected {expected}, last saw {seen}; " +
            $"progression {projectedTo} of {last}; agents {Describe(await store.AgentAssignmentsAsync(ct))}");
        return limit;
    }

    private string Describe(Dictionary<string, Guid> assignments) =>
        string.Join("; ", assignments.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a =>
            $"{a.Key} on {_nodes.FirstOrDefault(n => n.WolverineNodeId == a.Value)?.Name ?? a.Value.ToString()}"));

    private void Note(string what)
    {
        lock (_timeline) _timeline.Add(string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds,6:F1} s  {what}"));
    }

    private string Summary(IReadOnlyList<SentCommand> sent)
    {
        var text = new StringBuilder();
        text.AppendLine("Timeline:");
        lock (_timeline) _timeline.ForEach(line => text.AppendLine(line));
        text.AppendLine(CultureInfo.InvariantCulture, $"{sent.Count} commands; by phase and answer:");
        foreach (var group in sent.GroupBy(c => (c.Phase, c.Kind, Status: c.Answer?.Status, Type: c.Accepted ? null : c.Answer?.ProblemType)).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
            text.AppendLine(CultureInfo.InvariantCulture, $"  {group.Count(),4} × {group.Key.Phase} {group.Key.Kind} → {group.Key.Status?.ToString(CultureInfo.InvariantCulture) ?? "no answer"} {group.Key.Type}");
        var retried = sent.Where(c => c.UnansweredAttempts > 0).ToList();
        var replayed = retried.Count(c => c.Accepted && c.Answer!.Json.GetProperty("recordedAt").GetDateTimeOffset() < c.AnsweredAttemptSentAt);
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{retried.Count} commands got no answer at first and were retried with the same id; {replayed} of them had been recorded by the killed node and got its first answer back.");
        foreach (var command in retried.Take(10)) text.AppendLine("  " + command);
        text.AppendLine("Node logs: " + _logDirectory);
        return text.ToString();
    }

    /// <summary>Writes what happened and the tail of every node's log; false, so the exception goes on unhandled.</summary>
    private bool WriteDiagnostics()
    {
        try
        {
            if (_workload is not null) output.WriteLine(Summary(_workload.Sent));
            foreach (var node in _nodes)
            {
                output.WriteLine($"----- {node} {(node.HasExited ? $"exited {node.ExitCode}" : "running")}, log {node.LogPath} (last 60 lines):");
                output.WriteLine(node.Tail(60));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            output.WriteLine("Could not write all diagnostics: " + e.Message);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
        if (_passed && Directory.Exists(_logDirectory))
        {
            try
            {
                Directory.Delete(_logDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover log folder must not fail the run.
            }
        }
    }
}
