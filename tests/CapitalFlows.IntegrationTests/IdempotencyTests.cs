using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Command ids (API.md, DOMAIN.md invariant 6): an accepted command is remembered for ever and a retry gets
/// the first answer; the same id with another body is refused; a refused command leaves no trace.
/// </summary>
public sealed class IdempotencyTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string Entrustments = "/api/capital/central-entrustments";
    private const string Allocations = "/api/allocations";
    private const string CommandIdReused = "/problems/command-id-reused";

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    [Fact]
    public async Task The_same_command_id_and_body_with_keys_reordered_and_other_white_space_returns_the_first_answer_byte_for_byte_and_appends_nothing()
    {
        using var finance = Finance;
        var id = Guid.NewGuid();
        var first = (await finance.PostJsonAsync(Entrustments,
            $$"""{"commandId":"{{id}}","amountVnd":5000000,"programme":"students","decisionRef":"QĐ-1"}""")).Expect(200);

        var again = await finance.PostJsonAsync(Entrustments, $$"""

               {
                 "decisionRef" :  "QĐ-1",
                 "programme":"students",
                    "amountVnd":
                      5000000 ,
                 "commandId": "{{id}}"
               }

            """);

        Assert.Equal(200, again.Status);
        Assert.Equal(first.Body, again.Body);
        Assert.Equal(1, await Service.EventCountAsync());
        var nation = (await finance.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own");
        Assert.Equal(5_000_000, nation.Vnd("availableVnd"));
    }

    [Fact]
    public async Task A_string_written_with_json_escapes_is_the_same_body()
    {
        using var finance = Finance;
        var id = Guid.NewGuid();
        var first = (await finance.PostJsonAsync(Entrustments,
            $$"""{"commandId":"{{id}}","amountVnd":5000000,"decisionRef":"QĐ-1"}""")).Expect(200);

        var again = await finance.PostJsonAsync(Entrustments,
            $$"""{"commandId":"{{id}}","amountVnd":5000000,"decisionRef":"Q\u0110-1"}""");

        Assert.Equal(first.ToString(), again.ToString());
        Assert.Equal(1, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_retry_gets_the_first_answer_even_after_the_balances_changed()
    {
        using var finance = Finance;
        (await finance.EntrustCentralBudgetAsync(10_000_000)).Expect(200);
        var id = Guid.NewGuid();
        var first = (await finance.AllocateAsync("VN", "01", 10_000_000, commandId: id)).Expect(200);

        // VN's fund is now empty: deciding again would be refused, but the command was accepted already.
        var retry = await finance.AllocateAsync("VN", "01", 10_000_000, commandId: id);

        Assert.Equal(first.ToString(), retry.ToString());
        Assert.Equal(1 + 2, await Service.EventCountAsync());
        Assert.Equal(10_000_000, (await finance.ReadJsonAsync("/api/localities/01/capital")).GetProperty("own").Vnd("availableVnd"));
    }

    [Fact]
    public async Task The_same_command_id_with_a_different_body_is_refused_as_reused_and_appends_nothing()
    {
        using var finance = Finance;
        var id = Guid.NewGuid();
        (await finance.EntrustCentralBudgetAsync(5_000_000, commandId: id)).Expect(200);

        var other = await finance.EntrustCentralBudgetAsync(6_000_000, commandId: id);

        Assert.Equal(409, other.Status);
        Assert.Equal(CommandIdReused, other.ProblemType);
        Assert.Equal(409, other.Json.GetProperty("status").GetInt32());
        Assert.Contains(id.ToString(), other.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await Service.EventCountAsync());
        Assert.Equal(5_000_000, (await finance.ReadJsonAsync("/api/ledger/balance-check")).Vnd("receivedVnd"));
    }

    [Fact]
    public async Task An_omitted_field_and_the_same_field_given_its_default_value_are_different_bodies()
    {
        using var finance = Finance;
        var id = Guid.NewGuid();
        (await finance.PostJsonAsync(Entrustments,
            $$"""{"commandId":"{{id}}","amountVnd":5000000,"decisionRef":"QĐ-1"}""")).Expect(200);

        var withDefault = await finance.PostJsonAsync(Entrustments,
            $$"""{"commandId":"{{id}}","amountVnd":5000000,"programme":"general","decisionRef":"QĐ-1"}""");

        Assert.Equal(409, withDefault.Status);
        Assert.Equal(CommandIdReused, withDefault.ProblemType);
        Assert.Equal(1, await Service.EventCountAsync());
    }

    [Fact]
    public async Task Twenty_concurrent_requests_with_one_command_id_and_one_body_append_once_and_all_get_the_same_answer()
    {
        using var finance = Finance;
        (await finance.EntrustCentralBudgetAsync(50_000_000)).Expect(200);
        var id = Guid.NewGuid();
        var body = $$"""{"commandId":"{{id}}","from":"VN","to":"01","source":"central-budget","programme":"general","amountVnd":30000000}""";
        var clients = Enumerable.Range(0, 4).Select(_ => Service.Client(Roles.CentralFinance)).ToArray();
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var racing = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
            {
                await start.Task;
                return await clients[i % clients.Length].PostJsonAsync(Allocations, body);
            })).ToArray();
            start.SetResult();
            var answers = await Task.WhenAll(racing);

            Assert.All(answers, a => Assert.Equal(200, a.Status));
            Assert.Single(answers.Select(a => a.Body).Distinct());
            Assert.Equal(id, answers[0].Json.GetProperty("commandId").GetGuid());
            Assert.Equal(1 + 2, await Service.EventCountAsync());
            Assert.Equal(30_000_000, (await finance.ReadJsonAsync("/api/localities/01/capital")).GetProperty("own").Vnd("availableVnd"));
            Assert.Equal(20_000_000, (await finance.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own").Vnd("availableVnd"));
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    [Fact]
    public async Task A_command_refused_for_insufficient_funds_is_not_remembered_and_succeeds_with_the_same_id_once_the_fund_is_funded()
    {
        using var finance = Finance;
        var id = Guid.NewGuid();

        var refused = await finance.AllocateAsync("VN", "01", 10_000_000, commandId: id);
        Assert.Equal(409, refused.Status);
        Assert.Equal("/problems/insufficient-funds", refused.ProblemType);
        Assert.Equal(0, await Service.EventCountAsync());

        (await finance.EntrustCentralBudgetAsync(10_000_000)).Expect(200);
        var accepted = await finance.AllocateAsync("VN", "01", 10_000_000, commandId: id);

        Assert.Equal(200, accepted.Status);
        Assert.Equal(id, accepted.Json.GetProperty("commandId").GetGuid());
        Assert.Equal(2, accepted.Json.GetProperty("events").GetInt32());
        Assert.Equal(1 + 2, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_command_refused_as_invalid_is_not_remembered()
    {
        using var finance = Finance;
        var id = Guid.NewGuid();

        var invalid = await finance.EntrustCentralBudgetAsync(0, commandId: id);
        Assert.Equal(400, invalid.Status);
        Assert.Equal("/problems/validation", invalid.ProblemType);

        (await finance.EntrustCentralBudgetAsync(1_000_000, commandId: id)).Expect(200);
        Assert.Equal(1, await Service.EventCountAsync());
    }

    [Fact]
    public async Task Command_ids_are_global_across_routes_so_an_entrustment_id_reused_for_an_allocation_is_refused()
    {
        using var finance = Finance;
        var id = Guid.NewGuid();
        (await finance.EntrustCentralBudgetAsync(10_000_000, commandId: id)).Expect(200);

        var allocation = await finance.AllocateAsync("VN", "01", 5_000_000, commandId: id);
        var recall = await finance.RecallAsync("01", "VN", 5_000_000, commandId: id);

        Assert.Equal((409, CommandIdReused), (allocation.Status, allocation.ProblemType));
        Assert.Equal((409, CommandIdReused), (recall.Status, recall.ProblemType));
        Assert.Equal(1, await Service.EventCountAsync());
        Assert.Equal(10_000_000, (await finance.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own").Vnd("availableVnd"));
    }
}
