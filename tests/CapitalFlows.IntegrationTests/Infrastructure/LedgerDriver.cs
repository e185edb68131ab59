using System.Text.Json;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// The commands and reads of the ledger as a client sends them, so that tests read as the movements they
/// describe. Optional fields left null are omitted from the body (an omitted field is not the same body as
/// a field given its default value).
/// </summary>
public static class LedgerDriver
{
    public const string CentralBudget = "central-budget";
    public const string LocalBudget = "local-budget";
    public const string General = "general";

    public static Task<Answer> EntrustCentralBudgetAsync(
        this HttpClient client, long amountVnd, string? programme = null, Guid? commandId = null, string? effectiveOn = null) =>
        client.PostJsonAsync("/api/capital/central-entrustments", Body(
            ("commandId", commandId ?? Guid.NewGuid()),
            ("amountVnd", amountVnd),
            ("programme", programme),
            ("decisionRef", "QĐ-TTg entrustment"),
            ("effectiveOn", effectiveOn)));

    public static Task<Answer> TopUpLocalBudgetAsync(
        this HttpClient client, string locality, long amountVnd, string? programme = null, Guid? commandId = null) =>
        client.PostJsonAsync("/api/capital/local-budget-top-ups", Body(
            ("commandId", commandId ?? Guid.NewGuid()),
            ("locality", locality),
            ("amountVnd", amountVnd),
            ("programme", programme),
            ("decisionRef", "NQ-HĐND top-up")));

    public static Task<Answer> AllocateAsync(
        this HttpClient client, string from, string to, long amountVnd, string source = CentralBudget, string programme = General,
        string? toProgramme = null, Guid? commandId = null, string? effectiveOn = null) =>
        client.PostJsonAsync("/api/allocations", Body(
            ("commandId", commandId ?? Guid.NewGuid()),
            ("from", from),
            ("to", to),
            ("source", source),
            ("programme", programme),
            ("toProgramme", toProgramme),
            ("amountVnd", amountVnd),
            ("effectiveOn", effectiveOn)));

    public static Task<Answer> RecallAsync(
        this HttpClient client, string from, string to, long amountVnd, string source = CentralBudget, string programme = General,
        Guid? commandId = null) =>
        client.PostJsonAsync("/api/recalls", Body(
            ("commandId", commandId ?? Guid.NewGuid()),
            ("from", from),
            ("to", to),
            ("source", source),
            ("programme", programme),
            ("amountVnd", amountVnd),
            ("reason", "Unused capital recalled")));

    public static Task<Answer> MergeAsync(
        this HttpClient client, string[] merged, string into, string effectiveOn, string? name = null, Guid? commandId = null) =>
        client.PostJsonAsync("/api/localities/merges", Body(
            ("commandId", commandId ?? Guid.NewGuid()),
            ("merged", merged),
            ("into", into),
            ("name", name),
            ("effectiveOn", effectiveOn)));

    /// <summary>
    /// The ledger issue's "Done when" scenario: 1,000bn central budget entrusted; 300bn allocated to 01 for poor
    /// households and 200bn to 79 for students; 01's branch passes 50bn down to commune 00004; 01's People's
    /// Committee tops up 20bn of local budget for job creation.
    /// </summary>
    public static async Task RecordLedgerScenarioAsync(this ServiceFixture service)
    {
        const long billion = 1_000_000_000;
        using var finance = service.Client(Security.Roles.CentralFinance);
        using var branch = service.Client(Security.Roles.BranchOfficer, "01");
        using var committee = service.Client(Security.Roles.PeopleCommittee, "01");
        (await finance.EntrustCentralBudgetAsync(1_000 * billion)).Expect(200);
        (await finance.AllocateAsync("VN", "01", 300 * billion, CentralBudget, General, toProgramme: "poor-households")).Expect(200);
        (await finance.AllocateAsync("VN", "79", 200 * billion, CentralBudget, General, toProgramme: "students")).Expect(200);
        (await branch.AllocateAsync("01", "00004", 50 * billion, CentralBudget, "poor-households")).Expect(200);
        (await committee.TopUpLocalBudgetAsync("01", 20 * billion, "job-creation")).Expect(200);
    }

    /// <summary>The answer, when it is the expected status; otherwise the test fails showing the whole answer.</summary>
    public static Answer Expect(this Answer answer, int status)
    {
        if (answer.Status != status)
            Assert.Fail($"Expected {status}, got {answer}");
        return answer;
    }

    public static async Task<JsonElement> ReadJsonAsync(this HttpClient client, string url) =>
        (await client.GetAnswerAsync(url)).Expect(200).Json;

    /// <summary>The available amount of one fund line (source, programme) of a Balances object; 0 when absent.</summary>
    public static long FundAvailable(this JsonElement balances, string source, string programme) =>
        balances.GetProperty("funds").EnumerateArray()
            .Where(f => f.GetProperty("source").GetString() == source && f.GetProperty("programme").GetString() == programme)
            .Select(f => f.GetProperty("availableVnd").GetInt64())
            .SingleOrDefault();

    /// <summary>The line of an array whose <paramref name="key"/> property has <paramref name="value"/>; fails when absent.</summary>
    public static JsonElement Line(this JsonElement array, string key, string value) =>
        array.EnumerateArray().SingleOrDefault(l => l.GetProperty(key).GetString() == value) is { ValueKind: JsonValueKind.Object } line
            ? line
            : throw new Xunit.Sdk.XunitException($"No line with {key} = {value} in {array}");

    public static long Vnd(this JsonElement element, string property) => element.GetProperty(property).GetInt64();

    private static Dictionary<string, object> Body(params (string Name, object? Value)[] fields) =>
        fields.Where(f => f.Value is not null).ToDictionary(f => f.Name, f => f.Value!);
}
