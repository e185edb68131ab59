using System.Text.Json;
using System.Text.RegularExpressions;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Localities;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// <c>import FILE.ndjson</c> (API.md, second edition) run as the built executable against the test store, then read
/// over HTTP: lines that rely on earlier lines are all accepted in file order, a second import replays every line,
/// refusals and malformed lines are counted (by slug, with line numbers) and append nothing, and every event names
/// the line's user.
/// </summary>
public sealed partial class ImportCommandTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Million = 1_000_000;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private static readonly string[] Communes =
        LocalityDirectory.LoadEmbedded().ChildrenOn("01", ServiceFixture.Today).Take(5).Select(c => c.Code).ToArray();

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private Task<ToolRun> ImportAsync(string file, params string[] flags) =>
        ToolRun.RunAsync(ToolRun.DotnetHost(), [Path.Combine(ToolRun.ServiceOutput(), "CapitalFlows.dll"), "import", file, .. flags],
            ToolRun.ServiceOutput(), CommandTimeout,
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Testing",
                ["ConnectionStrings__CapitalFlows"] = Service.ConnectionString,
            });

    private static int Count(ToolRun run, string what)
    {
        var match = Regex.Match(run.Output, $"^  {what}: (\\d+)", RegexOptions.Multiline);
        Assert.True(match.Success, $"no '{what}' in {run}");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// About three hundred lines, each group relying on the ones before it: capital in, all of it allocated to Hà Nội
    /// and on to five communes, every đồng lent (forty loans a commune), then forty times a loan repaid in full and its
    /// money lent again at once; an inflow mid-file that the next lines allocate and lend; and loans repaid on the very
    /// next line. Any line decided out of order would be refused (insufficient funds, or no such loan).
    /// </summary>
    private static (ImportFile File, List<Guid> Repaid, long AvailableVnd, long OutstandingVnd) LinesThatRelyOnEarlierOnes()
    {
        var file = new ImportFile();
        var branch = ImportFile.Branch("01");
        file.Entrust(1_000 * Million);
        file.Allocate("VN", "01", 1_000 * Million, ImportFile.Finance);
        foreach (var commune in Communes) file.Allocate("01", commune, 200 * Million, branch);
        var loans = Communes.ToDictionary(c => c, _ => new List<Guid>());
        for (var i = 0; i < 40; i++)
            foreach (var commune in Communes)
            {
                var loan = Guid.NewGuid();
                loans[commune].Add(loan);
                file.DrawDown(loan, commune, 5 * Million, branch);
            }
        var repaid = new List<Guid>();
        for (var i = 0; i < 8; i++)
            foreach (var commune in Communes)
            {
                file.Repay(loans[commune][i], 5 * Million, branch);
                repaid.Add(loans[commune][i]);
                file.DrawDown(Guid.NewGuid(), commune, 5 * Million, branch);
            }
        file.Entrust(110 * Million);
        file.Allocate("VN", "01", 110 * Million, ImportFile.Finance);
        file.Allocate("01", Communes[0], 110 * Million, branch);
        file.DrawDown(Guid.NewGuid(), Communes[0], 100 * Million, branch);
        for (var i = 0; i < 3; i++)
        {
            var loan = Guid.NewGuid();
            file.DrawDown(loan, Communes[0], 10 * Million, branch);
            file.Repay(loan, 10 * Million, branch);
            repaid.Add(loan);
        }
        return (file, repaid, 10 * Million, 1_100 * Million);
    }

    [Fact]
    public async Task Lines_that_rely_on_earlier_lines_are_all_accepted_in_file_order_and_read_over_HTTP()
    {
        var (lines, repaid, available, outstanding) = LinesThatRelyOnEarlierOnes();
        var file = await lines.WriteAsync();
        try
        {
            var run = await ImportAsync(file);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(lines.Count, Count(run, "lines read"));
            Assert.Equal(lines.Count, Count(run, "accepted"));
            Assert.Equal(0, Count(run, "refused"));
            Assert.Equal(0, Count(run, "malformed"));
            var hanoi = (await Finance.ReadJsonAsync("/api/localities/01/capital")).GetProperty("subtree");
            Assert.Equal(available, hanoi.Vnd("availableVnd"));
            Assert.Equal(outstanding, hanoi.Vnd("loansOutstandingVnd"));
            Assert.Equal(available, (await Finance.ReadJsonAsync($"/api/localities/{Communes[0]}/capital")).GetProperty("own").Vnd("availableVnd"));
            foreach (var loan in repaid)
                Assert.Equal("repaid", (await Finance.ReadLoanAsync(loan.ToString())).GetProperty("status").GetString());
            Assert.True((await Finance.ReadJsonAsync("/api/ledger/balance-check")).GetProperty("balanced").GetBoolean());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Importing_a_file_again_replays_every_line_and_appends_nothing()
    {
        var (lines, _, available, outstanding) = LinesThatRelyOnEarlierOnes();
        var file = await lines.WriteAsync();
        try
        {
            var first = await ImportAsync(file);
            Assert.True(first.ExitCode == 0 && Count(first, "accepted") == lines.Count, first.ToString());
            var events = await Service.EventCountAsync();

            var again = await ImportAsync(file, "--wave", "64");

            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Equal(lines.Count, Count(again, "replayed"));
            Assert.Equal(0, Count(again, "accepted"));
            Assert.Equal(0, Count(again, "refused"));
            Assert.Equal(events, await Service.EventCountAsync());
            var hanoi = (await Finance.ReadJsonAsync("/api/localities/01/capital")).GetProperty("subtree");
            Assert.Equal((available, outstanding), (hanoi.Vnd("availableVnd"), hanoi.Vnd("loansOutstandingVnd")));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Refusals_are_counted_by_slug_with_their_line_numbers_and_append_nothing()
    {
        var file = new ImportFile();
        var branch = ImportFile.Branch("01");
        file.Entrust(100 * Million);
        file.Allocate("VN", "01", 100 * Million, ImportFile.Finance);
        file.Allocate("01", Communes[0], 10 * Million, branch);
        var setupEvents = 5;
        var shortOfMoney = new[]
        {
            file.DrawDown(Guid.NewGuid(), Communes[0], 50 * Million, branch),
            file.Allocate("01", Communes[1], 91 * Million, branch),
        };
        var outsideScope = file.DrawDown(Guid.NewGuid(), Communes[0], 1 * Million, ImportFile.Branch("79"));
        var unknownField = file.Add("/api/allocations", new
        {
            commandId = Guid.NewGuid(), from = "01", to = Communes[1], source = "central-budget", programme = "poor-households", amountVnd = 1, decisonRef = "QĐ-1",
        }, branch);
        var negativeAmount = file.Allocate("01", Communes[1], -5, branch);
        var amountAsText = file.Add("/api/allocations", new
        {
            commandId = Guid.NewGuid(), from = "01", to = Communes[1], source = "central-budget", programme = "poor-households", amountVnd = "100",
        }, branch);
        var path = await file.WriteAsync();
        try
        {
            var run = await ImportAsync(path);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(3, Count(run, "accepted"));
            Assert.Equal(6, Count(run, "refused"));
            Assert.Contains($"    insufficient-funds 2 (lines {shortOfMoney[0]}, {shortOfMoney[1]})", run.Output, StringComparison.Ordinal);
            Assert.Contains($"    forbidden 1 (line {outsideScope})", run.Output, StringComparison.Ordinal);
            Assert.Contains($"    validation 3 (lines {unknownField}, {negativeAmount}, {amountAsText})", run.Output, StringComparison.Ordinal);
            Assert.Equal(setupEvents, await Service.EventCountAsync());
            Assert.Equal(10 * Million, (await Finance.ReadJsonAsync($"/api/localities/{Communes[0]}/capital")).GetProperty("own").Vnd("availableVnd"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Malformed_lines_are_reported_with_their_numbers_and_reasons_and_append_nothing()
    {
        var file = new ImportFile();
        var body = new { commandId = Guid.NewGuid(), amountVnd = 1_000, decisionRef = "QĐ-1" };
        var notJson = file.AddRaw("{\"route\": \"/api/capital/central-entrustments\", ");
        var noRoute = file.AddRaw(JsonSerializer.Serialize(new { body, user = ImportFile.Finance }));
        var noBody = file.AddRaw(JsonSerializer.Serialize(new { route = "/api/capital/central-entrustments", user = ImportFile.Finance }));
        var noUser = file.AddRaw(JsonSerializer.Serialize(new { route = "/api/capital/central-entrustments", body }));
        var unknownRoute = file.Add("/api/capital/entrustments", body, ImportFile.Finance);
        var unknownRole = file.Add("/api/capital/central-entrustments", body, new { sub = "x", name = "X", role = "auditor" });
        var path = await file.WriteAsync();
        try
        {
            var run = await ImportAsync(path);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(6, Count(run, "lines read"));
            Assert.Equal(6, Count(run, "malformed"));
            Assert.Equal(0, Count(run, "accepted"));
            Assert.Contains($"    line {notJson}: not JSON", run.Output, StringComparison.Ordinal);
            Assert.Contains($"    line {noRoute}: no route", run.Output, StringComparison.Ordinal);
            Assert.Contains($"    line {noBody}: no body", run.Output, StringComparison.Ordinal);
            Assert.Contains($"    line {noUser}: no user", run.Output, StringComparison.Ordinal);
            Assert.Contains($"    line {unknownRoute}: unknown route '/api/capital/entrustments'", run.Output, StringComparison.Ordinal);
            Assert.Contains($"    line {unknownRole}: unknown role 'auditor'", run.Output, StringComparison.Ordinal);
            Assert.Equal(0, await Service.EventCountAsync());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Every_event_names_the_user_of_its_line_and_the_line_in_its_correlation_id()
    {
        var file = new ImportFile();
        var branch = ImportFile.Branch("01");
        file.Entrust(100 * Million);
        file.Allocate("VN", "01", 100 * Million, ImportFile.Finance);
        var allocation = file.Allocate("01", Communes[0], 10 * Million, branch);
        var path = await file.WriteAsync();
        try
        {
            var run = await ImportAsync(path);
            Assert.True(run.ExitCode == 0 && Count(run, "accepted") == 3, run.ToString());

            var events = await EventsAsync();
            Assert.Equal(5, events.Count);
            Assert.All(events.Take(3), e => AssertUser(e, "cf-import", "Nguyễn Văn Tài", Roles.CentralFinance));
            Assert.All(events.Skip(3), e => AssertUser(e, "bo-01", "Trần Thị Chi 01", Roles.BranchOfficer));
            Assert.All(events.Skip(3), e => Assert.EndsWith($"-L{allocation}", e.GetProperty("correlationId").GetString(), StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }

        static void AssertUser(JsonElement e, string sub, string name, string role)
        {
            var user = e.GetProperty("user");
            Assert.Equal((sub, name, role), (user.GetProperty("sub").GetString(), user.GetProperty("name").GetString(), user.GetProperty("role").GetString()));
        }
    }

    private async Task<List<JsonElement>> EventsAsync()
    {
        var answer = await Finance.GetAnswerAsync("/api/events?format=ndjson");
        Assert.Equal(200, answer.Status);
        return answer.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("streamKey").GetString() != LocalityDirectory.StructureStream)
            .ToList();
    }

    [Fact]
    public async Task Without_a_connection_string_or_a_readable_file_import_says_so_in_one_line_and_exits_2()
    {
        var path = await new ImportFile().WriteAsync();
        try
        {
            var production = new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = null, ["DOTNET_ENVIRONMENT"] = null, ["ConnectionStrings__CapitalFlows"] = null,
            };
            var service = Path.Combine(ToolRun.ServiceOutput(), "CapitalFlows.dll");
            var noDatabase = await ToolRun.RunAsync(ToolRun.DotnetHost(), [service, "import", path], ToolRun.ServiceOutput(), CommandTimeout, production);
            Assert.True(noDatabase.ExitCode == 2, noDatabase.ToString());
            Assert.Contains("ConnectionStrings__CapitalFlows", noDatabase.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", noDatabase.Error, StringComparison.Ordinal);

            var noFile = await ToolRun.RunAsync(ToolRun.DotnetHost(), [service, "import", path + ".missing"], ToolRun.ServiceOutput(), CommandTimeout, production);
            Assert.True(noFile.ExitCode == 2, noFile.ToString());
            Assert.Contains("Cannot read", noFile.Error, StringComparison.Ordinal);

            var badFlag = await ToolRun.RunAsync(ToolRun.DotnetHost(), [service, "import", path, "--wave", "0"], ToolRun.ServiceOutput(), CommandTimeout, production);
            Assert.True(badFlag.ExitCode == 2, badFlag.ToString());
            Assert.Contains("usage: import", badFlag.Error, StringComparison.Ordinal);

            var help = await ToolRun.RunAsync(ToolRun.DotnetHost(), [service, "help"], ToolRun.ServiceOutput(), CommandTimeout, production);
            Assert.True(help.ExitCode == 0, help.ToString());
            Assert.Contains("import FILE.ndjson", help.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
