using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary><c>GET /api/localities?q=</c>: by code or name, without diacritics, best match first, with the other filters.</summary>
public sealed class LocalitySearchReadTests(ServiceFixture service) : IntegrationTest(service)
{
    private HttpClient Reader => Service.Client(Roles.PeopleCommittee, "79");

    private async Task<List<(string Code, string Name)>> FindAsync(string query) =>
        (await Reader.ReadJsonAsync("/api/localities?" + query)).EnumerateArray()
            .Select(l => (l.GetProperty("code").GetString()!, l.GetProperty("name").GetString()!))
            .ToList();

    [Theory]
    [InlineData("q=can%20gio")]
    [InlineData("q=C%E1%BA%A7n%20Gi%E1%BB%9D")]
    [InlineData("q=CAN+GIO&level=commune")]
    [InlineData("q=can%20gio&parent=79")]
    public async Task Can_Gio_is_found_first_without_its_diacritics(string query)
    {
        var found = await FindAsync(query);

        Assert.Equal(("27664", "Xã Cần Giờ"), found[0]);
    }

    [Fact]
    public async Task The_filters_narrow_the_search()
    {
        Assert.Empty(await FindAsync("q=can%20gio&parent=01"));
        Assert.Empty(await FindAsync("q=can%20gio&level=province"));
        Assert.Empty(await FindAsync("q=can%20gio&asOf=2025-06-30"));
        var provinces = await FindAsync("q=dak%20lak&level=province");
        Assert.Equal([("66", "Tỉnh Đắk Lắk")], provinces);
        var old = await FindAsync("q=yen%20bai&level=province&asOf=2025-06-30");
        Assert.Equal([("15", "Tỉnh Yên Bái")], old);
        Assert.Empty(await FindAsync("q=yen%20bai&level=province"));
        Assert.Equal(["15", "10"], (await FindAsync("q=lao%20cai&level=province&status=all")).Select(l => l.Code));
    }

    [Fact]
    public async Task A_code_finds_its_unit_first_and_at_most_50_units_are_listed()
    {
        Assert.Equal("00004", (await FindAsync("q=00004"))[0].Code);
        Assert.Equal("79", (await FindAsync("q=79"))[0].Code);
        Assert.Equal(50, (await FindAsync("q=xa")).Count);
    }

    [Theory]
    [InlineData("q=")]
    [InlineData("q=%20%20")]
    [InlineData("q=---")]
    [InlineData("q=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task A_blank_or_over_long_query_is_refused_naming_q(string query)
    {
        var answer = await Reader.GetAnswerAsync("/api/localities?" + query);

        answer.ExpectProblem(400, Validation);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty("q", out _), answer.ToString());
    }
}
