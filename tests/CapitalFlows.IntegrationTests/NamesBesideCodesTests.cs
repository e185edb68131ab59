using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Reads that carry a locality or programme code carry its official Vietnamese name beside it (API.md, second
/// edition), and <c>capital?by=child</c> lists each direct child's subtree in the same call.
/// </summary>
public sealed class NamesBesideCodesTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Billion = 1_000_000_000;
    private const string PoorHouseholdsName = "Cho vay hộ nghèo";

    private HttpClient Analyst => Service.Client(Roles.Analyst);

    [Fact]
    public async Task Capital_names_the_locality_and_every_funds_programme()
    {
        await Service.RecordLedgerScenarioAsync();

        var capital = await Analyst.ReadJsonAsync("/api/localities/01/capital");

        Assert.Equal("Thành phố Hà Nội", capital.GetProperty("localityName").GetString());
        var poor = capital.GetProperty("own").GetProperty("funds").EnumerateArray()
            .Single(f => f.GetProperty("programme").GetString() == PoorHouseholds);
        Assert.Equal(PoorHouseholdsName, poor.GetProperty("programmeName").GetString());
        Assert.All(capital.GetProperty("subtree").GetProperty("funds").EnumerateArray(),
            f => Assert.False(string.IsNullOrEmpty(f.GetProperty("programmeName").GetString())));
        Assert.False(capital.TryGetProperty("children", out _));
    }

    [Fact]
    public async Task Names_are_read_as_of_the_date_asked()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(1_000, effectiveOn: "2025-01-02")).Expect(200);
        (await finance.AllocateAsync("VN", "15", 100, effectiveOn: "2025-01-03")).Expect(200);

        Assert.Equal("Tỉnh Yên Bái", (await Analyst.ReadJsonAsync("/api/localities/15/capital?asOf=2025-06-30")).GetProperty("localityName").GetString());
        Assert.Equal("Tỉnh Lào Cai", (await Analyst.ReadJsonAsync("/api/localities/15/capital")).GetProperty("localityName").GetString());
        var summary = await Analyst.ReadJsonAsync("/api/capital/summary?asOf=2025-06-30");
        Assert.Equal("Tỉnh Yên Bái", summary.GetProperty("byProvince").Line("code", "15").GetProperty("localityName").GetString());
    }

    [Fact]
    public async Task Allocations_summary_and_history_name_their_programmes_and_localities()
    {
        await Service.RecordLedgerScenarioAsync();

        var allocations = await Analyst.ReadJsonAsync("/api/localities/01/allocations");
        Assert.Equal(PoorHouseholdsName, allocations.Line("programme", PoorHouseholds).GetProperty("programmeName").GetString());

        var summary = await Analyst.ReadJsonAsync("/api/capital/summary");
        Assert.Equal("Thành phố Hồ Chí Minh", summary.GetProperty("byProvince").Line("code", "79").GetProperty("localityName").GetString());
        Assert.Equal(PoorHouseholdsName, summary.GetProperty("byProgramme").Line("code", PoorHouseholds).GetProperty("programmeName").GetString());

        var history = (await Analyst.ReadJsonAsync("/api/localities/00004/history")).GetProperty("items").EnumerateArray().ToList();
        Assert.NotEmpty(history);
        Assert.All(history, item =>
        {
            Assert.Equal("00004", item.GetProperty("locality").GetString());
            Assert.Equal("Phường Ba Đình", item.GetProperty("localityName").GetString());
            Assert.Equal(PoorHouseholds, item.GetProperty("programme").GetString());
            Assert.Equal(PoorHouseholdsName, item.GetProperty("programmeName").GetString());
        });
    }

    [Fact]
    public async Task By_child_lists_each_direct_childs_subtree_in_one_call()
    {
        await Service.RecordLedgerScenarioAsync();

        var nation = await Analyst.ReadJsonAsync("/api/localities/VN/capital?by=child");
        var provinces = nation.GetProperty("children").EnumerateArray().ToList();
        Assert.Equal(34, provinces.Count);
        var hanoi = provinces.Single(c => c.GetProperty("code").GetString() == "01");
        Assert.Equal("Thành phố Hà Nội", hanoi.GetProperty("name").GetString());
        Assert.Equal(320 * Billion, hanoi.Vnd("availableVnd"));
        Assert.Equal(200 * Billion, provinces.Single(c => c.GetProperty("code").GetString() == "79").Vnd("availableVnd"));
        Assert.Equal(
            nation.GetProperty("subtree").Vnd("availableVnd") - nation.GetProperty("own").Vnd("availableVnd"),
            provinces.Sum(c => c.Vnd("availableVnd")));

        var hanoiCapital = await Analyst.ReadJsonAsync("/api/localities/01/capital?by=child");
        var communes = hanoiCapital.GetProperty("children").EnumerateArray().ToList();
        Assert.Equal(126, communes.Count);
        Assert.Equal(50 * Billion, communes.Single(c => c.GetProperty("code").GetString() == "00004").Vnd("availableVnd"));
        Assert.Equal(50 * Billion, communes.Sum(c => c.Vnd("availableVnd")));

        var before = await Analyst.ReadJsonAsync("/api/localities/VN/capital?by=child&asOf=2025-06-30");
        Assert.Equal(63, before.GetProperty("children").GetArrayLength());
        Assert.All(before.GetProperty("children").EnumerateArray(), c => Assert.Equal(0, c.Vnd("availableVnd") + c.Vnd("loansOutstandingVnd")));
    }

    [Theory]
    [InlineData("by=province")]
    [InlineData("by=child&asOf=2099-01-01")]
    public async Task An_unknown_by_is_refused_naming_it(string query)
    {
        var answer = await Analyst.GetAnswerAsync("/api/localities/01/capital?" + query);

        answer.ExpectProblem(400, Validation);
        Assert.True(answer.Json.GetProperty("errors").EnumerateObject().Any(), answer.ToString());
    }
}
