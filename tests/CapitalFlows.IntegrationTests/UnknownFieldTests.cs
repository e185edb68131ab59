using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// A body member that the command does not have is refused, never dropped (API.md, second edition): a misspelt
/// <c>decisonRef</c> would lose the decision reference. 400 validation, one error per unknown member, nothing appended,
/// and the command id stays free.
/// </summary>
public sealed class UnknownFieldTests(ServiceFixture service) : IntegrationTest(service)
{
    public static TheoryData<string, string, string[]> Bodies => new()
    {
        {
            "/api/capital/central-entrustments",
            """{"commandId":"%ID%","amountVnd":1000,"decisonRef":"QĐ-123"}""",
            ["decisonRef"]
        },
        {
            "/api/capital/local-budget-top-ups",
            """{"commandId":"%ID%","locality":"01","amountVnd":1000,"decisionRef":"NQ-1","decisonRef":"NQ-1","programe":"job-creation"}""",
            ["decisonRef", "programe"]
        },
        {
            "/api/allocations",
            """{"commandId":"%ID%","from":"VN","to":"01","source":"central-budget","programme":"general","amountVnd":1000,"note":"x"}""",
            ["note"]
        },
        {
            "/api/loans",
            """{"commandId":"%ID%","locality":"01","source":"central-budget","programme":"poor-households","amountVnd":1000,"borrowerRef":"HH-1","entrustedOrganisation":"womens-union","termMonths":12,"interestRate":0.5}""",
            ["interestRate"]
        },
        {
            "/api/localities/merges",
            """{"commandId":"%ID%","merged":["04","08"],"into":"08","effectiveOn":"2026-01-01","mergedOn":"2026-01-01"}""",
            ["mergedOn"]
        },
        {
            "/api/reversals",
            """{"commandId":"%ID%","reversedCommandId":"%ID%","reason":"x","reversedCommand":"%ID%"}""",
            ["reversedCommand"]
        },
        {
            "/api/capital/mobilisations",
            """{"commandId":"%ID%","amountVnd":"1000","instrument":"bonds","reference":"B-1","extra":null}""",
            ["extra", "amountVnd"]
        },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task An_unknown_member_is_refused_naming_it_and_nothing_is_appended(string route, string body, string[] fields)
    {
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(1_000_000)).Expect(200);
        var before = await Service.EventCountAsync();

        var answer = await finance.PostJsonAsync(route, body.Replace("%ID%", Guid.NewGuid().ToString(), StringComparison.Ordinal));

        answer.ExpectProblem(400, Validation);
        var errors = answer.Json.GetProperty("errors");
        Assert.Equal(fields.Order(StringComparer.Ordinal), errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task The_same_command_with_the_field_spelt_right_is_accepted_under_the_same_id()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        var id = Guid.NewGuid();

        (await finance.PostJsonAsync("/api/capital/central-entrustments", new { commandId = id, amountVnd = 1_000, decisonRef = "QĐ-123" }))
            .ExpectProblem(400, Validation);
        var answer = await finance.PostJsonAsync("/api/capital/central-entrustments", new { commandId = id, amountVnd = 1_000, decisionRef = "QĐ-123" });

        answer.Expect(200);
    }

    [Fact]
    public async Task Member_names_are_read_case_insensitively_as_the_service_reads_bodies()
    {
        using var finance = Service.Client(Roles.CentralFinance);

        var answer = await finance.PostJsonAsync("/api/capital/central-entrustments",
            $$"""{"CommandId":"{{Guid.NewGuid()}}","AMOUNTVND":1000,"decisionref":"QĐ-123"}""");

        answer.Expect(200);
    }
}
