using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// API.md, "Authentication and who may do what": tokens that do not validate are 401, the role table is
/// enforced as written (403 <c>/problems/forbidden</c>), scoped users reach their own locality and what lies
/// below it, and the refusals come in the documented order.
/// </summary>
public sealed class SecurityTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string Id = "@id";
    private const string NoLocality = "";

    /// <summary>Every request these tests send, by a name that reads in the test output.</summary>
    private static readonly Dictionary<string, (string Method, string Url, string? Body)> Requests = new(StringComparer.Ordinal)
    {
        ["entrust central budget"] = Post("/api/capital/central-entrustments", """{"amountVnd":1000000,"decisionRef":"QD-1"}"""),
        ["receive mobilised capital"] = Post("/api/capital/mobilisations", """{"amountVnd":1000000,"instrument":"bonds","reference":"TP-1"}"""),
        ["top up 01"] = Post("/api/capital/local-budget-top-ups", """{"locality":"01","amountVnd":1000000,"decisionRef":"QD-UBND"}"""),
        ["top up 00004"] = Post("/api/capital/local-budget-top-ups", """{"locality":"00004","amountVnd":1000000,"decisionRef":"QD-UBND"}"""),
        ["top up 79"] = Post("/api/capital/local-budget-top-ups", """{"locality":"79","amountVnd":1000000,"decisionRef":"QD-UBND"}"""),
        ["top up 25747"] = Post("/api/capital/local-budget-top-ups", """{"locality":"25747","amountVnd":1000000,"decisionRef":"QD-UBND"}"""),
        ["donate to VN"] = Post("/api/capital/charity-donations", """{"amountVnd":1000000,"donor":"MTTQ"}"""),
        ["donate to 01"] = Post("/api/capital/charity-donations", """{"locality":"01","amountVnd":1000000,"donor":"MTTQ"}"""),
        ["donate to 00004"] = Post("/api/capital/charity-donations", """{"locality":"00004","amountVnd":1000000}"""),
        ["donate to 79"] = Post("/api/capital/charity-donations", """{"locality":"79","amountVnd":1000000}"""),
        ["allocate VN to 01"] = Post("/api/allocations", Movement("VN", "01")),
        ["allocate 01 to 00004"] = Post("/api/allocations", Movement("01", "00004")),
        ["allocate 79 to 25747"] = Post("/api/allocations", Movement("79", "25747")),
        ["recall 01 to VN"] = Post("/api/recalls", Movement("01", "VN", reason: true)),
        ["recall 00004 to 01"] = Post("/api/recalls", Movement("00004", "01", reason: true)),
        ["recall 25747 to 79"] = Post("/api/recalls", Movement("25747", "79", reason: true)),
        ["read capital summary"] = Get("/api/capital/summary"),
        ["read balance check"] = Get("/api/ledger/balance-check"),
        ["read programmes"] = Get("/api/programmes"),
        ["read localities"] = Get("/api/localities?level=province"),
        ["read locality 79"] = Get("/api/localities/79"),
        ["read capital of VN"] = Get("/api/localities/VN/capital"),
        ["read capital of 01"] = Get("/api/localities/01/capital"),
        ["read capital of 00004"] = Get("/api/localities/00004/capital"),
        ["read capital of 79"] = Get("/api/localities/79/capital"),
        ["read capital of 25747"] = Get("/api/localities/25747/capital"),
        ["read allocations of 01"] = Get("/api/localities/01/allocations"),
        ["read allocations of 00004"] = Get("/api/localities/00004/allocations"),
        ["read allocations of 79"] = Get("/api/localities/79/allocations"),
        ["read allocations of 25747"] = Get("/api/localities/25747/allocations"),
        ["close a period"] = Post("/api/periods/close", """{"through":"2024-12-31"}"""),
        ["approve a held command"] = Post("/api/approvals/3f2b6c1e-8a4d-4b7e-9c21-5d0e7a9b1f43/approve", """{"reason":"Checked"}"""),
        ["reject a held command"] = Post("/api/approvals/3f2b6c1e-8a4d-4b7e-9c21-5d0e7a9b1f43/reject", """{"reason":"Wrong"}"""),
        ["read approvals"] = Get("/api/approvals"),
        ["verify the ledger"] = Get("/api/ledger/verify"),
        ["compare capital"] = Get("/api/capital/compare?dates=2025-01-01"),
        ["read the report by province"] = Get("/api/reports/capital-by-province?format=json"),
    };

    private static (string, string, string?) Post(string url, string fields) =>
        ("POST", url, "{\"commandId\":\"" + Id + "\"," + fields[1..]);

    private static (string, string, string?) Get(string url) => ("GET", url, null);

    private static string Movement(string from, string to, bool reason = false) =>
        $$"""{"from":"{{from}}","to":"{{to}}","source":"central-budget","programme":"general","amountVnd":1000000{{(reason ? ",\"reason\":\"Unused\"" : "")}}}""";

    public static TheoryData<string, string> RequestsWithBadTokens()
    {
        var data = new TheoryData<string, string>();
        foreach (var token in new[] { "none", "garbage", "basic", "other-key", "expired", "not-yet-valid", "wrong-audience", "wrong-issuer", "unsigned" })
            foreach (var request in new[] { "entrust central budget", "read capital of 01" })
                data.Add(token, request);
        foreach (var request in Requests.Keys.Where(r => r is not ("entrust central budget" or "read capital of 01")))
            data.Add("none", request);
        return data;
    }

    [Theory]
    [MemberData(nameof(RequestsWithBadTokens))]
    public async Task A_request_without_a_valid_token_is_401_and_appends_nothing(string token, string request)
    {
        var client = Service.Client();
        var header = BadToken(token);
        if (header is not null) client.DefaultRequestHeaders.Authorization = header;
        var before = await Service.EventCountAsync();

        using var response = await SendAsync(client, request);

        Assert.True((int)response.StatusCode == 401, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("entrust central budget", Roles.Analyst, NoLocality)]
    [InlineData("receive mobilised capital", Roles.Analyst, NoLocality)]
    [InlineData("top up 01", Roles.Analyst, NoLocality)]
    [InlineData("donate to 01", Roles.Analyst, NoLocality)]
    [InlineData("allocate VN to 01", Roles.Analyst, NoLocality)]
    [InlineData("recall 01 to VN", Roles.Analyst, NoLocality)]
    [InlineData("entrust central budget", Roles.BranchOfficer, "01")]
    [InlineData("receive mobilised capital", Roles.BranchOfficer, "01")]
    [InlineData("top up 01", Roles.BranchOfficer, "01")]
    [InlineData("top up 00004", Roles.BranchOfficer, "01")]
    [InlineData("entrust central budget", Roles.PeopleCommittee, "01")]
    [InlineData("receive mobilised capital", Roles.PeopleCommittee, "01")]
    [InlineData("donate to 01", Roles.PeopleCommittee, "01")]
    [InlineData("allocate 01 to 00004", Roles.PeopleCommittee, "01")]
    [InlineData("recall 00004 to 01", Roles.PeopleCommittee, "01")]
    [InlineData("read capital summary", Roles.BranchOfficer, "01")]
    [InlineData("read capital summary", Roles.PeopleCommittee, "01")]
    [InlineData("read balance check", Roles.BranchOfficer, "01")]
    [InlineData("read balance check", Roles.PeopleCommittee, "01")]
    [InlineData("close a period", Roles.Analyst, NoLocality)]
    [InlineData("close a period", Roles.BranchOfficer, "01")]
    [InlineData("close a period", Roles.PeopleCommittee, "01")]
    [InlineData("approve a held command", Roles.Analyst, NoLocality)]
    [InlineData("approve a held command", Roles.BranchOfficer, "01")]
    [InlineData("reject a held command", Roles.Analyst, NoLocality)]
    [InlineData("reject a held command", Roles.PeopleCommittee, "01")]
    [InlineData("read approvals", Roles.BranchOfficer, "01")]
    [InlineData("read approvals", Roles.PeopleCommittee, "01")]
    [InlineData("verify the ledger", Roles.BranchOfficer, "01")]
    [InlineData("verify the ledger", Roles.PeopleCommittee, "01")]
    [InlineData("compare capital", Roles.BranchOfficer, "01")]
    [InlineData("compare capital", Roles.PeopleCommittee, "01")]
    [InlineData("read the report by province", Roles.BranchOfficer, "01")]
    [InlineData("read the report by province", Roles.PeopleCommittee, "01")]
    [InlineData("entrust central budget", "superuser", NoLocality)]
    [InlineData("read capital of 01", "superuser", NoLocality)]
    public async Task A_role_the_table_does_not_allow_on_a_route_is_403_forbidden_and_appends_nothing(string request, string role, string locality)
    {
        await SeedIfItMovesCapitalAsync(request);
        var before = await Service.EventCountAsync();

        var (status, mediaType, answer) = await SendAsync(role, locality, request);

        AssertForbidden(status, mediaType, answer);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("entrust central budget", Roles.CentralFinance, NoLocality)]
    [InlineData("receive mobilised capital", Roles.CentralFinance, NoLocality)]
    [InlineData("top up 79", Roles.CentralFinance, NoLocality)]
    [InlineData("top up 25747", Roles.CentralFinance, NoLocality)]
    [InlineData("donate to VN", Roles.CentralFinance, NoLocality)]
    [InlineData("donate to 79", Roles.CentralFinance, NoLocality)]
    [InlineData("allocate VN to 01", Roles.CentralFinance, NoLocality)]
    [InlineData("allocate 79 to 25747", Roles.CentralFinance, NoLocality)]
    [InlineData("recall 01 to VN", Roles.CentralFinance, NoLocality)]
    [InlineData("recall 25747 to 79", Roles.CentralFinance, NoLocality)]
    [InlineData("read capital summary", Roles.CentralFinance, NoLocality)]
    [InlineData("read balance check", Roles.CentralFinance, NoLocality)]
    [InlineData("read capital of 79", Roles.CentralFinance, NoLocality)]
    [InlineData("read allocations of 25747", Roles.CentralFinance, NoLocality)]
    [InlineData("donate to 01", Roles.BranchOfficer, "01")]
    [InlineData("donate to 00004", Roles.BranchOfficer, "01")]
    [InlineData("allocate 01 to 00004", Roles.BranchOfficer, "01")]
    [InlineData("recall 00004 to 01", Roles.BranchOfficer, "01")]
    [InlineData("read capital of 01", Roles.BranchOfficer, "01")]
    [InlineData("read capital of 00004", Roles.BranchOfficer, "01")]
    [InlineData("read allocations of 01", Roles.BranchOfficer, "01")]
    [InlineData("top up 01", Roles.PeopleCommittee, "01")]
    [InlineData("top up 00004", Roles.PeopleCommittee, "01")]
    [InlineData("top up 00004", Roles.PeopleCommittee, "00004")]
    [InlineData("read capital of 01", Roles.PeopleCommittee, "01")]
    [InlineData("read capital of 00004", Roles.PeopleCommittee, "01")]
    [InlineData("read allocations of 00004", Roles.PeopleCommittee, "01")]
    [InlineData("read capital of 00004", Roles.PeopleCommittee, "00004")]
    [InlineData("read capital summary", Roles.Analyst, NoLocality)]
    [InlineData("read balance check", Roles.Analyst, NoLocality)]
    [InlineData("read allocations of 79", Roles.Analyst, NoLocality)]
    [InlineData("read programmes", Roles.CentralFinance, NoLocality)]
    [InlineData("read programmes", Roles.BranchOfficer, "01")]
    [InlineData("read programmes", Roles.PeopleCommittee, "00004")]
    [InlineData("read programmes", Roles.Analyst, NoLocality)]
    [InlineData("read localities", Roles.BranchOfficer, "01")]
    [InlineData("read localities", Roles.PeopleCommittee, "00004")]
    [InlineData("read locality 79", Roles.PeopleCommittee, "01")]
    [InlineData("read locality 79", Roles.BranchOfficer, "01")]
    [InlineData("close a period", Roles.CentralFinance, NoLocality)]
    [InlineData("read approvals", Roles.CentralFinance, NoLocality)]
    [InlineData("read approvals", Roles.Analyst, NoLocality)]
    [InlineData("verify the ledger", Roles.CentralFinance, NoLocality)]
    [InlineData("verify the ledger", Roles.Analyst, NoLocality)]
    [InlineData("compare capital", Roles.CentralFinance, NoLocality)]
    [InlineData("compare capital", Roles.Analyst, NoLocality)]
    [InlineData("read the report by province", Roles.CentralFinance, NoLocality)]
    [InlineData("read the report by province", Roles.Analyst, NoLocality)]
    public async Task A_role_the_table_allows_is_answered_200(string request, string role, string locality)
    {
        await SeedIfItMovesCapitalAsync(request);
        var before = await Service.EventCountAsync();

        var (status, _, answer) = await SendAsync(role, locality, request);

        Assert.True(status == 200, $"{status} {answer}");
        if (Requests[request].Method == "POST")
        {
            var appended = request.StartsWith("allocate", StringComparison.Ordinal) || request.StartsWith("recall", StringComparison.Ordinal) ? 2 : 1;
            Assert.Equal(before + appended, await Service.EventCountAsync());
        }
    }

    [Theory]
    [InlineData("top up 79", Roles.PeopleCommittee, "01")]
    [InlineData("top up 25747", Roles.PeopleCommittee, "01")]
    [InlineData("top up 01", Roles.PeopleCommittee, "00004")]
    [InlineData("read capital of 79", Roles.PeopleCommittee, "01")]
    [InlineData("read capital of 25747", Roles.PeopleCommittee, "01")]
    [InlineData("read capital of VN", Roles.PeopleCommittee, "01")]
    [InlineData("read allocations of 79", Roles.PeopleCommittee, "01")]
    [InlineData("read capital of 01", Roles.PeopleCommittee, "00004")]
    [InlineData("allocate VN to 01", Roles.BranchOfficer, "01")]
    [InlineData("allocate 79 to 25747", Roles.BranchOfficer, "01")]
    [InlineData("recall 01 to VN", Roles.BranchOfficer, "01")]
    [InlineData("recall 25747 to 79", Roles.BranchOfficer, "01")]
    [InlineData("allocate 01 to 00004", Roles.BranchOfficer, "79")]
    [InlineData("donate to VN", Roles.BranchOfficer, "01")]
    [InlineData("donate to 79", Roles.BranchOfficer, "01")]
    [InlineData("read capital of VN", Roles.BranchOfficer, "01")]
    [InlineData("read capital of 79", Roles.BranchOfficer, "01")]
    [InlineData("read allocations of 25747", Roles.BranchOfficer, "01")]
    public async Task A_locality_outside_the_token_scope_is_403_forbidden_and_appends_nothing(string request, string role, string locality)
    {
        await SeedIfItMovesCapitalAsync(request);
        var before = await Service.EventCountAsync();

        var (status, mediaType, answer) = await SendAsync(role, locality, request);

        AssertForbidden(status, mediaType, answer);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    /// <summary>Second edition, "Trust": a scoped role's token must name its locality; without one it is no caller (it was 403).</summary>
    [Theory]
    [InlineData("donate to 01", Roles.BranchOfficer)]
    [InlineData("top up 01", Roles.PeopleCommittee)]
    [InlineData("read capital of 01", Roles.BranchOfficer)]
    [InlineData("read programmes", Roles.PeopleCommittee)]
    public async Task A_scoped_role_without_a_locality_is_401_and_appends_nothing(string request, string role)
    {
        var before = await Service.EventCountAsync();

        var (status, _, answer) = await SendAsync(role, NoLocality, request);

        Assert.True(status == 401, $"expected 401, got {answer}");
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("VN")]
    [InlineData("01")]
    [InlineData("00004")]
    [InlineData("79")]
    [InlineData("25747")]
    [InlineData("10")]
    public async Task Analysts_read_the_capital_of_any_locality(string code)
    {
        await SeedAsync();

        var answer = await Service.Client(Roles.Analyst).GetAnswerAsync($"/api/localities/{code}/capital");

        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal(code, answer.Json.GetProperty("locality").GetString());
        var expected = code switch
        {
            "VN" => 1_000_000_000,
            "01" => 400_000_000,
            "00004" => 100_000_000,
            "79" => 100_000_000,
            "25747" => 50_000_000,
            _ => 0,
        };
        Assert.Equal(expected, answer.Json.GetProperty("subtree").GetProperty("availableVnd").GetInt64());
    }

    [Fact]
    public async Task A_branch_officer_allocates_from_its_province_to_its_commune_and_recalls_it()
    {
        await SeedAsync();
        var officer = Service.Client(Roles.BranchOfficer, "01");

        var allocated = await officer.PostJsonAsync("/api/allocations", new
        {
            commandId = Guid.NewGuid(), from = "01", to = "00004", source = "central-budget", programme = "general", amountVnd = 30_000_000,
        });
        var recalled = await officer.PostJsonAsync("/api/recalls", new
        {
            commandId = Guid.NewGuid(), from = "00004", to = "01", source = "central-budget", programme = "general", amountVnd = 10_000_000, reason = "Unused",
        });

        Assert.True(allocated.Status == 200, allocated.ToString());
        Assert.True(recalled.Status == 200, recalled.ToString());
        var commune = await officer.GetAnswerAsync("/api/localities/00004/capital");
        Assert.Equal(120_000_000, commune.Json.GetProperty("own").GetProperty("availableVnd").GetInt64());
        var province = await officer.GetAnswerAsync("/api/localities/01/capital");
        Assert.Equal(280_000_000, province.Json.GetProperty("own").GetProperty("availableVnd").GetInt64());
    }

    // Order of refusals (API.md): 401 → role (403) → 413 → 415 → 400 → 404 → scope (403) → command id → domain.

    [Theory]
    [InlineData("{\"commandId\": ", "application/json", 0)]
    [InlineData("[1, 2, 3]", "application/json", 0)]
    [InlineData("{\"amountVnd\": 1}", "text/plain", 0)]
    [InlineData("{\"amountVnd\": 1}", "application/xml", 0)]
    [InlineData("{\"amountVnd\": 1}", null, 0)]
    [InlineData("{\"amountVnd\": 1}", "application/json", 70_000)]
    [InlineData("{\"amountVnd\": 1}", "text/plain", 70_000)]
    public async Task A_role_that_may_not_use_the_route_is_refused_403_before_its_body_is_read(string body, string? contentType, int padding)
    {
        var before = await Service.EventCountAsync();

        var (status, mediaType, answer) = await PostRawAsync(Service.Client(Roles.Analyst), "/api/capital/central-entrustments",
            body + new string(' ', padding), contentType);

        AssertForbidden(status, mediaType, answer);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("application/json", 0)]
    [InlineData("text/plain", 0)]
    [InlineData(null, 0)]
    [InlineData("application/json", 70_000)]
    [InlineData("text/plain", 70_000)]
    public async Task A_request_without_a_token_is_refused_401_before_its_body_is_read(string? contentType, int padding)
    {
        var (status, _, answer) = await PostRawAsync(Service.Client(), "/api/capital/central-entrustments",
            "{\"commandId\": " + new string(' ', padding), contentType);

        Assert.True(status == 401, $"{status} {answer}");
    }

    [Fact]
    public async Task A_body_too_large_is_413_before_its_content_type_is_looked_at()
    {
        var (status, _, answer) = await PostRawAsync(Service.Client(Roles.CentralFinance), "/api/capital/central-entrustments",
            "not json" + new string(' ', 70_000), "text/plain");

        Assert.True(status == 413, $"{status} {answer}");
    }

    [Fact]
    public async Task A_body_not_declared_as_json_is_415_before_it_is_parsed()
    {
        var (status, _, answer) = await PostRawAsync(Service.Client(Roles.CentralFinance), "/api/capital/central-entrustments",
            "{\"commandId\": ", "text/plain");

        Assert.True(status == 415, $"{status} {answer}");
    }

    [Fact]
    public async Task An_invalid_command_outside_the_token_scope_is_400_validation_before_403()
    {
        var before = await Service.EventCountAsync();
        var committee = Service.Client(Roles.PeopleCommittee, "01");

        var answer = await committee.PostJsonAsync("/api/capital/local-budget-top-ups",
            new { commandId = Guid.NewGuid(), locality = "79", amountVnd = 0, decisionRef = "QD" });

        Assert.True(answer.Status == 400, answer.ToString());
        Assert.Equal("/problems/validation", answer.ProblemType);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty("amountVnd", out _), answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData(Roles.CentralFinance, NoLocality)]
    [InlineData(Roles.Analyst, NoLocality)]
    [InlineData(Roles.PeopleCommittee, "01")]
    [InlineData(Roles.BranchOfficer, "01")]
    public async Task An_unknown_locality_in_the_route_is_404_not_found_for_everyone_who_may_read_capital(string role, string locality)
    {
        foreach (var url in new[] { "/api/localities/ZZ/capital", "/api/localities/ZZ/allocations", "/api/localities/99/capital" })
        {
            var (status, mediaType, answer) = await SendAsync(Client(role, locality), "GET", url, null);

            Assert.True(status == 404, $"{url}: {status} {answer}");
            Assert.Equal("application/problem+json", mediaType);
            Assert.Equal("/problems/not-found", answer.ProblemType);
        }
    }

    [Theory]
    [InlineData("/api/localities/79/capital?asOf=not-a-date")]
    [InlineData("/api/localities/79/capital?asOf=2025-02-30")]
    [InlineData("/api/localities/79/allocations?asOf=31-12-2025")]
    [InlineData("/api/localities/79/capital?asOf=9999-01-01")]
    [InlineData("/api/localities/ZZ/capital?asOf=not-a-date")]
    public async Task A_malformed_asOf_is_400_validation_before_404_and_before_the_scope_403(string url)
    {
        var (status, mediaType, answer) = await SendAsync(Client(Roles.PeopleCommittee, "01"), "GET", url, null);

        Assert.True(status == 400, $"{status} {answer}");
        Assert.Equal("application/problem+json", mediaType);
        Assert.Equal("/problems/validation", answer.ProblemType);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty("asOf", out _), answer.ToString());
    }

    [Fact]
    public async Task A_command_id_accepted_for_someone_else_is_still_refused_403_out_of_scope()
    {
        var body = """{"commandId":"4f8d3a52-35a7-4d8e-9b7c-2f9a4c1d7e01","locality":"79","amountVnd":1000000,"decisionRef":"QD-79"}""";
        var first = await Service.Client(Roles.CentralFinance).PostJsonAsync("/api/capital/local-budget-top-ups", body);
        Assert.True(first.Status == 200, first.ToString());
        var before = await Service.EventCountAsync();

        var (status, mediaType, answer) = await PostRawAsync(Client(Roles.PeopleCommittee, "01"), "/api/capital/local-budget-top-ups", body, "application/json");

        AssertForbidden(status, mediaType, answer);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task An_accepted_command_sent_again_gets_its_first_answer_before_the_domain_is_asked_again()
    {
        await SeedAsync();
        var finance = Service.Client(Roles.CentralFinance);
        var body = $$"""{"commandId":"{{Guid.NewGuid()}}","from":"VN","to":"01","source":"central-budget","programme":"general","amountVnd":300000000}""";
        var first = await finance.PostJsonAsync("/api/allocations", body);
        Assert.True(first.Status == 200, first.ToString());
        var before = await Service.EventCountAsync();

        var again = await finance.PostJsonAsync("/api/allocations", body);

        Assert.Equal(200, again.Status);
        Assert.Equal(first.Body, again.Body);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    /// <summary>Allocations and recalls need capital to move: without it they would be refused whatever the token.</summary>
    private async Task SeedIfItMovesCapitalAsync(string request)
    {
        if (request.StartsWith("allocate", StringComparison.Ordinal) || request.StartsWith("recall", StringComparison.Ordinal))
            await SeedAsync();
    }

    /// <summary>
    /// Central finance: VN holds 1 000 000 000 of central-budget general capital in its subtree; 01 holds 400 000 000
    /// (100 000 000 of it at 00004) and 79 holds 100 000 000 (50 000 000 of it at 25747).
    /// </summary>
    private async Task SeedAsync()
    {
        var finance = Service.Client(Roles.CentralFinance);
        await Accepted(finance.PostJsonAsync("/api/capital/central-entrustments",
            new { commandId = Guid.NewGuid(), amountVnd = 1_000_000_000, decisionRef = "QD-SEED" }));
        foreach (var (from, to, amountVnd) in new[] { ("VN", "01", 400_000_000), ("01", "00004", 100_000_000), ("VN", "79", 100_000_000), ("79", "25747", 50_000_000) })
        {
            await Accepted(finance.PostJsonAsync("/api/allocations",
                new { commandId = Guid.NewGuid(), from, to, source = "central-budget", programme = "general", amountVnd }));
        }

        static async Task Accepted(Task<Answer> sending)
        {
            var answer = await sending;
            Assert.True(answer.Status == 200, answer.ToString());
        }
    }

    private HttpClient Client(string role, string locality) =>
        Roles.IsScoped(role) || locality.Length > 0
            ? ClientWithToken(ServiceFixture.Token(role, locality.Length == 0 ? null : locality))
            : Service.Client(role);

    private HttpClient ClientWithToken(string token)
    {
        var client = Service.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static AuthenticationHeaderValue? BadToken(string kind)
    {
        var now = DateTimeOffset.UtcNow;
        var auth = new AuthOptions { SigningKey = ServiceFixture.SigningKey };
        return kind switch
        {
            "none" => null,
            "garbage" => new("Bearer", "not-a-token"),
            "basic" => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("central-finance:secret"))),
            "other-key" => new("Bearer", SignedBy("another-signing-key-that-is-long-enough-to-be-valid", now)),
            "expired" => new("Bearer", DevelopmentTokens.Mint(auth, Roles.CentralFinance, null, null, null, now.AddHours(-2), TimeSpan.FromHours(1))),
            "not-yet-valid" => new("Bearer", DevelopmentTokens.Mint(auth, Roles.CentralFinance, null, null, null, now.AddHours(2), TimeSpan.FromHours(1))),
            "wrong-audience" => new("Bearer", DevelopmentTokens.Mint(
                new AuthOptions { SigningKey = ServiceFixture.SigningKey, Audience = "another-service" }, Roles.CentralFinance, null, null, null, now, TimeSpan.FromHours(1))),
            "wrong-issuer" => new("Bearer", DevelopmentTokens.Mint(
                new AuthOptions { SigningKey = ServiceFixture.SigningKey, Issuer = "someone-else" }, Roles.CentralFinance, null, null, null, now, TimeSpan.FromHours(1))),
            "unsigned" => new("Bearer", SignedBy(null, now)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a kind of bad token"),
        };
    }

    /// <summary>A central-finance token, right in every claim, signed with <paramref name="key"/> (or not at all).</summary>
    private static string SignedBy(string? key, DateTimeOffset now) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "capitalflows",
        Audience = "capitalflows",
        Subject = new ClaimsIdentity([new Claim("sub", "intruder"), new Claim("name", "Intruder"), new Claim("role", Roles.CentralFinance)]),
        IssuedAt = now.UtcDateTime,
        NotBefore = now.UtcDateTime,
        Expires = now.AddHours(1).UtcDateTime,
        SigningCredentials = key is null
            ? null
            : new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
    });

    private static void AssertForbidden(int status, string? mediaType, Answer answer)
    {
        Assert.True(status == 403, $"expected 403, got {answer}");
        Assert.Equal("application/problem+json", mediaType);
        Assert.Equal("/problems/forbidden", answer.ProblemType);
        Assert.Equal(403, answer.Json.GetProperty("status").GetInt32());
    }

    private Task<(int Status, string? MediaType, Answer Answer)> SendAsync(string role, string locality, string request)
    {
        var (method, url, body) = Requests[request];
        return SendAsync(Client(role, locality), method, url, body);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string request)
    {
        var (method, url, body) = Requests[request];
        using var message = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
            message.Content = new StringContent(body.Replace(Id, Guid.NewGuid().ToString(), StringComparison.Ordinal), Encoding.UTF8, "application/json");
        return await client.SendAsync(message, TestContext.Current.CancellationToken);
    }

    private static async Task<(int Status, string? MediaType, Answer Answer)> SendAsync(HttpClient client, string method, string url, string? body)
    {
        using var message = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
            message.Content = new StringContent(body.Replace(Id, Guid.NewGuid().ToString(), StringComparison.Ordinal), Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(message, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, new Answer((int)response.StatusCode, text));
    }

    private static async Task<(int Status, string? MediaType, Answer Answer)> PostRawAsync(HttpClient client, string url, string body, string? contentType)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await client.PostAsync(url, content, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, new Answer((int)response.StatusCode, text));
    }
}
