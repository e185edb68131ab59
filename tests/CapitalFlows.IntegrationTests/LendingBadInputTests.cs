using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// API.md, "Errors" and "Order of refusals", for the lending routes: drawdowns, repayments, reversals, loan
/// reads and the entrusted-funds statement. Every refusal answers the documented status and problem type and
/// appends nothing.
/// </summary>
public sealed class LendingBadInputTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string Loans = "/api/loans";
    private const string Repayments = "/api/loans/{loanId}/repayments";
    private const string Reversals = "/api/reversals";
    private const string Omitted = "<omitted>";
    private const string Tomorrow = "<tomorrow>";
    private const string None = "";
    private const string NoToken = "none";
    private const long Million = 1_000_000;

    /// <summary>A valid body of each command route; <c>@</c> values are filled in from the seeded ledger.</summary>
    private static readonly Dictionary<string, string> ValidBodies = new(StringComparer.Ordinal)
    {
        [Loans] = """
            {"locality":"00004","source":"central-budget","programme":"poor-households","amountVnd":50000000,
             "borrowerRef":"HN-00004-001","entrustedOrganisation":"womens-union","termMonths":60}
            """,
        [Repayments] = """{"amountVnd":10000000}""",
        [Reversals] = """{"reversedCommandId":"@allocation","reason":"Entered in error"}""",
    };

    public static TheoryData<string, string, string> WrongFields() => new()
    {
        { Loans, "commandId", Omitted },
        { Loans, "commandId", "\"not-a-uuid\"" },
        { Loans, "commandId", "\"00000000-0000-0000-0000-000000000000\"" },
        { Loans, "loanId", "\"not-a-uuid\"" },
        { Loans, "loanId", "\"00000000-0000-0000-0000-000000000000\"" },
        { Loans, "loanId", "42" },
        { Loans, "locality", Omitted },
        { Loans, "locality", "null" },
        { Loans, "locality", "\"ZZ\"" },
        { Loans, "locality", "\"99999\"" },
        { Loans, "locality", "4" },
        { Loans, "source", Omitted },
        { Loans, "source", "\"state\"" },
        { Loans, "source", "\"Central-Budget\"" },
        { Loans, "programme", Omitted },
        { Loans, "programme", "\"housing\"" },
        { Loans, "programme", "\"Poor-Households\"" },
        { Loans, "amountVnd", Omitted },
        { Loans, "amountVnd", "null" },
        { Loans, "amountVnd", "\"50000000\"" },
        { Loans, "amountVnd", "5.5" },
        { Loans, "amountVnd", "50000000.5" },
        { Loans, "amountVnd", "0" },
        { Loans, "amountVnd", "-50000000" },
        { Loans, "amountVnd", "1000000000000001" },
        { Loans, "borrowerRef", Omitted },
        { Loans, "borrowerRef", "\"\"" },
        { Loans, "borrowerRef", "\"   \"" },
        { Loans, "borrowerRef", "\"" + new string('x', 201) + "\"" },
        { Loans, "borrowerRef", "7" },
        { Loans, "entrustedOrganisation", Omitted },
        { Loans, "entrustedOrganisation", "\"red-cross\"" },
        { Loans, "entrustedOrganisation", "\"Womens-Union\"" },
        { Loans, "entrustedOrganisation", "\"\"" },
        { Loans, "termMonths", Omitted },
        { Loans, "termMonths", "null" },
        { Loans, "termMonths", "0" },
        { Loans, "termMonths", "-12" },
        { Loans, "termMonths", "\"60\"" },
        { Loans, "termMonths", "1.5" },
        { Loans, "savingsGroup", "\"\"" },
        { Loans, "effectiveOn", "\"" + Tomorrow + "\"" },
        { Loans, "effectiveOn", "\"2026-02-30\"" },
        { Loans, "effectiveOn", "\"27/11/2026\"" },
        { Repayments, "commandId", Omitted },
        { Repayments, "commandId", "\"not-a-uuid\"" },
        { Repayments, "amountVnd", Omitted },
        { Repayments, "amountVnd", "null" },
        { Repayments, "amountVnd", "\"10000000\"" },
        { Repayments, "amountVnd", "10000000.5" },
        { Repayments, "amountVnd", "0" },
        { Repayments, "amountVnd", "-1" },
        { Repayments, "amountVnd", "1000000000000001" },
        { Repayments, "effectiveOn", "\"" + Tomorrow + "\"" },
        { Repayments, "effectiveOn", "\"yesterday\"" },
        { Reversals, "commandId", Omitted },
        { Reversals, "commandId", "\"not-a-uuid\"" },
        { Reversals, "reversedCommandId", Omitted },
        { Reversals, "reversedCommandId", "null" },
        { Reversals, "reversedCommandId", "\"not-a-uuid\"" },
        { Reversals, "reversedCommandId", "\"00000000-0000-0000-0000-000000000000\"" },
        { Reversals, "reversedCommandId", "42" },
        { Reversals, "reason", Omitted },
        { Reversals, "reason", "\"\"" },
        { Reversals, "reason", "\"   \"" },
        { Reversals, "effectiveOn", "\"" + Tomorrow + "\"" },
        { Reversals, "effectiveOn", "\"2026-13-01\"" },
    };

    [Theory]
    [MemberData(nameof(WrongFields))]
    public async Task A_missing_or_invalid_field_is_a_validation_error_naming_the_field_and_appends_nothing(string route, string field, string value)
    {
        var seeded = await SeedAsync();
        var body = BodyOf(route, seeded);
        if (value == Omitted) body.Remove(field);
        else body[field] = JsonNode.Parse(value.Replace(Tomorrow, Date(ServiceFixture.Today.AddDays(1)), StringComparison.Ordinal));
        var eventsBefore = await Service.EventCountAsync();

        var answer = await ClientFor(route).PostJsonAsync(UrlOf(route, seeded), body.ToJsonString());

        answer.ExpectProblem(400, Validation);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field} in {answer.Body}");
        Assert.Equal(eventsBefore, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_drawdown_with_several_bad_fields_lists_every_field_error()
    {
        var seeded = await SeedAsync();
        var body = BodyOf(Loans, seeded);
        body["amountVnd"] = 0;
        body["entrustedOrganisation"] = "red-cross";
        body["termMonths"] = 0;
        body.Remove("borrowerRef");
        var eventsBefore = await Service.EventCountAsync();

        var answer = (await ClientFor(Loans).PostJsonAsync(Loans, body.ToJsonString())).ExpectProblem(400, Validation);

        Assert.Equal(
            ["amountVnd", "borrowerRef", "entrustedOrganisation", "termMonths"],
            answer.Json.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(eventsBefore, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData(Loans, "{\"amountVnd\": ")]
    [InlineData(Loans, "[]")]
    [InlineData(Loans, "null")]
    [InlineData(Repayments, "{\"amountVnd\": 1,}")]
    [InlineData(Repayments, "\"10000000\"")]
    [InlineData(Reversals, "{")]
    [InlineData(Reversals, "[{\"reason\":\"x\"}]")]
    public async Task A_body_that_is_not_a_json_object_is_a_validation_error_and_appends_nothing(string route, string body)
    {
        var seeded = await SeedAsync();
        var eventsBefore = await Service.EventCountAsync();

        (await ClientFor(route).PostJsonAsync(UrlOf(route, seeded), body)).ExpectProblem(400, Validation);

        Assert.Equal(eventsBefore, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData(Loans)]
    [InlineData(Repayments)]
    [InlineData(Reversals)]
    public async Task A_body_that_is_not_json_is_415_and_appends_nothing(string route)
    {
        var seeded = await SeedAsync();
        var eventsBefore = await Service.EventCountAsync();
        using var content = new StringContent(BodyOf(route, seeded).ToJsonString(), Encoding.UTF8, "text/plain");

        using var response = await ClientFor(route).PostAsync(UrlOf(route, seeded), content, TestContext.Current.CancellationToken);

        Assert.Equal(415, (int)response.StatusCode);
        Assert.Equal(eventsBefore, await Service.EventCountAsync());
    }

    /// <summary>
    /// Requests by name, who sends them, and the status and problem type they must get (<see cref="None"/>: no
    /// type checked). The rows follow API.md's status table, role table and order of refusals.
    /// </summary>
    [Theory]
    // Unknown loans in the route: 404, whoever may use the route, before the scope check.
    [InlineData("repay an unknown loan", Roles.BranchOfficer, "01", 404, NotFound)]
    [InlineData("repay an unknown loan", Roles.CentralFinance, null, 404, NotFound)]
    [InlineData("repay an unknown loan", Roles.BranchOfficer, "79", 404, NotFound)]
    [InlineData("repay a loan id that is not a UUID", Roles.BranchOfficer, "01", 404, NotFound)]
    [InlineData("read an unknown loan", Roles.BranchOfficer, "01", 404, NotFound)]
    [InlineData("read an unknown loan", Roles.Analyst, null, 404, NotFound)]
    [InlineData("read a loan id that is not a UUID", Roles.CentralFinance, null, 404, NotFound)]
    // Out of scope: a branch officer of 79 in Hà Nội.
    [InlineData("draw down in 01", Roles.BranchOfficer, "79", 403, Forbidden)]
    [InlineData("draw down in 00004", Roles.BranchOfficer, "79", 403, Forbidden)]
    [InlineData("repay the loan of 00004", Roles.BranchOfficer, "79", 403, Forbidden)]
    [InlineData("repay more than is outstanding on the loan of 00004", Roles.BranchOfficer, "79", 403, Forbidden)]
    [InlineData("read the loan of 00004", Roles.BranchOfficer, "79", 403, Forbidden)]
    // Roles that may not use the route, whatever the body says.
    [InlineData("draw down in 00004", Roles.PeopleCommittee, "01", 403, Forbidden)]
    [InlineData("draw down in 00004", Roles.PeopleCommittee, "00004", 403, Forbidden)]
    [InlineData("draw down in 00004", Roles.Analyst, null, 403, Forbidden)]
    [InlineData("draw down in 01 with an amount of 0", Roles.PeopleCommittee, "01", 403, Forbidden)]
    [InlineData("repay the loan of 00004", Roles.PeopleCommittee, "01", 403, Forbidden)]
    [InlineData("repay the loan of 00004", Roles.Analyst, null, 403, Forbidden)]
    [InlineData("repay an unknown loan", Roles.PeopleCommittee, "01", 403, Forbidden)]
    [InlineData("read the loan of 00004", Roles.PeopleCommittee, "01", 403, Forbidden)]
    [InlineData("read the loan of 00004", Roles.PeopleCommittee, "00004", 403, Forbidden)]
    [InlineData("read an unknown loan", Roles.PeopleCommittee, "01", 403, Forbidden)]
    [InlineData("reverse the allocation", Roles.BranchOfficer, "01", 403, Forbidden)]
    // No token at all.
    [InlineData("draw down in 00004", NoToken, null, 401, None)]
    [InlineData("repay the loan of 00004", NoToken, null, 401, None)]
    [InlineData("read the loan of 00004", NoToken, null, 401, None)]
    [InlineData("read the entrusted funds of 01", NoToken, null, 401, None)]
    // 400 comes before the scope check: fields, then not-lendable, then programme-limit.
    [InlineData("draw down in 01 with an amount of 0", Roles.BranchOfficer, "79", 400, Validation)]
    [InlineData("draw down general money in 01", Roles.BranchOfficer, "79", 400, NotLendable)]
    [InlineData("draw down above the poor-households cap in 01", Roles.BranchOfficer, "79", 400, ProgrammeLimit)]
    [InlineData("draw down general money above the poor-households cap in 01", Roles.BranchOfficer, "01", 400, NotLendable)]
    // Domain refusals come last.
    [InlineData("repay more than is outstanding on the loan of 00004", Roles.BranchOfficer, "01", 409, OverRepayment)]
    [InlineData("draw down more than 01's local budget holds", Roles.BranchOfficer, "01", 409, InsufficientFunds)]
    // The entrusted-funds statement.
    [InlineData("read the entrusted funds of 01 for year=abc", Roles.PeopleCommittee, "01", 400, Validation)]
    [InlineData("read the entrusted funds of 01 for year=2026.5", Roles.CentralFinance, null, 400, Validation)]
    [InlineData("read the entrusted funds of 79 for year=abc", Roles.PeopleCommittee, "01", 400, Validation)]
    [InlineData("read the entrusted funds of ZZ for year=abc", Roles.CentralFinance, null, 400, Validation)]
    [InlineData("read the entrusted funds of ZZ", Roles.CentralFinance, null, 404, NotFound)]
    [InlineData("read the entrusted funds of 79", Roles.PeopleCommittee, "01", 403, Forbidden)]
    [InlineData("read the entrusted funds of 79", Roles.BranchOfficer, "01", 403, Forbidden)]
    [InlineData("read the entrusted funds of 01", Roles.PeopleCommittee, "00004", 403, Forbidden)]
    [InlineData("read the entrusted funds of 01", Roles.PeopleCommittee, "79", 403, Forbidden)]
    // What the same people may do (so that the refusals above are about the row, not the client).
    [InlineData("read the loan of 00004", Roles.BranchOfficer, "01", 200, None)]
    [InlineData("read the loan of 00004", Roles.Analyst, null, 200, None)]
    [InlineData("read the loan of 00004", Roles.CentralFinance, null, 200, None)]
    [InlineData("read the entrusted funds of 79", Roles.PeopleCommittee, "79", 200, None)]
    [InlineData("read the entrusted funds of 79", Roles.Analyst, null, 200, None)]
    [InlineData("read the entrusted funds of 01", Roles.PeopleCommittee, "01", 200, None)]
    [InlineData("read the entrusted funds of 00004", Roles.PeopleCommittee, "01", 200, None)]
    [InlineData("read the entrusted funds of 01 for this year", Roles.PeopleCommittee, "01", 200, None)]
    public async Task Each_refusal_answers_its_status_and_problem_type_and_appends_nothing(
        string request, string role, string? locality, int status, string type)
    {
        var seeded = await SeedAsync();
        var eventsBefore = await Service.EventCountAsync();
        using var client = role == NoToken ? Service.Client() : Service.Client(role, locality);

        var answer = await SendAsync(client, request, seeded);

        Assert.True(answer.Status == status, $"{request} by {role} {locality}: expected {status} {type}, got {answer}");
        if (type != None) Assert.Equal(type, answer.ProblemType);
        Assert.Equal(eventsBefore, await Service.EventCountAsync());
        var loan = await Service.Client(Roles.CentralFinance).ReadLoanAsync(seeded.LoanId);
        Assert.Equal(100 * Million, loan.Vnd("outstandingVnd"));
    }

    [Fact]
    public async Task A_refused_drawdown_leaves_its_command_id_free_for_a_corrected_drawdown()
    {
        await SeedAsync();
        var commandId = Guid.NewGuid();
        using var branch = Service.Client(Roles.BranchOfficer, "01");
        (await branch.DrawDownAsync("00004", CentralBudget, PoorHouseholds, 150 * Million, commandId: commandId)).ExpectProblem(400, ProgrammeLimit);
        (await branch.DrawDownAsync("01", LocalBudget, JobCreation, 2_000 * Million, commandId: commandId)).ExpectProblem(409, InsufficientFunds);

        var answer = await branch.DrawDownAsync("00004", CentralBudget, PoorHouseholds, 90 * Million, commandId: commandId);

        Assert.Equal(90 * Million, (await branch.ReadLoanAsync(answer.LoanId())).Vnd("principalVnd"));
    }

    private static Task<Answer> SendAsync(HttpClient client, string request, Seeded seeded)
    {
        const string year = "read the entrusted funds of 01 for this year";
        return request switch
        {
            "draw down in 01" => client.DrawDownAsync("01", CentralBudget, PoorHouseholds, 10 * Million),
            "draw down in 00004" => client.DrawDownAsync("00004", CentralBudget, PoorHouseholds, 10 * Million),
            "draw down in 01 with an amount of 0" => client.DrawDownAsync("01", CentralBudget, PoorHouseholds, 0),
            "draw down general money in 01" => client.DrawDownAsync("01", CentralBudget, General, 10 * Million),
            "draw down above the poor-households cap in 01" => client.DrawDownAsync("01", CentralBudget, PoorHouseholds, 150 * Million),
            "draw down general money above the poor-households cap in 01" => client.DrawDownAsync("01", CentralBudget, General, 150 * Million),
            "draw down more than 01's local budget holds" => client.DrawDownAsync("01", LocalBudget, JobCreation, 2_000 * Million),
            "repay the loan of 00004" => client.RepayAsync(seeded.LoanId, 10 * Million),
            "repay more than is outstanding on the loan of 00004" => client.RepayAsync(seeded.LoanId, 100 * Million + 1),
            "repay an unknown loan" => client.RepayAsync(Guid.NewGuid().ToString(), 10 * Million),
            "repay a loan id that is not a UUID" => client.RepayAsync("not-a-uuid", 10 * Million),
            "read the loan of 00004" => client.GetAnswerAsync($"/api/loans/{seeded.LoanId}"),
            "read an unknown loan" => client.GetAnswerAsync($"/api/loans/{Guid.NewGuid()}"),
            "read a loan id that is not a UUID" => client.GetAnswerAsync("/api/loans/not-a-uuid"),
            "reverse the allocation" => client.ReverseAsync(seeded.Allocation),
            year => client.GetAnswerAsync($"/api/localities/01/entrusted-funds?year={ServiceFixture.Today.Year.ToString(CultureInfo.InvariantCulture)}"),
            _ when request.StartsWith("read the entrusted funds of ", StringComparison.Ordinal) =>
                client.GetAnswerAsync(EntrustedFundsUrl(request["read the entrusted funds of ".Length..])),
            _ => throw new ArgumentException($"unknown request '{request}'", nameof(request)),
        };
    }

    /// <summary>"79" → /api/localities/79/entrusted-funds; "01 for year=abc" → ...?year=abc.</summary>
    private static string EntrustedFundsUrl(string what)
    {
        var parts = what.Split(" for ", 2);
        return $"/api/localities/{parts[0]}/entrusted-funds" + (parts.Length == 2 ? "?" + parts[1] : "");
    }

    /// <summary>
    /// 1bn of poor-households money allocated VN → 01 → 00004 (500M), one loan of 100M at 00004, and 1bn of
    /// local budget at 01 and at 79.
    /// </summary>
    private async Task<Seeded> SeedAsync()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        using var branch = Service.Client(Roles.BranchOfficer, "01");
        (await finance.EntrustCentralBudgetAsync(1_000 * Million, PoorHouseholds)).Expect(200);
        (await finance.AllocateAsync("VN", "01", 1_000 * Million, CentralBudget, PoorHouseholds)).Expect(200);
        var allocation = (await branch.AllocateAsync("01", "00004", 500 * Million, CentralBudget, PoorHouseholds)).Expect(200).CommandId();
        var loanId = (await branch.DrawDownAsync("00004", CentralBudget, PoorHouseholds, 100 * Million)).LoanId();
        (await finance.TopUpLocalBudgetAsync("01", 1_000 * Million, JobCreation)).Expect(200);
        (await finance.TopUpLocalBudgetAsync("79", 1_000 * Million, JobCreation)).Expect(200);
        return new Seeded(loanId, allocation);
    }

    private static JsonObject BodyOf(string route, Seeded seeded)
    {
        var body = JsonNode.Parse(ValidBodies[route].Replace("@allocation", seeded.Allocation.ToString(), StringComparison.Ordinal))!.AsObject();
        body["commandId"] = Guid.NewGuid();
        return body;
    }

    private static string UrlOf(string route, Seeded seeded) => route.Replace("{loanId}", seeded.LoanId, StringComparison.Ordinal);

    private HttpClient ClientFor(string route) =>
        route == Reversals ? Service.Client(Roles.CentralFinance) : Service.Client(Roles.BranchOfficer, "01");

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private sealed record Seeded(string LoanId, Guid Allocation);
}
