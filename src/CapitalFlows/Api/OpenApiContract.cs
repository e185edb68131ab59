using System.Text.Json;
using System.Text.Json.Nodes;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Operations;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CapitalFlows.Api;

/// <summary>
/// Makes <c>/openapi/v1.json</c> describe the contract exactly, from one place: the routes' table
/// (<see cref="ApiOperations"/>) gives each operation its id, tag, answer and refusals; the schemas of the C# types
/// get the enums, formats and required fields that reflection cannot see (command records have nullable properties
/// so that the service reports every missing field itself). Nothing here is read by the endpoints.
/// </summary>
public static class OpenApiContract
{
    public const string BearerScheme = "bearer";
    public const string ProblemSchema = "Problem";

    public static void Configure(OpenApiOptions options)
    {
        options.AddSchemaTransformer(OpenApiSchemas.DescribeSchemaAsync);
        options.AddOperationTransformer(DescribeOperationAsync);
        options.AddDocumentTransformer(DescribeDocumentAsync);
    }

    private static async Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var description = context.Description;
        var key = $"{description.HttpMethod} /{description.RelativePath}";
        if (!ApiOperations.ByRoute.TryGetValue(key, out var row)) return;   // the contract test names it

        var body = description.ParameterDescriptions.FirstOrDefault(p => p.Source == BindingSource.Body)?.Type;
        if (body != row.Body)
            throw new InvalidOperationException($"ApiOperations says {key} takes a {row.Body?.Name ?? "no body"}; the endpoint binds {body?.Name ?? "none"}.");

        var document = context.Document!;
        operation.OperationId = row.OperationId;
        operation.Summary = row.Summary;
        operation.Description = row.Description;
        operation.Tags = new HashSet<OpenApiTagReference> { new(row.Tag, document) };
        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];

        var answer = await SchemaOfAsync(row.Answer, context, ct);
        IOpenApiSchema bodySchema = row.List ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = answer } : answer;
        var content = new Dictionary<string, OpenApiMediaType>();
        foreach (var mediaType in row.MediaTypes ?? ["application/json"])
            content[mediaType] = new OpenApiMediaType
            {
                Schema = mediaType switch
                {
                    "text/csv" => new OpenApiSchema { Type = JsonSchemaType.String },
                    "application/json" or "application/x-ndjson" => bodySchema,
                    _ => new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },   // a workbook
                },
            };

        if (row.Answer == typeof(CommandAnswer) && content.TryGetValue("application/json", out var answerContent))
            answerContent.Example = CommandAnswerExample(row);
        var responses = new OpenApiResponses
        {
            [row.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = row.Status == 201 ? "Created" : "OK",
                Content = content,
            },
        };
        foreach (var (status, type, when) in row.OtherAnswers)
            responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = when,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = await SchemaOfAsync(type, context, ct) } },
            };
        var slugs = new List<string>();
        if (row.Body is not null) slugs.Add("validation");
        slugs.AddRange(row.Problems);
        slugs.Add("forbidden");
        // A read waits for one of the node's read slots, and is answered busy when their queue is full (ReadGate).
        if (ReadGate.Holds(description.HttpMethod ?? "", "/" + description.RelativePath)) slugs.Add("busy");
        if (row.Body is not null) slugs.Add("command-id-reused");
        foreach (var group in slugs.Distinct().GroupBy(s => Problems.Catalogue[s].Status).OrderBy(g => g.Key))
            responses[group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = Problem(document,
                string.Join("; ", group.Select(s => $"`{s}` ({Problems.Catalogue[s].Title}: /problems/{s})")), ExampleOf(group.First()));
        responses["401"] = new OpenApiResponse { Description = "No bearer token, a token that does not validate, or an expired one." };
        if (row.Body is not null)
        {
            responses["413"] = Problem(document, "The body is larger than 64 KiB.");
            responses["415"] = Problem(document, "The body is not JSON (send Content-Type: application/json).");
        }
        operation.Responses = new OpenApiResponses();
        foreach (var (status, response) in responses.OrderBy(r => r.Key, StringComparer.Ordinal))
            operation.Responses[status] = response;

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            DescribeParameter(parameter, key);
        if (row.Example is not null && operation.RequestBody is OpenApiRequestBody { Content: { } requestContent }
            && requestContent.TryGetValue("application/json", out var json))
            json.Example = JsonSerializer.SerializeToNode(row.Example, JsonSerializerOptions.Web);
    }

    /// <summary>A response type as a named component, so that a generated client has a type of that name.</summary>
    private static async Task<IOpenApiSchema> SchemaOfAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(type.Name) != true)
            document.AddComponent(type.Name, await context.GetOrCreateSchemaAsync(type, null, ct));
        return new OpenApiSchemaReference(type.Name, document);
    }

    private static OpenApiResponse Problem(OpenApiDocument document, string description, JsonNode? example = null) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document), Example = example },
        },
    };

    private static JsonObject CommandAnswerExample(ApiOperation row)
    {
        var example = new JsonObject
        {
            ["commandId"] = JsonSerializer.SerializeToNode(row.Example, JsonSerializerOptions.Web)?["commandId"]?.DeepClone()
                ?? "3f2b6c1e-8a4d-4b7e-9c21-5d0e7a9b1f43",
            ["recordedAt"] = "2025-07-01T09:30:00+07:00",
            ["effectiveOn"] = "2025-07-01",
            // The two-fund movements append an event to each stream; an inflow appends one.
            ["events"] = row.OperationId is "allocate" or "recall" or "drawDownLoan" or "repayLoan" ? 2 : 1,
        };
        if (row.Status == 201) example["loanId"] = "0d6f5a3e-2b1c-4f8e-9a7d-6c5b4a3e2f1d";
        if (row.OperationId == "repayLoan") example["outstandingVnd"] = 50_000_000;
        return example;
    }

    /// <summary>A problem as the service writes it, for the slug.</summary>
    private static JsonObject ExampleOf(string slug)
    {
        var (status, title, explanation) = Problems.Catalogue[slug];
        var example = new JsonObject { ["type"] = $"/problems/{slug}", ["title"] = title, ["status"] = status, ["detail"] = explanation };
        if (slug == "validation")
            example["errors"] = new JsonObject { ["amountVnd"] = new JsonArray("amountVnd must be a whole number of đồng from 1 to 10^15.") };
        return example;
    }

    private static readonly Dictionary<string, (string Description, string? Example)> QueryParameters =
        new Dictionary<string, (string, string?)>
        {
            ["code"] = ("An official locality code: VN, a province (01) or a commune (00004).", "01"),
            ["loanId"] = ("The loan's id (a UUID).", null),
            ["asOf"] = ("The effective date: balances at the end of that day in Vietnam (default today).", "2025-12-31"),
            ["knownAt"] = ("Only what had been recorded by this instant (ISO 8601 with an offset; default now).", "2026-01-02T00:00:00+07:00"),
            ["level"] = ("Only localities of this level.", "province"),
            ["parent"] = ("Only the direct children of this locality code.", "01"),
            ["status"] = ("active (the default), merged or all.", "active"),
            ["year"] = ("Only movements effective in this year; balances at its end.", "2025"),
            ["from"] = ("The first effective date (inclusive).", "2025-01-01"),
            ["to"] = ("The last effective date (inclusive).", "2025-12-31"),
            ["after"] = ("Only events after this sequence number (the last one read).", "0"),
            ["limit"] = ("At most this many events.", "100"),
            ["format"] = ("ndjson (the default) or csv.", "ndjson"),
            ["q"] = ("Only localities whose code or name (with or without Vietnamese marks) matches, best first.", "ha noi"),
            ["by"] = ("child: also each direct child's subtree capital.", "child"),
            ["dates"] = ("One to 12 dates YYYY-MM-DD, comma-separated, none in the future.", "2025-06-30,2025-12-31"),
            ["structure"] = ("current (the default): every date on today's provinces; asof: each date's own.", "current"),
            ["recordedFrom"] = ("Only events recorded at or after this instant (ISO 8601 with an offset).", "2025-01-01T00:00:00+07:00"),
            ["recordedTo"] = ("Only events recorded before this instant (ISO 8601 with an offset).", "2026-01-01T00:00:00+07:00"),
            ["locality"] = ("The locality the report is for (entrusted-funds: required; credit-quality: default VN; the others: unused).", "01"),
            ["report"] = ("capital-by-province, capital-by-programme, entrusted-funds, credit-plan or credit-quality.", "capital-by-province"),
            ["approvalId"] = ("The approvalId of a held command's 202 answer (a UUID).", null),
        };

    /// <summary>Parameters whose meaning or values depend on the route.</summary>
    private static (string Description, string? Example, IReadOnlyList<string>? Values)? RouteParameter(string route, string name) => (route, name) switch
    {
        ("GET /api/reports/{report}", "format") => ("xlsx (the default), csv or json.", "xlsx", Reports.GetReportEndpoint.Formats),
        ("GET /api/reports/{report}", "report") => (QueryParameters["report"].Description, "capital-by-province",
            [.. Reports.GetReportEndpoint.Available, .. Reports.GetReportEndpoint.NotYetAvailable]),
        ("GET /api/reports/{report}", "year") => ("The plan year of credit-plan (default the year of asOf); unused by the others.", "2026", null),
        ("GET /api/approvals", "status") => ("pending (the default), approved or rejected.", "pending", Approvals.PendingCommand.Statuses),
        ("GET /api/capital/compare", "by") => ("province (the default), programme or source.", "province",
            CapitalFlows.National.ComparingCapital.CapitalComparisonTable.Bys),
        ("GET /api/capital/compare", "structure") => (QueryParameters["structure"].Description, "current", CapitalFlows.National.ComparingCapital.CapitalComparisonTable.Structures),
        ("GET /api/localities/{code}/capital", "by") => (QueryParameters["by"].Description, "child", ["child"]),
        ("GET /api/localities/{code}/credit-quality", "by") => ("programme (the default), organisation or child: how the rows are grouped.", "programme",
            Loans.ReadingCreditQuality.GetCreditQualityEndpoint.Groupings),
        ("GET /api/events", "from") => ("Only events effective on or after this date.", "2025-01-01", null),
        ("GET /api/events", "to") => ("Only events effective on or before this date.", "2025-12-31", null),
        _ => null,
    };

    private static void DescribeParameter(OpenApiParameter parameter, string route)
    {
        if (parameter.Name is null) return;
        var special = RouteParameter(route, parameter.Name);
        if (special is null && !QueryParameters.ContainsKey(parameter.Name)) return;
        var (description, example) = special is { } s ? (s.Description, s.Example) : QueryParameters[parameter.Name];
        parameter.Description ??= description;
        var schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = parameter.Name is "from" or "to" ? "date" : OpenApiSchemas.FormatOf(parameter.Name) };
        if (parameter.Name is "recordedFrom" or "recordedTo") schema.Format = "date-time";
        if (parameter.Name is "year" or "after" or "limit") schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" };
        if (parameter.Name is "loanId" or "approvalId") schema.Format = "uuid";
        var values = special?.Values ?? parameter.Name switch
        {
            "level" => LocalityLevel.All,
            "status" => [.. OpenApiSchemas.LocalityStatuses, "all"],
            "format" => ["ndjson", "csv"],
            _ => null,
        };
        if (values is not null) schema.Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
        parameter.Schema = schema;
        if (example is not null)
            parameter.Example = schema.Type == JsonSchemaType.Integer ? JsonValue.Create(long.Parse(example, System.Globalization.CultureInfo.InvariantCulture)) : JsonValue.Create(example);
    }

    private static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info = new OpenApiInfo
        {
            Title = "CapitalFlows API",
            Version = "1",
            Description = "The capital ledger of a social-policy bank: capital received, allocated down the tree of localities and " +
                "lent by programme. Amounts are whole đồng (JSON integers). Refusals are RFC 9457 problem details whose type " +
                "is /problems/<slug>. Every command body carries a client-chosen commandId: a retry gets the first answer.",
        };
        // The server the document was fetched from (none when written by the openapi command: then deploy/run.sh's),
        // without the trailing slash that generators refuse.
        document.Servers = document.Servers is { Count: > 0 } servers
            ? servers.Select(s => new OpenApiServer { Url = s.Url?.TrimEnd('/'), Description = "This service" }).ToList()
            : [new OpenApiServer { Url = "http://127.0.0.1:5080", Description = "The service that bash deploy/run.sh starts" }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT with the claims sub, name, role (central-finance, branch-officer, people-committee, analyst) and, " +
                "for the two scoped roles, locality. In development: dotnet run --project src/CapitalFlows -- token --role ROLE.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemSchema] = OpenApiSchemas.ProblemDetailsSchema();
        // Wolverine's placeholders for endpoints that answer IResult; the table names the real answers.
        foreach (var placeholder in new[] { "IResult", "ProblemDetails" })
            document.Components.Schemas.Remove(placeholder);
        OpenApiSchemas.NameNestedTypes(document);
        document.Tags = new HashSet<OpenApiTag>(ApiOperations.Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        return Task.CompletedTask;
    }
}
