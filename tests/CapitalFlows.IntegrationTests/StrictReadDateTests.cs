using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Every balance read takes <c>asOf</c> and <c>knownAt</c> and parses them strictly (API.md, second edition):
/// <c>asOf</c> exactly YYYY-MM-DD, <c>knownAt</c> an ISO-8601 instant with its offset or Z; locale forms, instants
/// without an offset and future values are 400 validation naming the field.
/// </summary>
public sealed class StrictReadDateTests(ServiceFixture service) : IntegrationTest(service)
{
    public static readonly string[] Reads =
    [
        "/api/localities/01/capital?",
        "/api/localities/01/allocations?",
        "/api/localities/01/entrusted-funds?",
        "/api/capital/summary?",
        "/api/capital/compare?dates=2025-12-31&",
        "/api/loans/00000000-0000-0000-0000-000000000001?",
        "/api/localities?",
        "/api/localities/01?",
    ];

    public static readonly (string Query, string Field)[] Refused =
    [
        ("knownAt=1%2F2%2F2026", "knownAt"),
        ("knownAt=2026-01-02T00%3A00%3A00", "knownAt"),
        ("knownAt=2026-01-02", "knownAt"),
        ("knownAt=2099-01-02T00%3A00%3A00%2B07%3A00", "knownAt"),
        ("asOf=1%2F2%2F2026", "asOf"),
        ("asOf=2026-1-2", "asOf"),
        ("asOf=2099-01-01", "asOf"),
    ];

    public static TheoryData<string, string, string> Cases()
    {
        var cases = new TheoryData<string, string, string>();
        foreach (var read in Reads)
            foreach (var (query, field) in Refused)
                if (!(read.StartsWith("/api/capital/compare", StringComparison.Ordinal) && field == "asOf"))
                    cases.Add(read, query, field);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_malformed_or_future_date_is_refused_naming_it(string read, string query, string field)
    {
        using var analyst = Service.Client(Roles.Analyst);

        var answer = await analyst.GetAnswerAsync(read + query);

        answer.ExpectProblem(400, Validation);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.ToString());
    }

    [Theory]
    [InlineData("knownAt=2026-01-02T00%3A00%3A00%2B07%3A00")]
    [InlineData("knownAt=2026-01-01T17%3A00%3A00Z")]
    [InlineData("knownAt=2026-01-01T17%3A00%3A00.5Z")]
    [InlineData("asOf=2025-06-30&knownAt=2025-07-01T00%3A00%3A00Z")]
    public async Task An_instant_with_its_offset_or_Z_is_read(string query)
    {
        using var analyst = Service.Client(Roles.Analyst);

        foreach (var read in Reads.Where(r => !r.StartsWith("/api/loans", StringComparison.Ordinal)))
            (await analyst.GetAnswerAsync(read + query)).Expect(200);
    }
}
