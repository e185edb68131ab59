using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// <c>X-Correlation-ID</c> is stored on the events and reaches the exports, so only a plain token is taken:
/// 1–128 characters of letters, digits and <c>. _ : / -</c>, not starting with <c>-</c>. Anything else is 400
/// <c>validation</c> naming the header, and nothing is appended (it used to be stored as sent, a leading
/// <c>=</c> becoming a spreadsheet formula in the CSV export). (An empty header is refused too, but the in-memory
/// test server drops it before the service sees it.)
/// </summary>
public sealed class CorrelationIdTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string Header = "X-Correlation-ID";

    public static TheoryData<string> NotPlainTokens() =>
    [
        "=HYPERLINK(\"http://evil.example\",\"open\")",
        "=1+2",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "two words",
        "semi;colon",
        "tab\there",
        "quote\"d",
        "<script>",
        new string('a', 129),
    ];

    [Theory]
    [MemberData(nameof(NotPlainTokens))]
    public async Task A_correlation_id_that_is_not_a_plain_token_is_400_validation_and_appends_nothing(string correlationId)
    {
        using var finance = Service.Client(Roles.CentralFinance);
        Assert.True(finance.DefaultRequestHeaders.TryAddWithoutValidation(Header, correlationId));
        var before = await Service.EventCountAsync();

        var answer = await finance.EntrustCentralBudgetAsync(1_000_000);

        Assert.True(answer.Status == 400, answer.ToString());
        Assert.Equal("/problems/validation", answer.ProblemType);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(Header, out _), answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task Two_correlation_ids_are_400_validation()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        finance.DefaultRequestHeaders.Add(Header, ["first", "second"]);
        var before = await Service.EventCountAsync();

        var answer = await finance.EntrustCentralBudgetAsync(1_000_000);

        Assert.True(answer.Status == 400, answer.ToString());
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(Header, out _), answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_read_with_a_malformed_correlation_id_is_400_too()
    {
        using var analyst = Service.Client(Roles.Analyst);
        Assert.True(analyst.DefaultRequestHeaders.TryAddWithoutValidation(Header, "=cmd()"));

        var answer = await analyst.GetAnswerAsync("/api/capital/summary");

        Assert.True(answer.Status == 400, answer.ToString());
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(Header, out _), answer.ToString());
    }

    [Theory]
    [InlineData("4f8d3a52-35a7-4d8e-9b7c-2f9a4c1d7e01")]
    [InlineData("branch-01/2026.12.05:batch_7")]
    [InlineData("x")]
    public async Task A_plain_correlation_id_is_stored_on_the_events(string correlationId)
    {
        using var finance = Service.Client(Roles.CentralFinance);
        finance.DefaultRequestHeaders.Add(Header, correlationId);
        var commandId = Guid.NewGuid();

        (await finance.EntrustCentralBudgetAsync(1_000_000, commandId: commandId)).Expect(200);

        var history = await finance.ReadJsonAsync("/api/localities/VN/history");
        var item = Assert.Single(history.GetProperty("items").EnumerateArray(), i => i.GetProperty("commandId").GetString() == commandId.ToString());
        Assert.Equal(correlationId, item.GetProperty("correlationId").GetString());
    }

    [Fact]
    public async Task Without_a_correlation_id_the_trace_id_is_stored()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        var commandId = Guid.NewGuid();

        (await finance.EntrustCentralBudgetAsync(1_000_000, commandId: commandId)).Expect(200);

        var history = await finance.ReadJsonAsync("/api/localities/VN/history");
        var item = Assert.Single(history.GetProperty("items").EnumerateArray(), i => i.GetProperty("commandId").GetString() == commandId.ToString());
        Assert.False(string.IsNullOrEmpty(item.GetProperty("correlationId").GetString()));
    }
}
