using System.Text.Json;
using System.Text.RegularExpressions;
using CapitalFlows.Api;
using CapitalFlows.IntegrationTests.Infrastructure;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// <c>/openapi/v1.json</c> describes the contract exactly: every operation named, tagged and typed, and a client
/// generated from it (openapi-typescript) compiles against typed answers while Redocly's linter reports no error
/// (<c>tests/contract</c>).
/// </summary>
public sealed partial class OpenApiContractTests(ServiceFixture service) : IntegrationTest(service)
{
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(3);

    private async Task<JsonElement> DocumentAsync()
    {
        var answer = await Service.Client().GetAnswerAsync("/openapi/v1.json");
        Assert.Equal(200, answer.Status);
        return answer.Json;
    }

    private static IEnumerable<(string Key, JsonElement Operation)> Operations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from method in path.Value.EnumerateObject()
        select ($"{method.Name.ToUpperInvariant()} {path.Name}", method.Value);

    [Fact]
    public async Task Every_operation_has_an_id_a_task_and_a_typed_answer()
    {
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var tags = document.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToHashSet();
        var gaps = new List<string>();
        foreach (var (key, operation) in Operations(document))
        {
            var id = operation.TryGetProperty("operationId", out var i) ? i.GetString() : null;
            if (id is null || !CamelCase().IsMatch(id)) gaps.Add($"{key}: operation id {id ?? "missing"} (add a row to ApiOperations)");
            if (!operation.TryGetProperty("tags", out var t) || t.GetArrayLength() == 0 || t.EnumerateArray().Any(x => !tags.Contains(x.GetString())))
                gaps.Add($"{key}: no tag of ApiOperations.Tags");
            if (!operation.TryGetProperty("security", out var security) || security.GetArrayLength() == 0)
                gaps.Add($"{key}: no security requirement");
            var successes = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            if (successes.Count == 0) gaps.Add($"{key}: no 2xx response");
            foreach (var success in successes)
            {
                if (!success.Value.TryGetProperty("content", out var content) || !content.EnumerateObject().Any())
                    gaps.Add($"{key}: {success.Name} has no content");
                else
                    foreach (var media in content.EnumerateObject())
                        if (!IsTyped(media.Value.GetProperty("schema"), schemas))
                            gaps.Add($"{key}: {success.Name} {media.Name} has an empty schema");
            }
            foreach (var refusal in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' && r.Name != "401"))
                if (!refusal.Value.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out _))
                    gaps.Add($"{key}: {refusal.Name} is not application/problem+json");
        }
        Assert.True(gaps.Count == 0, string.Join("\n", gaps));
    }

    /// <summary>A schema a client can read: a named type with fields, a list of one, or a scalar.</summary>
    private static bool IsTyped(JsonElement schema, JsonElement schemas)
    {
        if (schema.TryGetProperty("$ref", out var reference))
            return schemas.TryGetProperty(reference.GetString()!.Split('/')[^1], out var target) && IsTyped(target, schemas);
        if (schema.TryGetProperty("items", out var items)) return IsTyped(items, schemas);
        if (schema.TryGetProperty("properties", out var properties)) return properties.EnumerateObject().Any();
        return schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "object";
    }

    [Fact]
    public async Task Every_route_in_the_table_is_served_and_every_served_route_is_in_the_table()
    {
        var served = Operations(await DocumentAsync()).Select(o => o.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(ApiOperations.ByRoute.Keys.Order(StringComparer.Ordinal), served);
    }

    [Fact]
    public async Task A_command_names_its_required_fields_its_enums_and_every_refusal()
    {
        var document = await DocumentAsync();
        var allocate = document.GetProperty("paths").GetProperty("/api/allocations").GetProperty("post");
        Assert.Equal("allocate", allocate.GetProperty("operationId").GetString());
        var body = document.GetProperty("components").GetProperty("schemas").GetProperty("Allocate");
        Assert.Equal(["amountVnd", "commandId", "from", "programme", "source", "to"],
            body.GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal));
        Assert.False(body.GetProperty("additionalProperties").GetBoolean());
        var fields = body.GetProperty("properties");
        Assert.Equal("string", fields.GetProperty("decisionRef").GetProperty("type").GetString());   // optional, never null
        Assert.Contains("central-budget", fields.GetProperty("source").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("poor-households", fields.GetProperty("toProgramme").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));

        var responses = allocate.GetProperty("responses");
        Assert.Contains("`not-a-direct-child`", responses.GetProperty("400").GetProperty("description").GetString());
        Assert.Contains("`insufficient-funds`", responses.GetProperty("409").GetProperty("description").GetString());
        Assert.Contains("`command-id-reused`", responses.GetProperty("409").GetProperty("description").GetString());
        Assert.Contains("`forbidden`", responses.GetProperty("403").GetProperty("description").GetString());

        var drawDown = document.GetProperty("paths").GetProperty("/api/loans").GetProperty("post").GetProperty("responses");
        Assert.True(drawDown.TryGetProperty("201", out _));
        Assert.False(drawDown.TryGetProperty("200", out _));

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty(OpenApiContract.BearerScheme);
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.Equal("JWT", scheme.GetProperty("bearerFormat").GetString());
    }

    [Fact]
    public async Task The_second_editions_answers_refusals_and_parameters_are_described()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths");
        string Refusals(string path, string method, string status) =>
            paths.GetProperty(path).GetProperty(method).GetProperty("responses").GetProperty(status).GetProperty("description").GetString()!;

        // A command four eyes may hold answers 202 with its approval; every command can meet a closed period, a busy store, a rate limit.
        var held = paths.GetProperty("/api/allocations").GetProperty("post").GetProperty("responses").GetProperty("202");
        Assert.EndsWith("/HeldCommandAnswer", held.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.False(paths.GetProperty("/api/capital/local-budget-top-ups").GetProperty("post").GetProperty("responses").TryGetProperty("202", out _));
        Assert.Contains("`period-closed`", Refusals("/api/loans/{loanId}/repayments", "post", "409"));
        Assert.Contains("`busy`", Refusals("/api/allocations", "post", "503"));
        Assert.Contains("`rate-limited`", Refusals("/api/allocations", "post", "429"));
        Assert.Contains("`total-limit`", Refusals("/api/capital/charity-donations", "post", "409"));
        Assert.Contains("`command-rejected`", Refusals("/api/reversals", "post", "409"));
        Assert.Contains("`same-approver`", Refusals("/api/approvals/{approvalId}/approve", "post", "403"));
        Assert.Contains("`too-many-exports`", Refusals("/api/reports/{report}", "get", "429"));

        var report = paths.GetProperty("/api/reports/{report}").GetProperty("get");
        Assert.Equal(["application/json", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"],
            report.GetProperty("responses").GetProperty("200").GetProperty("content").EnumerateObject().Select(c => c.Name).Order(StringComparer.Ordinal));
        var format = report.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "format");
        Assert.Equal(["xlsx", "csv", "json"], format.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!));

        var events = paths.GetProperty("/api/events").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("schema").TryGetProperty("format", out var f) ? f.GetString() : null);
        Assert.Equal("date", events["from"]);
        Assert.Equal("date-time", events["recordedFrom"]);
        var approvals = paths.GetProperty("/api/approvals").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "status");
        Assert.Equal(["pending", "approved", "rejected"], approvals.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!));
    }

    [Fact]
    public async Task A_generated_TypeScript_client_compiles_against_typed_answers_and_the_linter_reports_no_error()
    {
        var contract = Path.Combine(ToolRun.RepositoryRoot(), "tests", "contract");
        var documentFile = Path.Combine(Path.GetTempPath(), $"capitalflows-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(documentFile, (await Service.Client().GetAnswerAsync("/openapi/v1.json")).Body, TestContext.Current.CancellationToken);
        try
        {
            await InstallAsync(contract);
            var generated = Path.Combine(contract, "generated", "api.d.ts");
            await Succeeds(contract, "openapi-typescript", "node_modules/openapi-typescript/bin/cli.js", documentFile, "--output", generated);
            await Succeeds(contract, "tsc", "node_modules/typescript/bin/tsc", "--project", "tsconfig.json", "--noEmit");
            await Succeeds(contract, "redocly lint", "node_modules/@redocly/cli/bin/cli.js", "lint", documentFile,
                "--config", "redocly.yaml", "--format", "stylish");
        }
        finally
        {
            File.Delete(documentFile);
        }
    }

    /// <summary><c>npm ci</c> once: again only when the lock file changed since the last install.</summary>
    private static async Task InstallAsync(string contract)
    {
        var installed = Path.Combine(contract, "node_modules", ".package-lock.json");
        if (File.Exists(installed) && File.GetLastWriteTimeUtc(installed) >= File.GetLastWriteTimeUtc(Path.Combine(contract, "package-lock.json")))
            return;
        var run = await ToolRun.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], contract, NpmTimeout);
        Assert.True(run.ExitCode == 0, $"npm ci in {contract} failed: {run}");
    }

    private static async Task Succeeds(string contract, string what, params string[] arguments)
    {
        var run = await ToolRun.RunAsync("node", arguments, contract, ToolTimeout,
            new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" });
        Assert.True(run.ExitCode == 0, $"{what} failed: {run}");
    }

    [GeneratedRegex("^[a-z][A-Za-z]+$")]
    private static partial Regex CamelCase();
}
