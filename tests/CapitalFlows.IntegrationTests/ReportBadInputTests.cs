using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// What <c>GET /api/reports/{report}</c> refuses, and whom: an unknown report is 404, bad parameters are 400 naming
/// each field, the capital and credit-plan reports are for central finance and analysts, the entrusted-funds and
/// credit-quality reports are scoped as their reads. None of it appends anything.
/// </summary>
public sealed class ReportBadInputTests(ServiceFixture service) : IntegrationTest(service)
{
    private static readonly string[] AllThree = ["format", "asOf", "locality"];

    [Theory]
    [InlineData("capital-by-province?format=pdf", "format")]
    [InlineData("capital-by-province?format=XLSX", "format")]
    [InlineData("capital-by-programme?asOf=garbage", "asOf")]
    [InlineData("capital-by-programme?asOf=31%2F12%2F2024", "asOf")]
    [InlineData("capital-by-province?asOf=2099-01-01", "asOf")]
    [InlineData("capital-by-province?knownAt=1%2F2%2F2026", "knownAt")]
    [InlineData("capital-by-province?knownAt=2026-01-02T00:00:00", "knownAt")]
    [InlineData("entrusted-funds", "locality")]
    [InlineData("entrusted-funds?locality=", "locality")]
    [InlineData("entrusted-funds?locality=01&knownAt=yesterday", "knownAt")]
    [InlineData("credit-plan?year=twenty-five", "year")]
    [InlineData("credit-plan?year=2025.0", "year")]
    [InlineData("credit-plan?year=-2025", "year")]
    [InlineData("credit-plan?year=1999", "year")]
    [InlineData("credit-plan?year=2999", "year")]
    [InlineData("credit-quality?asOf=garbage", "asOf")]
    public async Task Bad_input_is_400_naming_the_field_and_appends_nothing(string query, string field)
    {
        (await Service.Client(Roles.CentralFinance).EntrustCentralBudgetAsync(1_000)).Expect(200);
        var before = await Service.EventCountAsync();

        var answer = await Service.Client(Roles.Analyst).GetAnswerAsync("/api/reports/" + query);

        answer.ExpectProblem(400, Validation);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task Every_field_error_is_listed_in_one_answer()
    {
        var answer = await Service.Client(Roles.Analyst).GetAnswerAsync("/api/reports/entrusted-funds?format=pdf&asOf=garbage");

        answer.ExpectProblem(400, Validation);
        var errors = answer.Json.GetProperty("errors");
        Assert.All(AllThree, f => Assert.True(errors.TryGetProperty(f, out _), answer.ToString()));
    }

    [Theory]
    [InlineData("capital-by-district")]
    [InlineData("CAPITAL-BY-PROVINCE")]
    public async Task An_unknown_report_is_404(string report)
    {
        var answer = await Service.Client(Roles.Analyst).GetAnswerAsync($"/api/reports/{report}?format=json");

        answer.ExpectProblem(404, NotFound);
        Assert.Contains("capital-by-province", answer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("entrusted-funds")]
    [InlineData("credit-quality")]
    public async Task An_unknown_locality_is_404(string report)
    {
        var answer = await Service.Client(Roles.Analyst).GetAnswerAsync($"/api/reports/{report}?locality=99999&format=json");

        answer.ExpectProblem(404, NotFound);
    }

    [Theory]
    [InlineData("capital-by-province", Roles.PeopleCommittee, "01")]
    [InlineData("capital-by-province", Roles.BranchOfficer, "01")]
    [InlineData("capital-by-programme", Roles.PeopleCommittee, "01")]
    [InlineData("capital-by-programme?format=pdf", Roles.BranchOfficer, "01")]
    [InlineData("entrusted-funds?locality=79", Roles.PeopleCommittee, "01")]
    [InlineData("entrusted-funds?locality=VN", Roles.PeopleCommittee, "01")]
    [InlineData("entrusted-funds?locality=79", Roles.BranchOfficer, "01")]
    [InlineData("credit-plan", Roles.PeopleCommittee, "01")]
    [InlineData("credit-plan?year=garbage", Roles.BranchOfficer, "01")]
    [InlineData("credit-quality", Roles.BranchOfficer, "01")]
    [InlineData("credit-quality?locality=79", Roles.PeopleCommittee, "01")]
    public async Task A_role_or_scope_that_may_not_read_the_report_is_403(string query, string role, string locality)
    {
        var answer = await Service.Client(role, locality).GetAnswerAsync("/api/reports/" + query);

        answer.ExpectProblem(403, Forbidden);
    }

    [Theory]
    [InlineData("capital-by-province", Roles.CentralFinance, null)]
    [InlineData("capital-by-programme", Roles.Analyst, null)]
    [InlineData("entrusted-funds?locality=01", Roles.PeopleCommittee, "01")]
    [InlineData("entrusted-funds?locality=00004", Roles.PeopleCommittee, "01")]
    [InlineData("entrusted-funds?locality=01", Roles.BranchOfficer, "01")]
    [InlineData("entrusted-funds?locality=79", Roles.CentralFinance, null)]
    [InlineData("entrusted-funds?locality=VN", Roles.Analyst, null)]
    [InlineData("credit-plan?year=2025", Roles.CentralFinance, null)]
    [InlineData("credit-plan", Roles.Analyst, null)]
    [InlineData("credit-quality", Roles.CentralFinance, null)]
    [InlineData("credit-quality?locality=01", Roles.BranchOfficer, "01")]
    [InlineData("credit-quality?locality=00004", Roles.PeopleCommittee, "01")]
    public async Task Central_finance_analysts_and_the_scoped_roles_within_their_scope_read_them(string query, string role, string? locality)
    {
        var answer = await Service.Client(role, locality).GetAnswerAsync("/api/reports/" + query + (query.Contains('?') ? "&" : "?") + "format=json");

        answer.Expect(200);
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        Assert.Equal(401, (await Service.Client().GetAnswerAsync("/api/reports/capital-by-province")).Status);
    }
}
