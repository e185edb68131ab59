using System.Diagnostics;
using System.Text;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Operations (API.md): <c>/health/live</c> says the process answers, <c>/health/ready</c> says it can serve,
/// and readiness follows the database as it goes away and comes back, without restarting the service.
/// The outage tests stop a cluster of their own, never the shared one.
/// </summary>
public sealed class HealthTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string Live = "/health/live";
    private const string Ready = "/health/ready";
    private static readonly TimeSpan GoesUnready = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ComesBack = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Live_answers_200_without_a_token()
    {
        using var anonymous = Service.Client();

        var live = await anonymous.GetAnswerAsync(Live);

        Assert.Equal(200, live.Status);
        Assert.Equal("Healthy", live.Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_answers_200_without_a_token_while_the_database_is_up()
    {
        using var anonymous = Service.Client();

        var ready = await anonymous.GetAnswerAsync(Ready);

        Assert.Equal(200, ready.Status);
        Assert.Equal("Healthy", ready.Json.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_stays_200_right_after_a_command_failed_in_the_middle_of_its_transaction()
    {
        var database = new LedgerDatabase(Service.ConnectionString);
        using var anonymous = Service.Client();
        using var finance = Service.Client(Roles.CentralFinance);
        var commandId = Guid.NewGuid();
        Answer failed;
        await database.RefuseToRecordAsync(commandId);
        try
        {
            failed = await finance.EntrustCentralBudgetAsync(1_000_000, commandId: commandId);
        }
        finally
        {
            await database.StopRefusingAsync();
        }
        Assert.True(failed.Status >= 500, $"expected the refused transaction to answer 5xx, got {failed}");

        var answers = new List<Answer>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await anonymous.GetAnswerAsync(Ready));
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.True(answers.All(a => a.Status == 200),
            $"ready answered {string.Join(", ", answers.Select(a => a.Status))} in the second after one failed transaction: {answers.FirstOrDefault(a => a.Status != 200)}");
    }

    [Fact]
    public async Task Ready_turns_503_when_the_database_goes_away_and_200_again_when_it_comes_back_without_a_restart()
    {
        await using var isolated = await IsolatedService.StartAsync();
        Assert.SkipWhen(isolated is null, "The server named by CAPITALFLOWS_TEST_PG cannot be stopped.");
        using var anonymous = isolated.Client();
        (await anonymous.GetAnswerAsync(Ready)).Expect(200);

        await isolated.Cluster.StopAsync();
        var down = await PollAsync(anonymous, Ready, 503, GoesUnready);

        Assert.Equal("Unhealthy", down.Json.GetProperty("status").GetString());
        (await anonymous.GetAnswerAsync(Live)).Expect(200);

        await isolated.Cluster.StartAgainAsync();
        var up = await PollAsync(anonymous, Ready, 200, ComesBack);

        Assert.Equal("Healthy", up.Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_command_sent_while_the_database_is_down_gets_a_prompt_5xx_problem_and_its_id_is_accepted_once_when_the_database_is_back()
    {
        await using var isolated = await IsolatedService.StartAsync();
        Assert.SkipWhen(isolated is null, "The server named by CAPITALFLOWS_TEST_PG cannot be stopped.");
        using var anonymous = isolated.Client();
        using var finance = isolated.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(10_000_000)).Expect(200);
        var commandId = Guid.NewGuid();

        await isolated.Cluster.StopAsync();
        var clock = Stopwatch.StartNew();
        using var content = new StringContent(
            $$"""{"commandId":"{{commandId}}","from":"VN","to":"01","source":"central-budget","programme":"general","amountVnd":10000000}""",
            Encoding.UTF8, "application/json");
        using var refused = await finance.PostAsync(new Uri("/api/allocations", UriKind.Relative), content, TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        var problem = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True((int)refused.StatusCode is >= 500 and < 600,
            $"expected a 5xx answer while the database is down, got {(int)refused.StatusCode} {problem} after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)refused.StatusCode, new Answer((int)refused.StatusCode, problem).Json.GetProperty("status").GetInt32());

        await isolated.Cluster.StartAgainAsync();
        await PollAsync(anonymous, Ready, 200, ComesBack);
        var accepted = (await finance.AllocateAsync("VN", "01", 10_000_000, commandId: commandId)).Expect(200);
        var again = await finance.AllocateAsync("VN", "01", 10_000_000, commandId: commandId);

        Assert.Equal(commandId, accepted.Json.GetProperty("commandId").GetGuid());
        Assert.Equal(2, accepted.Json.GetProperty("events").GetInt32());
        Assert.Equal(accepted.ToString(), again.ToString());
        Assert.Equal(2, await isolated.Database.EventCountAsync(commandId));
        Assert.Equal(1 + 2, await isolated.Database.EventCountAsync());
        var hanoi = (await finance.ReadJsonAsync("/api/localities/01/capital")).GetProperty("own");
        Assert.Equal(10_000_000, hanoi.Vnd("availableVnd"));
    }

    /// <summary>Asks until the route answers <paramref name="status"/>; fails with the last answer after <paramref name="timeout"/>.</summary>
    private static async Task<Answer> PollAsync(HttpClient client, string url, int status, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answer = await client.GetAnswerAsync(url).WaitAsync(timeout);
            if (answer.Status == status) return answer;
            if (clock.Elapsed > timeout)
                Assert.Fail($"{url} did not answer {status} within {timeout.TotalSeconds:F0} s; last answer: {answer}");
            await Task.Delay(200);
        }
    }
}
