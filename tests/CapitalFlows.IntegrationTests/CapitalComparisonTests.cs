using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// <c>GET /api/capital/compare</c> across the 2025 merger (API.md, second edition), on a store that starts in the
/// 63-province structure and records the reorganisation through the merge command, as the demo history does.
/// </summary>
public sealed class CapitalComparisonTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string BinhDuong = "74"; // merged into 79 on 2025-07-01
    private const string HoChiMinh = "79";
    private const string HaNoi = "01";
    private const string YenBai = "15"; // took in 10 Lào Cai and its name
    private const string OldLaoCai = "10";

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    /// <summary>
    /// 10,000 entrusted in January 2024 and all of it allocated in February 2024 (74: 3,000, 79: 4,000, 01: 2,000,
    /// 15: 1,000); the 2025 reorganisation recorded as 34 merges effective 2025-07-01; then 5,000 entrusted in August
    /// 2025, of which 1,500 goes to 79 and 3,500 stays with the nation, and 01 passes 500 to its commune 00004.
    /// </summary>
    private async Task RecordHistoryAcrossTheMergerAsync()
    {
        await StartIn63ProvincesAsync();
        (await Finance.EntrustCentralBudgetAsync(10_000, effectiveOn: "2024-01-15")).Expect(200);
        (await Finance.AllocateAsync("VN", BinhDuong, 3_000, effectiveOn: "2024-02-01")).Expect(200);
        (await Finance.AllocateAsync("VN", HoChiMinh, 4_000, effectiveOn: "2024-02-01")).Expect(200);
        (await Finance.AllocateAsync("VN", HaNoi, 2_000, effectiveOn: "2024-02-01")).Expect(200);
        (await Finance.AllocateAsync("VN", YenBai, 1_000, effectiveOn: "2024-02-01")).Expect(200);
        foreach (var merge in LocalityDirectory.Reorganisation2025())
            (await Finance.MergeAsync([.. merge.Merged], merge.Into, "2025-07-01", merge.Name)).Expect(200);
        (await Finance.EntrustCentralBudgetAsync(5_000, effectiveOn: "2025-08-01")).Expect(200);
        (await Finance.AllocateAsync("VN", HoChiMinh, 1_500, effectiveOn: "2025-08-02")).Expect(200);
        (await Finance.AllocateAsync(HaNoi, "00004", 500, effectiveOn: "2025-08-03")).Expect(200);
    }

    /// <summary>The store as a history that began before 2025 has it: no merge recorded, 63 provinces.</summary>
    private async Task StartIn63ProvincesAsync()
    {
        await Service.StartIn63ProvincesAsync();
        Assert.Equal(63, (await Finance.ReadJsonAsync("/api/localities?level=province")).GetArrayLength());
    }

    private static long Total(JsonElement cell) => cell.Vnd("totalVnd");

    private static Dictionary<string, JsonElement> RowsByCode(JsonElement comparison) =>
        comparison.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("code").GetString()!);

    [Fact]
    public async Task Restated_on_todays_34_provinces_the_columns_sum_to_each_dates_national_total()
    {
        await RecordHistoryAcrossTheMergerAsync();
        using var analyst = Service.Client(Roles.Analyst);

        var comparison = await analyst.ReadJsonAsync("/api/capital/compare?dates=2024-12-31,2025-12-31&by=province&structure=current");

        Assert.Equal(["2024-12-31", "2025-12-31"], comparison.GetProperty("dates").EnumerateArray().Select(d => d.GetString()));
        var rows = comparison.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(34, rows.Count);
        var held = comparison.GetProperty("heldNationally").EnumerateArray().Select(Total).ToList();
        var totals = comparison.GetProperty("totals").EnumerateArray().Select(Total).ToList();
        foreach (var (date, column) in new[] { ("2024-12-31", 0), ("2025-12-31", 1) })
        {
            var summary = await analyst.ReadJsonAsync($"/api/capital/summary?asOf={date}");
            Assert.Equal(summary.Vnd("totalVnd"), totals[column]);
            Assert.Equal(totals[column], rows.Sum(r => Total(r.GetProperty("values")[column])) + held[column]);
        }
        Assert.Equal([10_000L, 15_000L], totals);
        Assert.Equal([0L, 3_500L], held);
        Assert.Equal(rows.Sum(r => Total(r.GetProperty("values")[0])), totals[0]);

        var byCode = RowsByCode(comparison);
        Assert.DoesNotContain(BinhDuong, byCode.Keys);
        Assert.Equal([7_000L, 8_500L], byCode[HoChiMinh].GetProperty("values").EnumerateArray().Select(Total));
        Assert.Equal([2_000L, 2_000L], byCode[HaNoi].GetProperty("values").EnumerateArray().Select(Total));
        Assert.Equal("Tỉnh Lào Cai", byCode[YenBai].GetProperty("name").GetString());
        Assert.Equal("Thành phố Hồ Chí Minh", byCode[HoChiMinh].GetProperty("localityName").GetString());
    }

    [Fact]
    public async Task As_of_each_dates_own_structure_a_merged_province_shows_until_it_closed()
    {
        await RecordHistoryAcrossTheMergerAsync();
        using var finance = Finance;

        var comparison = await finance.ReadJsonAsync("/api/capital/compare?dates=2024-12-31,2025-12-31&structure=asof");

        var byCode = RowsByCode(comparison);
        Assert.Equal(63, byCode.Count);
        var binhDuong = byCode[BinhDuong].GetProperty("values");
        Assert.Equal(3_000, Total(binhDuong[0]));
        Assert.Equal(JsonValueKind.Null, binhDuong[1].ValueKind);
        Assert.Equal([4_000L, 8_500L], byCode[HoChiMinh].GetProperty("values").EnumerateArray().Select(Total));
        Assert.Equal(JsonValueKind.Null, byCode[OldLaoCai].GetProperty("values")[1].ValueKind);
        Assert.Equal(34, byCode.Values.Count(r => r.GetProperty("values")[1].ValueKind != JsonValueKind.Null));
        Assert.Equal("Tỉnh Bình Dương", byCode[BinhDuong].GetProperty("name").GetString());
        var totals = comparison.GetProperty("totals").EnumerateArray().Select(Total).ToList();
        Assert.Equal([10_000L, 15_000L], totals);
    }

    [Fact]
    public async Task By_programme_and_by_source_the_rows_cover_all_the_capital()
    {
        await RecordHistoryAcrossTheMergerAsync();

        foreach (var by in new[] { "programme", "source" })
        {
            var comparison = await Finance.ReadJsonAsync($"/api/capital/compare?dates=2024-12-31,2025-12-31&by={by}");
            var rows = comparison.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal([10_000L, 15_000L], [.. Enumerable.Range(0, 2).Select(i => rows.Sum(r => Total(r.GetProperty("values")[i])))]);
            Assert.False(comparison.TryGetProperty("heldNationally", out _));
        }
        var byProgramme = await Finance.ReadJsonAsync("/api/capital/compare?dates=2025-12-31&by=programme");
        Assert.Equal(15_000, Total(byProgramme.GetProperty("rows").Line("code", General).GetProperty("values")[0]));
        var bySource = await Finance.ReadJsonAsync("/api/capital/compare?dates=2025-12-31&by=source");
        Assert.Equal(15_000, Total(bySource.GetProperty("rows").Line("code", CentralBudget).GetProperty("values")[0]));
    }

    [Theory]
    [InlineData("", "dates")]
    [InlineData("dates=", "dates")]
    [InlineData("dates=2024-12-31,", "dates")]
    [InlineData("dates=31%2F12%2F2024", "dates")]
    [InlineData("dates=2024-12-31,2099-01-01", "dates")]
    [InlineData("dates=2024-12-31,2024-12-31", "dates")]
    [InlineData("dates=2024-01-31,2024-02-29,2024-03-31,2024-04-30,2024-05-31,2024-06-30,2024-07-31,2024-08-31,2024-09-30,2024-10-31,2024-11-30,2024-12-31,2025-01-31", "dates")]
    [InlineData("dates=2024-12-31&by=district", "by")]
    [InlineData("dates=2024-12-31&structure=today", "structure")]
    [InlineData("dates=2024-12-31&knownAt=yesterday", "knownAt")]
    public async Task Bad_input_is_refused_naming_the_field_and_appends_nothing(string query, string field)
    {
        using var analyst = Service.Client(Roles.Analyst);
        (await Finance.EntrustCentralBudgetAsync(1_000)).Expect(200);
        var before = await Service.EventCountAsync();

        var answer = await analyst.GetAnswerAsync("/api/capital/compare?" + query);

        answer.ExpectProblem(400, Validation);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task Twelve_dates_are_read_and_only_central_finance_and_analysts_may_compare()
    {
        const string twelve = "dates=2024-01-31,2024-02-29,2024-03-31,2024-04-30,2024-05-31,2024-06-30,2024-07-31,2024-08-31,2024-09-30,2024-10-31,2024-11-30,2024-12-31";

        var answer = await Finance.ReadJsonAsync("/api/capital/compare?" + twelve);

        Assert.Equal(12, answer.GetProperty("totals").GetArrayLength());
        (await Service.Client(Roles.BranchOfficer, "01").GetAnswerAsync("/api/capital/compare?dates=2024-12-31")).ExpectProblem(403, Forbidden);
        (await Service.Client(Roles.PeopleCommittee, "01").GetAnswerAsync("/api/capital/compare?dates=2024-12-31")).ExpectProblem(403, Forbidden);
        Assert.Equal(401, (await Service.Client().GetAnswerAsync("/api/capital/compare?dates=2024-12-31")).Status);
    }
}
