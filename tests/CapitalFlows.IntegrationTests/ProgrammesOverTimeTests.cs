using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Programmes whose rules change over time (issue 12): the programme list as of a date, and every drawdown judged
/// by the rules of its effective date.
/// </summary>
public sealed class ProgrammesOverTimeTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Million = 1_000_000;
    private const long Billion = 1_000_000_000;
    private const string CleanWater = "clean-water-sanitation";
    private const string PostPrison = "post-prison-reintegration";

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private static JsonElement Programme(JsonElement list, string code) =>
        list.EnumerateArray().Single(p => p.GetProperty("code").GetString() == code);

    [Fact]
    public async Task The_programme_list_gives_each_programmes_cap_and_term_as_they_stood_on_the_date_asked()
    {
        var before = await Finance.ReadJsonAsync("/api/programmes?asOf=2024-09-01");
        var after = await Finance.ReadJsonAsync("/api/programmes?asOf=2024-09-02");
        var beforePostPrison = await Finance.ReadJsonAsync("/api/programmes?asOf=2023-07-31");

        Assert.Equal(10 * Million, Programme(before, CleanWater).Vnd("maxLoanVnd"));
        Assert.Equal(25 * Million, Programme(after, CleanWater).Vnd("maxLoanVnd"));
        Assert.Equal("2024-09-02", Programme(after, CleanWater).GetProperty("rulesFrom").GetString());
        Assert.False(Programme(beforePostPrison, PostPrison).GetProperty("lendable").GetBoolean());
        Assert.Equal(JsonValueKind.Null, Programme(beforePostPrison, PostPrison).GetProperty("maxLoanVnd").ValueKind);
        Assert.True(Programme(before, PostPrison).GetProperty("lendable").GetBoolean());
        Assert.All(after.EnumerateArray().Where(p => p.GetProperty("code").GetString() != General), p =>
        {
            Assert.True(p.GetProperty("maxLoanVnd").GetInt64() > 0);
            Assert.True(p.GetProperty("maxTermMonths").GetInt32() > 0);
        });
    }

    [Theory]
    [InlineData("2024-13-01")]
    [InlineData("1/2/2024")]
    [InlineData("2999-01-01")]
    public async Task A_malformed_or_future_date_for_the_programme_list_is_a_validation_problem(string asOf)
    {
        (await Finance.GetAnswerAsync($"/api/programmes?asOf={Uri.EscapeDataString(asOf)}")).ExpectProblem(400, Validation);
    }

    [Fact]
    public async Task A_clean_water_drawdown_of_20_million_is_refused_for_its_cap_on_2024_06_01_and_accepted_on_2024_10_01()
    {
        (await Finance.EntrustCentralBudgetAsync(10 * Billion, CleanWater, effectiveOn: "2024-01-02")).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 1 * Billion, CentralBudget, CleanWater, effectiveOn: "2024-01-03")).Expect(200);
        using var branch = Service.Client(Roles.BranchOfficer, "01");
        var eventsBefore = await Service.EventCountAsync();

        var refused = (await branch.DrawDownAsync("01", CentralBudget, CleanWater, 20 * Million, effectiveOn: "2024-06-01"))
            .ExpectProblem(400, ProgrammeLimit);
        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        Assert.Contains("10000000", refused.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var accepted = await branch.DrawDownAsync("01", CentralBudget, CleanWater, 20 * Million, effectiveOn: "2024-10-01");
        Assert.Equal(20 * Million, (await branch.ReadLoanAsync(accepted.LoanId())).Vnd("principalVnd"));
    }

    [Fact]
    public async Task A_post_prison_drawdown_before_the_programme_opened_on_2023_08_01_is_not_lendable_and_appends_nothing()
    {
        (await Finance.EntrustCentralBudgetAsync(10 * Billion, PostPrison, effectiveOn: "2023-01-02")).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 1 * Billion, CentralBudget, PostPrison, effectiveOn: "2023-01-03")).Expect(200);
        using var branch = Service.Client(Roles.BranchOfficer, "01");
        var eventsBefore = await Service.EventCountAsync();

        (await branch.DrawDownAsync("01", CentralBudget, PostPrison, 50 * Million, termMonths: 36, effectiveOn: "2023-07-31"))
            .ExpectProblem(400, NotLendable);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        (await branch.DrawDownAsync("01", CentralBudget, PostPrison, 50 * Million, termMonths: 36, effectiveOn: "2023-08-01")).Expect(201);
    }
}
