using System.Globalization;
using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The <c>credit-plan</c> and <c>credit-quality</c> reports (API.md, second edition, "Reports in the bank's format"),
/// each workbook opened and its cells checked against the JSON report, the CSV file and the read beneath it
/// (<c>GET /api/capital/plans</c>, <c>GET /api/localities/VN/credit-quality?by=child</c>).
/// </summary>
public sealed class CreditReportTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Million = 1_000_000;
    private const string PlanSheet = "Kế hoạch tín dụng";
    private const string QualitySheet = "Chất lượng tín dụng";
    private static readonly int Year = ServiceFixture.Today.Year;
    private static readonly string LastDecember = $"{Year - 1}-12-01";
    private static readonly string NewYearsDay = $"{Year}-01-01";
    private static readonly string[] Figures = ["C", "D", "E", "F", "G", "H", "I", "J", "K"];

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private static Task<Answer> PlanAsync(HttpClient client, string locality, long outstanding, long disbursement) =>
        client.PostJsonAsync("/api/credit-plans", new
        {
            commandId = Guid.NewGuid(), year = Year, locality, programme = PoorHouseholds,
            outstandingTargetVnd = outstanding, disbursementTargetVnd = disbursement, decisionRef = "QĐ-NHCS kế hoạch tín dụng",
        });

    /// <summary>
    /// Last December 500m for poor households reaches 01 and 300m reaches 79. This year 100m is lent at 01 and its
    /// committee entrusts 1bn. Plans: 01 outstanding 200m, disbursement 400m, local capital 2bn; 79 100m and 50m.
    /// </summary>
    private async Task RecordPlansAsync()
    {
        using var finance = Finance;
        (await finance.EntrustCentralBudgetAsync(1_000 * Million, PoorHouseholds, effectiveOn: LastDecember)).Expect(200);
        (await finance.AllocateAsync("VN", "01", 500 * Million, programme: PoorHouseholds, effectiveOn: LastDecember)).Expect(200);
        (await finance.AllocateAsync("VN", "79", 300 * Million, programme: PoorHouseholds, effectiveOn: LastDecember)).Expect(200);
        (await Service.Client(Roles.BranchOfficer, "01").DrawDownAsync("01", CentralBudget, PoorHouseholds, 100 * Million, effectiveOn: NewYearsDay))
            .Expect(201);
        (await Service.Client(Roles.PeopleCommittee, "01").TopUpLocalBudgetAsync("01", 1_000 * Million)).Expect(200);
        (await PlanAsync(finance, "01", 200 * Million, 400 * Million)).Expect(200);
        (await PlanAsync(finance, "79", 100 * Million, 50 * Million)).Expect(200);
        (await finance.PostJsonAsync("/api/local-capital-plans", new
        {
            commandId = Guid.NewGuid(), year = Year, locality = "01", amountVnd = 2_000 * Million, decisionRef = "NQ-HĐND kế hoạch vốn ủy thác",
        })).Expect(200);
    }

    private static object? Number(JsonElement e, string name) => e.GetProperty(name) switch
    {
        { ValueKind: JsonValueKind.Null } => null,
        var n when n.TryGetInt64(out var whole) => whole,
        var n => n.GetDouble(),
    };

    private static object? Cell(IDictionary<string, object?> row, string column) => row.TryGetValue(column, out var v) ? v switch
    {
        null => null,
        double d when d != Math.Floor(d) => d,
        _ => Convert.ToInt64(v, CultureInfo.InvariantCulture),
    } : null;

    [Fact]
    public async Task The_credit_plan_workbook_has_a_row_per_province_as_the_plans_read_and_a_national_total()
    {
        await RecordPlansAsync();
        using var analyst = Service.Client(Roles.Analyst);

        var workbook = await analyst.DownloadAsync($"/api/reports/credit-plan?year={Year}");

        Assert.Equal(200, workbook.Status);
        Assert.StartsWith($"credit-plan-{Year}-", workbook.FileName, StringComparison.Ordinal);
        var sheet = ReportDriver.Sheet(workbook.Bytes, PlanSheet);
        Assert.Equal($"BÁO CÁO THỰC HIỆN KẾ HOẠCH TÍN DỤNG NĂM {Year}", sheet[0].Text("A"));
        Assert.Contains(sheet, r => r.Text("A") == "Đơn vị: đồng");
        var plans = await analyst.ReadJsonAsync($"/api/capital/plans?year={Year}");
        var provinces = plans.GetProperty("provinces").EnumerateArray().ToList();
        Assert.Equal(34, provinces.Count);
        foreach (var province in provinces)
        {
            var line = sheet.Single(r => r.Text("A") == province.GetProperty("locality").GetString());
            Assert.Equal(province.GetProperty("localityName").GetString(), line.Text("B"));
            var (outstanding, disbursement, local) =
                (province.GetProperty("outstanding"), province.GetProperty("disbursement"), province.GetProperty("localCapital"));
            Assert.Equal(
                [Number(outstanding, "targetVnd"), Number(outstanding, "actualVnd"), Number(outstanding, "pct"),
                    Number(disbursement, "targetVnd"), Number(disbursement, "actualVnd"), Number(disbursement, "pct"),
                    Number(local, "plannedVnd"), Number(local, "entrustedVnd"), Number(local, "pct")],
                Figures.Select(c => Cell(line, c)));
        }
        var hanoi = sheet.Single(r => r.Text("A") == "01");
        Assert.Equal([200 * Million, 100 * Million, 50L, 400 * Million, 100 * Million, 25L, 2_000 * Million, 1_000 * Million, 50L],
            Figures.Select(c => Cell(hanoi, c)));

        var total = sheet.Single(r => r.Text("B") == "Tổng cộng");
        Assert.Equal([300 * Million, 100 * Million, 33.3, 450 * Million, 100 * Million, 22.2, 2_000 * Million, 1_000 * Million, 50L],
            Figures.Select(c => Cell(total, c)));

        await ReportTests.TheThreeFormatsAgreeAsync(analyst, $"/api/reports/credit-plan?year={Year}", PlanSheet);
    }

    [Fact]
    public async Task The_credit_plan_year_defaults_to_the_year_of_asOf()
    {
        await RecordPlansAsync();
        using var finance = Finance;

        var lastYear = await finance.ReadJsonAsync($"/api/reports/credit-plan?asOf={Year - 1}-12-31&format=json");
        var thisYear = await finance.ReadJsonAsync("/api/reports/credit-plan?format=json");

        Assert.Equal($"BÁO CÁO THỰC HIỆN KẾ HOẠCH TÍN DỤNG NĂM {Year - 1}", lastYear.GetProperty("title").GetString());
        var hanoiLastYear = lastYear.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("code").GetString() == "01");
        Assert.Equal(JsonValueKind.Null, hanoiLastYear.GetProperty("outstandingTargetVnd").ValueKind);
        var hanoi = thisYear.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("code").GetString() == "01");
        Assert.Equal(200 * Million, hanoi.Vnd("outstandingTargetVnd"));
    }

    /// <summary>
    /// A 24-month loan of 60m at 01 drawn nine months ago misses its first instalment of 15m; a 60m loan at commune
    /// 00004 pays it; a 40m loan at 79 has 10m written off.
    /// </summary>
    private async Task RecordLoansAsync()
    {
        var drawn = ServiceFixture.Today.AddMonths(-9);
        string D(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using var finance = Finance;
        (await finance.EntrustCentralBudgetAsync(1_000 * Million, PoorHouseholds, effectiveOn: D(drawn.AddDays(-2)))).Expect(200);
        (await finance.AllocateAsync("VN", "01", 300 * Million, CentralBudget, PoorHouseholds, effectiveOn: D(drawn.AddDays(-1)))).Expect(200);
        (await finance.AllocateAsync("01", "00004", 100 * Million, CentralBudget, PoorHouseholds, effectiveOn: D(drawn.AddDays(-1)))).Expect(200);
        (await finance.AllocateAsync("VN", "79", 300 * Million, CentralBudget, PoorHouseholds, effectiveOn: D(drawn.AddDays(-1)))).Expect(200);
        using var hanoi = Service.Client(Roles.BranchOfficer, "01");
        (await hanoi.DrawDownAsync("01", CentralBudget, PoorHouseholds, 60 * Million, "HH-A", termMonths: 24, effectiveOn: D(drawn))).Expect(201);
        var paying = (await hanoi.DrawDownAsync("00004", CentralBudget, PoorHouseholds, 60 * Million, "HH-B", termMonths: 24, effectiveOn: D(drawn)))
            .LoanId();
        (await hanoi.RepayAsync(paying, 15 * Million, effectiveOn: D(drawn.AddMonths(6)))).Expect(200);
        var hcmc = (await Service.Client(Roles.BranchOfficer, "79")
            .DrawDownAsync("79", CentralBudget, PoorHouseholds, 40 * Million, "HH-C", termMonths: 36, effectiveOn: D(drawn))).LoanId();
        (await finance.PostJsonAsync($"/api/loans/{hcmc}/write-offs",
            new { commandId = Guid.NewGuid(), amountVnd = 10 * Million, cause = "natural-disaster", decisionRef = "QĐ 7/2026" })).Expect(200);
    }

    private static readonly string[] QualityKeys =
        ["outstandingVnd", "overdueVnd", "overdueRatio", "loansOutstanding", "loansOverdue", "borrowersOutstanding", "writtenOffVnd"];

    private static readonly string[] QualityColumns = ["C", "D", "E", "F", "G", "H", "I"];

    [Fact]
    public async Task The_credit_quality_workbook_has_the_nations_provinces_as_the_read_by_child_and_its_total()
    {
        await RecordLoansAsync();
        using var analyst = Service.Client(Roles.Analyst);

        var workbook = await analyst.DownloadAsync("/api/reports/credit-quality");

        Assert.Equal(200, workbook.Status);
        Assert.StartsWith("credit-quality-VN-", workbook.FileName, StringComparison.Ordinal);
        var sheet = ReportDriver.Sheet(workbook.Bytes, QualitySheet);
        Assert.Equal("BÁO CÁO CHẤT LƯỢNG TÍN DỤNG", sheet[0].Text("A"));
        Assert.Contains(sheet, r => r.Text("A") == "Đơn vị: đồng");
        var quality = await analyst.ReadJsonAsync("/api/localities/VN/credit-quality?by=child");
        var rows = quality.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(["01", "79"], rows.Select(r => r.GetProperty("key").GetString()));
        foreach (var row in rows)
        {
            var line = sheet.Single(r => r.Text("A") == row.GetProperty("key").GetString());
            Assert.Equal(row.GetProperty("name").GetString(), line.Text("B"));
            Assert.Equal(QualityKeys.Select(k => Number(row, k)), QualityColumns.Select(c => Cell(line, c)));
        }
        Assert.Equal([105 * Million, 15 * Million, 15.0 / 105, 2L, 1L, 2L, 0L], QualityColumns.Select(c => Cell(sheet.Single(r => r.Text("A") == "01"), c)));
        var total = sheet.Single(r => r.Text("B") == "Tổng cộng");
        Assert.Equal(QualityKeys.Select(k => Number(quality, k)), QualityColumns.Select(c => Cell(total, c)));
        Assert.Equal(10 * Million, Cell(total, "I"));

        await ReportTests.TheThreeFormatsAgreeAsync(analyst, "/api/reports/credit-quality?asOf=" + ServiceFixture.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), QualitySheet);
    }

    [Fact]
    public async Task A_branch_officer_reads_the_credit_quality_of_their_province_by_commune()
    {
        await RecordLoansAsync();
        using var hanoi = Service.Client(Roles.BranchOfficer, "01");

        var report = await hanoi.ReadJsonAsync("/api/reports/credit-quality?locality=01&format=json");
        var quality = await hanoi.ReadJsonAsync("/api/localities/01/credit-quality?by=child");

        Assert.Equal(("01", "Chất lượng tín dụng"), (report.GetProperty("locality").GetString(), report.GetProperty("sheet").GetString()));
        var rows = report.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(quality.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()).Append(null),
            rows.Select(r => r.GetProperty("code").GetString()));
        Assert.Equal((120 * Million - 15 * Million, 15 * Million), (rows[^1].Vnd("outstandingVnd"), rows[^1].Vnd("overdueVnd")));
        Assert.Equal(quality.Vnd("outstandingVnd"), rows[^1].Vnd("outstandingVnd"));
    }
}
