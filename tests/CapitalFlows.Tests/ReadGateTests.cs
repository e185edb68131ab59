using CapitalFlows.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CapitalFlows.Tests;

/// <summary>
/// A node runs at most <c>Reads:MaxConcurrent</c> reads at once; the others wait their turn in the order they came, up
/// to <c>Reads:MaxQueued</c>, and a read beyond that is answered 503 <c>busy</c> at once. Commands, exports and
/// anything outside <c>/api</c> never wait for a read slot. No database: the gate around a stand-in endpoint.
/// </summary>
public sealed class ReadGateTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().BuildServiceProvider();

    private static ReadGate Gate(params (string Key, string Value)[] settings) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());

    private static DefaultHttpContext Request(string method, string path)
    {
        var http = new DefaultHttpContext { RequestServices = Services };
        http.Request.Method = method;
        http.Request.Path = path;
        http.Response.Body = new MemoryStream();
        return http;
    }

    /// <summary>
    /// A request through the gate to an endpoint that records that it ran and answers when <see cref="AnswerAsync"/> is
    /// called (or fails after 10 s, so that a gate that lets the wrong request through fails its test instead of hanging it).
    /// </summary>
    private sealed class HeldRequest
    {
        private readonly TaskCompletionSource _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private HeldRequest(ReadGate gate, HttpContext http) => Done = gate.InvokeAsync(http, async _ =>
        {
            Ran = true;
            await _answer.Task.WaitAsync(TimeSpan.FromSeconds(10));
        });

        public bool Ran { get; private set; }

        /// <summary>The request through the gate: done when answered, refused, or given up.</summary>
        public Task Done { get; }

        public static HeldRequest Send(ReadGate gate, HttpContext http) => new(gate, http);

        public static HeldRequest Send(ReadGate gate, string method = "GET", string path = "/api/localities/VN/capital") => new(gate, Request(method, path));

        public async Task AnswerAsync()
        {
            _answer.SetResult();
            await Done;
        }
    }

    [Fact]
    public void Unset_a_node_runs_twice_as_many_reads_at_once_as_it_has_processors_and_queues_a_thousand()
    {
        using var gate = Gate();

        Assert.Equal(2 * Environment.ProcessorCount, gate.MaxConcurrent);
        Assert.Equal(1000, gate.MaxQueued);
    }

    [Theory]
    [InlineData("Reads:MaxConcurrent", "0")]
    [InlineData("Reads:MaxQueued", "-1")]
    public void A_bound_below_its_least_stops_the_service_at_start_naming_the_setting(string key, string value)
    {
        var error = Assert.Throws<InvalidSettingException>(() => Gate((key, value)));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_one_slot_a_second_read_runs_only_once_the_first_has_answered_and_a_third_after_it()
    {
        using var gate = Gate(("Reads:MaxConcurrent", "1"));

        var first = HeldRequest.Send(gate);
        var second = HeldRequest.Send(gate, path: "/api/localities/02/capital");
        var third = HeldRequest.Send(gate, path: "/api/loans");
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.True(first.Ran);
        Assert.False(second.Ran, "the second read ran while the first held the only slot");

        await first.AnswerAsync();
        await WaitUntil(() => second.Ran);
        Assert.False(third.Ran, "the third read ran before the second, which came first");

        await second.AnswerAsync();
        await WaitUntil(() => third.Ran);
        await third.AnswerAsync();
    }

    [Theory]
    [InlineData("POST", "/api/loans")]
    [InlineData("GET", "/api/events")]
    [InlineData("GET", "/api/reports/capital-by-province")]
    [InlineData("GET", "/health/ready")]
    [InlineData("GET", "/")]
    public async Task Commands_exports_and_what_is_outside_the_api_never_wait_for_a_read_slot(string method, string path)
    {
        using var gate = Gate(("Reads:MaxConcurrent", "1"), ("Reads:MaxQueued", "0"));
        var holder = HeldRequest.Send(gate);

        var other = HeldRequest.Send(gate, method, path);

        Assert.True(other.Ran, $"{method} {path} waited for the read slot");
        await other.AnswerAsync();
        await holder.AnswerAsync();
    }

    [Fact]
    public async Task A_read_beyond_the_queue_is_answered_503_busy_with_retry_after_and_never_runs()
    {
        using var gate = Gate(("Reads:MaxConcurrent", "1"), ("Reads:MaxQueued", "0"));
        var holder = HeldRequest.Send(gate);
        var http = Request("GET", "/api/localities/01/capital");

        var refused = HeldRequest.Send(gate, http);
        await refused.Done;

        Assert.False(refused.Ran);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, http.Response.StatusCode);
        Assert.Equal("1", http.Response.Headers.RetryAfter.ToString());
        http.Response.Body.Position = 0;
        var body = await new StreamReader(http.Response.Body).ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"type\":\"/problems/busy\"", body, StringComparison.Ordinal);
        Assert.Contains("Reads:MaxQueued", body, StringComparison.Ordinal);
        await holder.AnswerAsync();
    }

    [Fact]
    public async Task A_waiting_read_whose_client_goes_away_gives_its_place_up_and_never_runs()
    {
        using var gate = Gate(("Reads:MaxConcurrent", "1"), ("Reads:MaxQueued", "1"));
        var holder = HeldRequest.Send(gate);
        using var client = new CancellationTokenSource();
        var goneRequest = Request("GET", "/api/localities/01/capital");
        goneRequest.RequestAborted = client.Token;
        var gone = HeldRequest.Send(gate, goneRequest);

        await client.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone.Done);
        // Its place in the queue (the only one) is free: the next read waits there, and runs after the holder.
        var next = HeldRequest.Send(gate, path: "/api/localities/02/capital");
        await holder.AnswerAsync();
        await WaitUntil(() => next.Ran);
        await next.AnswerAsync();
        Assert.False(gone.Ran);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(10, TestContext.Current.CancellationToken);
        Assert.True(condition());
    }
}
