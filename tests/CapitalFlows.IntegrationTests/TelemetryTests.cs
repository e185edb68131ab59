using System.Diagnostics;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Traces and metrics: a command is one trace from the HTTP request through the decision to the database,
/// tagged with the command, its id, the localities it touches and its outcome; the <c>capitalflows.commands</c>
/// counter counts commands by type and outcome.
/// </summary>
public sealed class TelemetryTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long TenMillion = 10_000_000;
    private static readonly TimeSpan ServerSpanEnds = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task One_allocation_is_one_trace_from_the_http_request_through_the_decision_to_the_database()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(TenMillion)).Expect(200);
        using var spans = new SpanCollector();
        var commandId = Guid.NewGuid();

        (await finance.AllocateAsync("VN", "01", TenMillion, commandId: commandId)).Expect(200);

        var ended = await spans.WaitForAsync(s => s.Any(a => IsRequestOf(a, commandId)) && s.Any(a => IsDecisionOf(a, commandId)), ServerSpanEnds);
        var request = Assert.Single(ended, a => IsRequestOf(a, commandId));
        Assert.Equal(ActivityKind.Server, request.Kind);
        Assert.Equal("Allocate", Tag(request, "capitalflows.command"));
        Assert.Equal("accepted", Tag(request, "capitalflows.outcome"));

        var decision = Assert.Single(ended, a => IsDecisionOf(a, commandId));
        Assert.Equal(request.TraceId, decision.TraceId);
        Assert.True(Descends(decision, from: request, spans.Started), $"the decision's span is not inside the request's span:{Environment.NewLine}{spans.Tree(request.TraceId)}");
        Assert.Equal("Allocate", Tag(decision, "capitalflows.command"));
        Assert.Equal("VN,01", Tag(decision, "capitalflows.localities"));
        Assert.Equal("accepted", Tag(decision, "capitalflows.outcome"));

        var database = ended.Where(a => a.Source.Name is SpanCollector.Npgsql or SpanCollector.Marten && a.TraceId == request.TraceId).ToList();
        Assert.True(database.Count > 0, $"no database span in the command's trace:{Environment.NewLine}{spans.Tree(request.TraceId)}");
        Assert.True(database.Any(a => Descends(a, from: decision, spans.Started)),
            $"no database span inside the decision's span:{Environment.NewLine}{spans.Tree(request.TraceId)}");
    }

    [Fact]
    public async Task Every_span_of_a_command_trace_ends_so_that_an_exporter_is_given_the_whole_chain_down_to_the_database()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(TenMillion)).Expect(200);
        using var spans = new SpanCollector();
        var commandId = Guid.NewGuid();

        (await finance.AllocateAsync("VN", "01", TenMillion, commandId: commandId)).Expect(200);

        var ended = await spans.WaitForAsync(s => s.Any(a => IsRequestOf(a, commandId)), ServerSpanEnds);
        var request = Assert.Single(ended, a => IsRequestOf(a, commandId));
        var endedIds = ended.Select(a => a.SpanId).ToHashSet();
        var neverEnded = spans.Started.Where(a => a.TraceId == request.TraceId && !endedIds.Contains(a.SpanId)).ToList();
        Assert.True(neverEnded.Count == 0,
            $"{string.Join(", ", neverEnded.Select(a => $"{a.Source.Name}/{a.DisplayName}"))} started in the trace and never ended, "
            + $"so an exporter never sees it and the spans under it lose their parent:{Environment.NewLine}{spans.Tree(request.TraceId)}");
        var orphans = ended.Where(a => a.TraceId == request.TraceId && a != request && !endedIds.Contains(a.ParentSpanId)).ToList();
        Assert.True(orphans.Count == 0, $"spans whose parent was never ended:{Environment.NewLine}{spans.Tree(request.TraceId)}");
    }

    [Fact]
    public async Task A_refused_command_is_traced_and_counted_with_the_problem_as_its_outcome()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(TenMillion)).Expect(200);
        using var spans = new SpanCollector();
        using var commands = new CommandCounter();
        var commandId = Guid.NewGuid();

        (await finance.AllocateAsync("VN", "01", 2 * TenMillion, commandId: commandId)).Expect(409);

        var ended = await spans.WaitForAsync(s => s.Any(a => IsRequestOf(a, commandId)) && s.Any(a => IsDecisionOf(a, commandId)), ServerSpanEnds);
        var decision = Assert.Single(ended, a => IsDecisionOf(a, commandId));
        Assert.Equal("insufficient-funds", Tag(decision, "capitalflows.outcome"));
        Assert.Equal("insufficient-funds", Tag(Assert.Single(ended, a => IsRequestOf(a, commandId)), "capitalflows.outcome"));
        Assert.Equal(new Dictionary<string, long>(StringComparer.Ordinal) { ["insufficient-funds"] = 1 }, commands.OutcomesOf("Allocate"));
    }

    [Fact]
    public async Task The_commands_counter_counts_each_command_by_type_and_outcome()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        using var commands = new CommandCounter();
        var commandId = Guid.NewGuid();

        (await finance.EntrustCentralBudgetAsync(TenMillion)).Expect(200);
        (await finance.AllocateAsync("VN", "01", TenMillion, commandId: commandId)).Expect(200);
        (await finance.AllocateAsync("VN", "01", TenMillion, commandId: commandId)).Expect(200);
        (await finance.AllocateAsync("VN", "01", TenMillion)).Expect(409);
        (await finance.AllocateAsync("VN", "79", TenMillion, commandId: commandId)).Expect(409);

        Assert.Equal(1, commands["EntrustCentralBudget", "accepted"]);
        Assert.Equal(
            new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["accepted"] = 1, ["replayed"] = 1, ["insufficient-funds"] = 1, ["command-id-reused"] = 1,
            },
            commands.OutcomesOf("Allocate"));
    }

    private static bool IsRequestOf(Activity a, Guid commandId) =>
        a.Source.Name == SpanCollector.AspNetCore && Tag(a, "capitalflows.command_id") == commandId.ToString();

    private static bool IsDecisionOf(Activity a, Guid commandId) =>
        a.Source.Name == SpanCollector.CapitalFlows && Tag(a, "capitalflows.command_id") == commandId.ToString();

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name) as string;

    /// <summary>The span lies inside <paramref name="from"/>: following its parents leads there.</summary>
    private static bool Descends(Activity span, Activity from, IReadOnlyList<Activity> started)
    {
        var bySpanId = started.GroupBy(a => a.SpanId).ToDictionary(g => g.Key, g => g.First());
        for (var current = span; current is not null; current = bySpanId.GetValueOrDefault(current.ParentSpanId))
        {
            if (current.ParentSpanId == from.SpanId && current.TraceId == from.TraceId) return true;
            if (current.ParentSpanId == default) return false;
        }
        return false;
    }
}
