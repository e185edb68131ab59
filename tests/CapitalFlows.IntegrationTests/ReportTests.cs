using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
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
/// The bank's reports (API.md, second edition, "Reports in the bank's format"), downloaded over HTTP after a
/// history that crosses the 2025 merger, each workbook opened and its cells checked against the JSON report,
/// the CSV file and the reads beneath them (the summary, the comparison, the entrusted-funds statement).
/// </summary>
public sealed partial class ReportTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string BinhDuong = "74"; // merged into 79 on 2025-07-01
    private const string HoChiMinh = "79";
    private const string ProvinceSheet = "Nguồn vốn theo tỉnh";
    private const string ProgrammeSheet = "Nguồn vốn theo chương trình";
    private const string EntrustedSheet = "Vốn ủy thác địa phương";
    private const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    private static readonly string[] FiveColumns = ["A", "B", "C", "D", "E"];

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    /// <summary>
    /// In the 63-province structure: 10,000 entrusted in January 2024 and allocated in February (74: 3,000 for poor
    /// households, 79: 4,000, 01: 2,000, 15: 1,000); 1,000 lent at 74 in March; 74's committee entrusts 600 for job
    /// creation in May 2024. The reorganisation is recorded as 34 merges effective 2025-07-01. Then 5,000 entrusted
    /// in August 2025, 1,500 of it to 79, and 79's committee entrusts 400 for job creation in September 2025.
    /// Returns an instant after the merges were recorded and before 79's top-up was.
    /// </summary>
    private async Task<DateTimeOffset> RecordHistoryAcrossTheMergerAsync()
    {
        await StartIn63ProvincesAsync();
        using var finance = Finance;
        (await finance.EntrustCentralBudgetAsync(10_000, effectiveOn: "2024-01-15")).Expect(200);
        (await finance.AllocateAsync("VN", BinhDuong, 3_000, toProgramme: PoorHouseholds, effectiveOn: "2024-02-01")).Expect(200);
        (await finance.AllocateAsync("VN", HoChiMinh, 4_000, effectiveOn: "2024-02-01")).Expect(200);
        (await finance.AllocateAsync("VN", "01", 2_000, effectiveOn: "2024-02-01")).Expect(200);
        (await finance.AllocateAsync("VN", "15", 1_000, effectiveOn: "2024-02-01")).Expect(200);
        (await finance.DrawDownAsync(BinhDuong, CentralBudget, PoorHouseholds, 1_000, effectiveOn: "2024-03-01")).Expect(201);
        (await TopUpAsync(BinhDuong, 600, "2024-05-01")).Expect(200);
        foreach (var merge in LocalityDirectory.Reorganisation2025())
            (await finance.MergeAsync([.. merge.Merged], merge.Into, "2025-07-01", merge.Name)).Expect(200);
        (await finance.EntrustCentralBudgetAsync(5_000, effectiveOn: "2025-08-01")).Expect(200);
        (await finance.AllocateAsync("VN", HoChiMinh, 1_500, effectiveOn: "2025-08-02")).Expect(200);
        await Task.Delay(20);
        var beforeTheLastTopUp = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        (await TopUpAsync(HoChiMinh, 400, "2025-09-01")).Expect(200);
        return beforeTheLastTopUp;
    }

    private Task<Answer> TopUpAsync(string locality, long amountVnd, string effectiveOn) =>
        Service.Client(Roles.PeopleCommittee, locality).PostJsonAsync("/api/capital/local-budget-top-ups", new
        {
            commandId = Guid.NewGuid(),
            locality,
            amountVnd,
            programme = JobCreation,
            decisionRef = "NQ-HĐND",
            effectiveOn,
        });

    /// <summary>The store as a history that began before 2025 has it: no merge recorded, 63 provinces.</summary>
    private async Task StartIn63ProvincesAsync()
    {
        await Service.StartIn63ProvincesAsync();
    }

    [GeneratedRegex("^[0-9]{2}$")]
    private static partial Regex ProvinceCode();

    internal static string At(DateTimeOffset instant) =>
        Uri.EscapeDataString(instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("2024-12-31", 10_600, 7_600, 1_000)]
    [InlineData("2025-12-31", 16_000, 9_500, 1_000)]
    public async Task The_capital_by_province_workbook_has_34_provinces_and_a_national_row_equal_to_the_summary(
        string asOf, long nationalVnd, long hoChiMinhVnd, long loansOutstandingVnd)
    {
        await RecordHistoryAcrossTheMergerAsync();
        using var analyst = Service.Client(Roles.Analyst);

        var workbook = await analyst.DownloadAsync($"/api/reports/capital-by-province?asOf={asOf}&format=xlsx");

        Assert.Equal(200, workbook.Status);
        Assert.Equal(Xlsx, workbook.ContentType);
        Assert.Equal($"capital-by-province-{asOf}.xlsx", workbook.FileName);
        var sheet = ReportDriver.Sheet(workbook.Bytes, ProvinceSheet);
        Assert.Equal("BÁO CÁO NGUỒN VỐN THEO TỈNH, THÀNH PHỐ", sheet[0].Text("A"));
        Assert.Equal(("Số liệu đến hết ngày", asOf), (sheet[1].Text("A"), sheet[1].Text("B")));
        Assert.Equal("Theo số liệu ghi nhận đến", sheet[2].Text("A"));
        Assert.Contains(sheet, r => r.Text("A") == "Đơn vị: đồng");
        var header = sheet.FindIndex(r => r.Text("A") == "Mã");
        Assert.Equal(["Mã", "Tên đơn vị", "Nguồn vốn còn lại", "Dư nợ cho vay", "Tổng nguồn vốn"],
            FiveColumns.Select(c => sheet[header].Text(c)));

        var provinces = sheet.Where(r => r.Text("A") is { } code && ProvinceCode().IsMatch(code)).ToList();
        Assert.Equal(34, provinces.Count);
        Assert.DoesNotContain(provinces, r => r.Text("A") == BinhDuong);
        var hoChiMinh = provinces.Single(r => r.Text("A") == HoChiMinh);
        Assert.Equal(("Thành phố Hồ Chí Minh", hoChiMinhVnd), (hoChiMinh.Text("B"), hoChiMinh.Vnd("E")));
        Assert.Equal("Tỉnh Lào Cai", provinces.Single(r => r.Text("A") == "15").Text("B"));

        var summary = await analyst.ReadJsonAsync($"/api/capital/summary?asOf={asOf}");
        var national = sheet.Single(r => r.Text("B") == "Tổng cộng");
        Assert.Equal((summary.Vnd("availableVnd"), summary.Vnd("loansOutstandingVnd"), summary.Vnd("totalVnd")),
            (national.Vnd("C"), national.Vnd("D"), national.Vnd("E")));
        Assert.Equal((nationalVnd, loansOutstandingVnd), (national.Vnd("E"), national.Vnd("D")));
        var heldNationally = sheet.Single(r => r.Text("A") == "VN");
        Assert.Equal(national.Vnd("E"), provinces.Sum(r => r.Vnd("E")) + heldNationally.Vnd("E"));

        var comparison = await analyst.ReadJsonAsync($"/api/capital/compare?dates={asOf}&by=province&structure=current");
        foreach (var row in comparison.GetProperty("rows").EnumerateArray())
        {
            var cell = row.GetProperty("values")[0];
            var line = provinces.Single(r => r.Text("A") == row.GetProperty("code").GetString());
            Assert.Equal((cell.Vnd("availableVnd"), cell.Vnd("loansOutstandingVnd"), cell.Vnd("totalVnd")), (line.Vnd("C"), line.Vnd("D"), line.Vnd("E")));
        }
        Assert.Equal(comparison.GetProperty("heldNationally")[0].Vnd("totalVnd"), heldNationally.Vnd("E"));

        await TheThreeFormatsAgreeAsync(analyst, $"/api/reports/capital-by-province?asOf={asOf}", ProvinceSheet);
    }

    [Fact]
    public async Task The_capital_by_programme_report_lists_every_programme_and_the_summarys_total()
    {
        await RecordHistoryAcrossTheMergerAsync();
        using var finance = Finance;

        var workbook = await finance.DownloadAsync("/api/reports/capital-by-programme?asOf=2024-12-31");

        Assert.Equal((200, Xlsx), (workbook.Status, workbook.ContentType));
        var sheet = ReportDriver.Sheet(workbook.Bytes, ProgrammeSheet);
        var summary = await finance.ReadJsonAsync("/api/capital/summary?asOf=2024-12-31");
        foreach (var programme in summary.GetProperty("byProgramme").EnumerateArray())
        {
            var line = sheet.Single(r => r.Text("A") == programme.GetProperty("code").GetString());
            Assert.Equal(programme.GetProperty("programmeName").GetString(), line.Text("B"));
            Assert.Equal((programme.Vnd("availableVnd"), programme.Vnd("loansOutstandingVnd"), programme.Vnd("totalVnd")),
                (line.Vnd("C"), line.Vnd("D"), line.Vnd("E")));
        }
        var poorHouseholds = sheet.Single(r => r.Text("A") == PoorHouseholds);
        Assert.Equal((2_000L, 1_000L), (poorHouseholds.Vnd("C"), poorHouseholds.Vnd("D")));
        var total = sheet.Single(r => r.Text("B") == "Tổng cộng");
        Assert.Equal((summary.Vnd("totalVnd"), 10_600L), (total.Vnd("E"), total.Vnd("E")));

        await TheThreeFormatsAgreeAsync(finance, "/api/reports/capital-by-programme?asOf=2024-12-31", ProgrammeSheet);
    }

    [Fact]
    public async Task The_entrusted_funds_report_of_a_successor_lists_its_merged_provinces_money_by_programme_and_year()
    {
        var between = await RecordHistoryAcrossTheMergerAsync();
        using var committee = Service.Client(Roles.PeopleCommittee, HoChiMinh);

        var workbook = await committee.DownloadAsync("/api/reports/entrusted-funds?locality=79&asOf=2025-12-31");

        Assert.Equal((200, Xlsx, "entrusted-funds-79-2025-12-31.xlsx"), (workbook.Status, workbook.ContentType, workbook.FileName));
        var sheet = ReportDriver.Sheet(workbook.Bytes, EntrustedSheet);
        Assert.Contains(sheet, r => r.Text("A") == "Đơn vị báo cáo" && r.Text("B") == "Thành phố Hồ Chí Minh (79)");
        Assert.Contains(sheet, r => r.Text("A") == "Đơn vị: đồng");
        var statement = await committee.ReadJsonAsync("/api/localities/79/entrusted-funds?asOf=2025-12-31");
        foreach (var year in statement.GetProperty("byYear").EnumerateArray())
        {
            var subtotal = sheet.Single(r => r.Text("C") == $"Cộng năm {year.GetProperty("year").GetInt32()}");
            Assert.Equal(
                (year.Vnd("entrustedInYearVnd"), year.Vnd("lentInYearVnd"), year.Vnd("repaidInYearVnd"),
                    year.Vnd("outstandingAtYearEndVnd"), year.Vnd("availableAtYearEndVnd")),
                (subtotal.Vnd("D"), subtotal.Vnd("E"), subtotal.Vnd("F"), subtotal.Vnd("G"), subtotal.Vnd("H")));
        }
        var jobCreation2024 = sheet.Single(r => r.Text("A") == "2024" && r.Text("B") == JobCreation);
        Assert.Equal((600L, 600L), (jobCreation2024.Vnd("D"), jobCreation2024.Vnd("H")));
        Assert.Equal(400, sheet.Single(r => r.Text("A") == "2025" && r.Text("B") == JobCreation).Vnd("D"));
        var total = sheet.Single(r => r.Text("C") == "Tổng cộng");
        Assert.Equal(
            (statement.Vnd("entrustedVnd"), statement.Vnd("lentVnd"), statement.Vnd("repaidVnd"), statement.Vnd("outstandingVnd"), statement.Vnd("availableVnd")),
            (total.Vnd("D"), total.Vnd("E"), total.Vnd("F"), total.Vnd("G"), total.Vnd("H")));
        Assert.Equal(1_000, total.Vnd("D"));

        var known = await committee.ReadJsonAsync($"/api/reports/entrusted-funds?locality=79&asOf=2025-12-31&knownAt={At(between)}&format=json");
        var knownStatement = await committee.ReadJsonAsync($"/api/localities/79/entrusted-funds?asOf=2025-12-31&knownAt={At(between)}");
        var knownTotal = known.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("kind").GetString() == "total");
        Assert.Equal((600L, 600L), (knownTotal.Vnd("entrustedVnd"), knownStatement.Vnd("entrustedVnd")));
        Assert.Equal(knownStatement.Vnd("availableVnd"), knownTotal.Vnd("availableVnd"));
        Assert.Equal(between.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
            known.GetProperty("knownAt").GetDateTimeOffset().ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));

        await TheThreeFormatsAgreeAsync(committee, "/api/reports/entrusted-funds?locality=79&asOf=2025-12-31", EntrustedSheet);
    }

    /// <summary>
    /// The JSON report's rows are the workbook's rows below its header, cell for cell, and the CSV file (with its
    /// byte-order mark) holds the same rows as the workbook, title and unit rows included.
    /// </summary>
    internal static async Task TheThreeFormatsAgreeAsync(HttpClient client, string url, string sheetName)
    {
        url += "&knownAt=" + At(DateTimeOffset.UtcNow); // the three downloads show one instant
        var workbook = await client.DownloadAsync(url + "&format=xlsx");
        var csv = await client.DownloadAsync(url + "&format=csv");
        var json = await client.ReadJsonAsync(url + "&format=json");

        var sheet = ReportDriver.Sheet(workbook.Bytes, sheetName);
        var width = json.GetProperty("columns").GetArrayLength();
        var columns = Enumerable.Range(0, width).Select(i => ((char)('A' + i)).ToString()).ToList();
        var sheetCells = sheet.Select(r => columns.Select(c => Cell(r.TryGetValue(c, out var v) ? v : null)).ToList()).ToList();
        var header = sheetCells.FindIndex(r => r[0] == json.GetProperty("columns")[0].GetProperty("header").GetString());
        Assert.Equal(json.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("header").GetString()), sheetCells[header]);
        var jsonRows = json.GetProperty("rows").EnumerateArray()
            .Select(r => json.GetProperty("columns").EnumerateArray().Select(c => Cell(r.GetProperty(c.GetProperty("key").GetString()!))).ToList())
            .ToList();
        Assert.Equal(jsonRows, sheetCells.Skip(header + 1).Take(jsonRows.Count));
        Assert.All(sheetCells.Skip(header + 1 + jsonRows.Count), r => Assert.All(r, c => Assert.Equal("", c)));
        Assert.Equal(sheetName, json.GetProperty("sheet").GetString());
        Assert.Equal("đồng", json.GetProperty("unit").GetString());

        Assert.Equal((200, "text/csv"), (csv.Status, csv.ContentType));
        Assert.Equal([0xEF, 0xBB, 0xBF], csv.Bytes.Take(3));
        var records = ReportDriver.Csv(csv.Text[1..]);
        Assert.Equal(sheetCells.Take(header + 1 + jsonRows.Count), records.Select(r => r.Take(width).ToList()));
        Assert.DoesNotContain(@"\u", csv.Text, StringComparison.Ordinal);
    }

    private static string Cell(object? value) => value switch
    {
        null => "",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.Null } => "",
        JsonElement { ValueKind: JsonValueKind.Number } n => n.TryGetInt64(out var whole)
            ? whole.ToString(CultureInfo.InvariantCulture)
            : n.GetDouble().ToString(CultureInfo.InvariantCulture),
        JsonElement e => e.GetString() ?? "",
        double fraction when fraction != Math.Floor(fraction) => fraction.ToString(CultureInfo.InvariantCulture), // a percentage or a ratio
        _ => Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
    };
}
