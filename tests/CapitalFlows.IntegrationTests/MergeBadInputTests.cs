using System.Text;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// A merge that cannot be recorded is answered with a problem and appends nothing (API.md, "Order of refusals"):
/// a body that is not a merge is 400 validation, a merge of anything but provinces or of nothing is 400
/// invalid-merge, a province already merged (including a second merge of the same one) is 409 locality-closed,
/// and a date before the last movement of something it would move is 409 effective-date-too-early.
/// </summary>
public sealed class MergeBadInputTests(ServiceFixture service) : IntegrationTest(service)
{
    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    public static TheoryData<string, int, string> Bodies => new()
    {
        { """{"commandId":"%ID%","into":"08","effectiveOn":"2026-01-01"}""", 400, "validation" },
        { """{"commandId":"%ID%","merged":[],"into":"08","effectiveOn":"2026-01-01"}""", 400, "validation" },
        { """{"commandId":"%ID%","merged":["04","08"],"effectiveOn":"2026-01-01"}""", 400, "validation" },
        { """{"commandId":"%ID%","merged":["04","08"],"into":"08"}""", 400, "validation" },
        { """{"commandId":"%ID%","merged":["04","99"],"into":"08","effectiveOn":"2026-01-01"}""", 400, "invalid-merge" },
        { """{"commandId":"%ID%","merged":["04","08"],"into":"XX","effectiveOn":"2026-01-01"}""", 400, "invalid-merge" },
        { """{"commandId":"%ID%","merged":["99"],"into":"98","effectiveOn":"2026-01-01"}""", 400, "invalid-merge" },
        { """{"commandId":"%ID%","merged":["04","08"],"into":"08","effectiveOn":"2099-01-01"}""", 400, "validation" },
        { """{"commandId":"%ID%","merged":["04","08"],"into":"08","effectiveOn":"1st of January"}""", 400, "validation" },
        { """{"commandId":"%ID%","merged":"04","into":"08","effectiveOn":"2026-01-01"}""", 400, "validation" },
        { """{"merged":["04","08"],"into":"08","effectiveOn":"2026-01-01"}""", 400, "validation" },
        { """{"commandId":"%ID%","merged":["04","08"],"into":"01273","effectiveOn":"2026-01-01"}""", 400, "invalid-merge" },
        { """{"commandId":"%ID%","merged":["04","01273"],"into":"08","effectiveOn":"2026-01-01"}""", 400, "invalid-merge" },
        { """{"commandId":"%ID%","merged":["04","VN"],"into":"08","effectiveOn":"2026-01-01"}""", 400, "invalid-merge" },
        { """{"commandId":"%ID%","merged":["08"],"into":"08","effectiveOn":"2026-01-01"}""", 400, "invalid-merge" },
        { """{"commandId":"%ID%","merged":["04","04","08"],"into":"08","effectiveOn":"2026-01-01"}""", 400, "invalid-merge" },
        { """{"commandId":"%ID%","merged":["10","15"],"into":"15","effectiveOn":"2026-01-01"}""", 409, "locality-closed" },
        { """{"commandId":"%ID%","merged":["04","08"],"into":"10","effectiveOn":"2026-01-01"}""", 409, "locality-closed" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_merge_that_cannot_be_recorded_is_refused_and_appends_nothing(string body, int status, string problem)
    {
        var before = await Service.EventCountAsync();

        var answer = await Finance.PostRawAsync(body.Replace("%ID%", Guid.NewGuid().ToString(), StringComparison.Ordinal));

        answer.ExpectProblem(status, $"/problems/{problem}");
        Assert.Equal(before, await Service.EventCountAsync());
        Assert.Equal(34, (await Finance.ReadJsonAsync("/api/localities?level=province")).GetArrayLength());
    }

    [Fact]
    public async Task A_second_merge_of_the_same_province_is_refused_naming_its_successor()
    {
        (await Finance.MergeAsync(["04", "08"], "08", "2026-01-01")).Expect(200);
        var before = await Service.EventCountAsync();

        var answer = await Finance.MergeAsync(["04", "11"], "11", "2026-02-01");

        answer.ExpectProblem(409, "/problems/locality-closed");
        Assert.Equal("08", answer.Json.GetProperty("successor").GetString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_merge_dated_before_the_last_movement_of_a_fund_it_moves_is_refused()
    {
        (await Finance.EntrustCentralBudgetAsync(1_000, effectiveOn: "2025-10-01")).Expect(200);
        (await Finance.AllocateAsync("VN", "04", 100, effectiveOn: "2026-02-01")).Expect(200);
        var before = await Service.EventCountAsync();

        var answer = await Finance.MergeAsync(["04", "08"], "08", "2026-01-15");

        answer.ExpectProblem(409, "/problems/effective-date-too-early");
        Assert.Equal(before, await Service.EventCountAsync());
        Assert.Equal("active", (await Finance.ReadJsonAsync("/api/localities/04")).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(Roles.BranchOfficer, "01")]
    [InlineData(Roles.PeopleCommittee, "01")]
    [InlineData(Roles.Analyst, null)]
    public async Task Only_central_finance_may_merge(string role, string? locality)
    {
        var answer = await Service.Client(role, locality).MergeAsync(["04", "08"], "08", "2026-01-01");

        answer.ExpectProblem(403, "/problems/forbidden");
        Assert.Equal(0, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_merge_without_a_token_is_401()
    {
        var answer = await Service.Client().MergeAsync(["04", "08"], "08", "2026-01-01");

        Assert.Equal(401, answer.Status);
        Assert.Equal(0, await Service.EventCountAsync());
    }
}

file static class MergeRequests
{
    public static async Task<Answer> PostRawAsync(this HttpClient client, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/api/localities/merges", content);
        return new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
