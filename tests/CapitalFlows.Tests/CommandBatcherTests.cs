using CapitalFlows.Engine;

namespace CapitalFlows.Tests;

/// <summary>
/// Group commit's queue: batches that run at once on a node never share a stream, commands on one stream keep their
/// arrival order, a command held back for a running batch's stream joins the next batch, a queue is shared out
/// among the places that are free, and the window waits only for commands on their way.
/// </summary>
public sealed class CommandBatcherTests
{
    /// <summary>A command on the given streams, named for the assertions.</summary>
    private sealed record Command(string Name, params string[] Streams);

    /// <summary>Runs batches as they come, each until the test releases it, and keeps what it saw.</summary>
    private sealed class Runner
    {
        private readonly Lock _gate = new();
        private readonly List<TaskCompletionSource> _releases = [];

        public List<IReadOnlyList<string>> Batches { get; } = [];

        public List<HashSet<string>> Running { get; } = [];

        public List<string> Overlaps { get; } = [];

        public async Task<IReadOnlyList<Task<string>>> RunAsync(IReadOnlyList<Command> batch)
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var streams = batch.SelectMany(c => c.Streams).ToHashSet();
            lock (_gate)
            {
                foreach (var other in Running.Where(o => o.Overlaps(streams)))
                    Overlaps.Add(string.Join(",", other.Intersect(streams)));
                Running.Add(streams);
                Batches.Add(batch.Select(c => c.Name).ToList());
                _releases.Add(release);
            }
            await release.Task;
            lock (_gate) Running.Remove(streams);
            return batch.Select(c => Task.FromResult(c.Name)).ToList();
        }

        public int Started
        {
            get { lock (_gate) return Batches.Count; }
        }

        /// <summary>Lets batch <paramref name="index"/> (in the order they started) finish.</summary>
        public void Release(int index)
        {
            lock (_gate) _releases[index].TrySetResult();
        }

        public async Task WaitForBatchesAsync(int count)
        {
            for (var i = 0; i < 500 && Started < count; i++) await Task.Delay(10, TestContext.Current.CancellationToken);
            Assert.True(Started >= count, $"expected {count} batches to start, {Started} did");
        }
    }

    private static CommandBatcher<Command, string> Batcher(int batchesInFlight = 2, double placeHeldSeconds = 30) =>
        new(TimeSpan.FromMilliseconds(20), maxBatch: 64, batchesInFlight, TimeSpan.FromSeconds(placeHeldSeconds), c => c.Streams);

    /// <summary>
    /// A batcher whose window is an hour, told of the node's command requests: only those decide how long it waits. One
    /// batch at a time, so that a batch takes the whole queue (with a place free, the queue is shared out).
    /// </summary>
    private static CommandBatcher<Command, string> BatcherWaitingFor(CommandArrivals arrivals) =>
        new(TimeSpan.FromHours(1), maxBatch: 64, batchesInFlight: 1, TimeSpan.FromSeconds(30), c => c.Streams, arrivals);

    [Fact]
    public async Task A_lone_command_is_not_held_for_the_window_when_no_other_command_is_on_its_way()
    {
        var arrivals = new CommandArrivals();
        using var batcher = BatcherWaitingFor(arrivals);
        var runner = new Runner();
        using var request = arrivals.Begin();

        var answer = batcher.SubmitAsync(new Command("a1", "fund/A"), runner.RunAsync);

        await runner.WaitForBatchesAsync(1);
        runner.Release(0);
        Assert.Equal("a1", await answer);
    }

    [Fact]
    public async Task The_window_waits_for_a_command_whose_request_has_begun_and_takes_it_into_the_same_batch()
    {
        var arrivals = new CommandArrivals();
        using var batcher = BatcherWaitingFor(arrivals);
        var runner = new Runner();
        using var first = arrivals.Begin();
        using var second = arrivals.Begin();

        var a1 = batcher.SubmitAsync(new Command("a1", "fund/A"), runner.RunAsync);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(0, runner.Started);
        var a2 = batcher.SubmitAsync(new Command("a2", "fund/B"), runner.RunAsync);

        await runner.WaitForBatchesAsync(1);
        Assert.Equal(["a1", "a2"], runner.Batches[0]);
        runner.Release(0);
        Assert.Equal(["a1", "a2"], await Task.WhenAll(a1, a2));
    }

    [Fact]
    public async Task A_request_that_ends_before_reaching_the_batcher_ends_the_wait_for_it()
    {
        var arrivals = new CommandArrivals();
        using var batcher = BatcherWaitingFor(arrivals);
        var runner = new Runner();
        using var first = arrivals.Begin();
        var refused = arrivals.Begin();

        var a1 = batcher.SubmitAsync(new Command("a1", "fund/A"), runner.RunAsync);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal(0, runner.Started);
        refused.Dispose(); // its body was refused (a 400): it never reaches the batcher

        await runner.WaitForBatchesAsync(1);
        Assert.Equal(["a1"], runner.Batches[0]);
        runner.Release(0);
        Assert.Equal("a1", await a1);
    }

    [Fact]
    public async Task A_command_on_a_stream_a_running_batch_holds_waits_for_the_next_batch_and_so_do_later_commands_on_its_streams()
    {
        using var batcher = Batcher();
        var runner = new Runner();
        var first = batcher.SubmitAsync(new Command("a1", "fund/A"), runner.RunAsync);
        await runner.WaitForBatchesAsync(1);

        // While the first batch holds fund/A: a2 needs it; b1 shares fund/B with a2, which waits, so b1 waits too; c1 is free.
        var a2 = batcher.SubmitAsync(new Command("a2", "fund/A", "fund/B"), runner.RunAsync);
        var b1 = batcher.SubmitAsync(new Command("b1", "fund/B"), runner.RunAsync);
        var c1 = batcher.SubmitAsync(new Command("c1", "fund/C"), runner.RunAsync);
        await runner.WaitForBatchesAsync(2);
        Assert.Equal(["c1"], runner.Batches[1]);
        Assert.False(a2.IsCompleted);

        runner.Release(0);
        await runner.WaitForBatchesAsync(3);
        Assert.Equal(["a2", "b1"], runner.Batches[2]);
        runner.Release(1);
        runner.Release(2);
        Assert.Equal(["a1", "a2", "b1", "c1"], await Task.WhenAll(first, a2, b1, c1));
        Assert.Empty(runner.Overlaps);
    }

    [Fact]
    public async Task Batches_on_different_streams_run_at_once_up_to_the_places_of_the_node()
    {
        using var batcher = Batcher(batchesInFlight: 2);
        var runner = new Runner();
        var a = batcher.SubmitAsync(new Command("a", "fund/A"), runner.RunAsync);
        await runner.WaitForBatchesAsync(1);
        var b = batcher.SubmitAsync(new Command("b", "fund/B"), runner.RunAsync);
        await runner.WaitForBatchesAsync(2);
        var c = batcher.SubmitAsync(new Command("c", "fund/C"), runner.RunAsync);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(2, runner.Started);

        runner.Release(0);
        await runner.WaitForBatchesAsync(3);
        runner.Release(1);
        runner.Release(2);
        Assert.Equal(["a", "b", "c"], await Task.WhenAll(a, b, c));
    }

    [Fact]
    public async Task With_a_place_free_the_queue_is_shared_out_between_batches_that_run_at_once_and_a_command_on_a_taken_stream_stays_with_it()
    {
        using var batcher = Batcher(batchesInFlight: 2);
        var runner = new Runner();

        // Five commands within one window and both places free: the first batch takes its share, three (5 over 2
        // places, rounded up), and a2 besides, which could only wait for a1's batch; d1 runs beside it at once.
        (string Name, string Stream)[] commands = [("a1", "fund/A"), ("b1", "fund/B"), ("c1", "fund/C"), ("a2", "fund/A"), ("d1", "fund/D")];
        var answers = commands.Select(c => batcher.SubmitAsync(new Command(c.Name, c.Stream), runner.RunAsync)).ToList();
        await runner.WaitForBatchesAsync(2);

        // Both run at once, so either may have started first.
        var batches = runner.Batches.OrderByDescending(b => b.Count).ToList();
        Assert.Equal(["a1", "b1", "c1", "a2"], batches[0]);
        Assert.Equal(["d1"], batches[1]);
        runner.Release(1);
        runner.Release(0);
        Assert.Equal(["a1", "b1", "c1", "a2", "d1"], await Task.WhenAll(answers));
        Assert.Empty(runner.Overlaps);
    }

    [Fact]
    public async Task With_every_other_place_taken_a_batch_takes_the_whole_queue()
    {
        using var batcher = Batcher(batchesInFlight: 2);
        var runner = new Runner();
        var first = batcher.SubmitAsync(new Command("x", "fund/X"), runner.RunAsync);
        await runner.WaitForBatchesAsync(1);

        string[] names = ["a", "b", "c", "d"];
        var rest = names.Select(n => batcher.SubmitAsync(new Command(n, $"fund/{n}"), runner.RunAsync)).ToList();
        await runner.WaitForBatchesAsync(2);

        Assert.Equal(["a", "b", "c", "d"], runner.Batches[1]);
        runner.Release(0);
        runner.Release(1);
        Assert.Equal(["a", "b", "c", "d"], await Task.WhenAll(rest));
        Assert.Equal("x", await first);
    }

    [Fact]
    public async Task A_batch_past_its_place_time_gives_its_streams_to_the_next_batch_which_then_waits_on_the_locks()
    {
        using var batcher = Batcher(placeHeldSeconds: 0.2);
        var runner = new Runner();
        var stuck = batcher.SubmitAsync(new Command("a1", "fund/A"), runner.RunAsync);
        await runner.WaitForBatchesAsync(1);
        var next = batcher.SubmitAsync(new Command("a2", "fund/A"), runner.RunAsync);

        await runner.WaitForBatchesAsync(2);
        Assert.Equal(["a2"], runner.Batches[1]);
        Assert.False(stuck.IsCompleted);
        runner.Release(1);
        runner.Release(0);
        Assert.Equal(["a1", "a2"], await Task.WhenAll(stuck, next));
    }

    [Fact]
    public async Task Many_commands_on_few_streams_never_run_in_two_batches_at_once_and_each_stream_keeps_its_order()
    {
        using var batcher = new CommandBatcher<Command, string>(
            TimeSpan.FromMilliseconds(1), maxBatch: 8, batchesInFlight: 3, placeHeld: TimeSpan.FromSeconds(30), c => c.Streams);
        var order = new List<string>();
        var running = new HashSet<string>();
        var overlaps = 0;
        var gate = new Lock();
        async Task<IReadOnlyList<Task<string>>> Run(IReadOnlyList<Command> batch)
        {
            var streams = batch.SelectMany(c => c.Streams).ToHashSet();
            lock (gate)
            {
                if (running.Overlaps(streams)) overlaps++;
                running.UnionWith(streams);
                order.AddRange(batch.Select(c => c.Name));
            }
            await Task.Delay(Random.Shared.Next(1, 15), TestContext.Current.CancellationToken);
            lock (gate) running.ExceptWith(streams);
            return batch.Select(c => Task.FromResult(c.Name)).ToList();
        }

        // Submitted in arrival order (SubmitAsync queues before it first awaits), a few at a time while batches run.
        var commands = Enumerable.Range(0, 400).Select(i => new Command($"{i}", $"fund/{i % 5}", $"loan/{i % 7}")).ToList();
        var answers = new List<Task<string>>();
        foreach (var chunk in commands.Chunk(6))
        {
            answers.AddRange(chunk.Select(c => batcher.SubmitAsync(c, Run)));
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        Assert.Equal(commands.Select(c => c.Name), await Task.WhenAll(answers));
        Assert.Equal(0, overlaps);
        var ran = order.Select(n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        foreach (var (streams, of) in new[] { (5, 0), (7, 1) })
            foreach (var stream in Enumerable.Range(0, streams))
            {
                var onStream = ran.Where(i => (of == 0 ? i % 5 : i % 7) == stream).ToList();
                Assert.Equal(onStream.Order(), onStream);
            }
    }
}
