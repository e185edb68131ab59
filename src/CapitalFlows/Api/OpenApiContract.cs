using System.Text.Json;
using System.Text.Json.Nodes;
using CapitalFlows.Commands;
using CapitalFlows.Localities;
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
                Schema = mediaType == "text/csv" ? new OpenApiSchema { Type = JsonSchemaType.String } : bodySchema,
            };

        if (row.Body is not null && content.TryGetValue("application/json", out var answerContent))
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
            DescribeParameter(parameter);
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
        };

    private static void DescribeParameter(OpenApiParameter parameter)
    {
        if (parameter.Name is null || !QueryParameters.TryGetValue(parameter.Name, out var known)) return;
        parameter.Description ??= known.Description;
        var schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = parameter.Name is "from" or "to" ? "date" : OpenApiSchemas.FormatOf(parameter.Name) };
        if (parameter.Name is "year" or "after" or "limit") schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" };
        if (parameter.Name == "loanId") schema.Format = "uuid";
        var values = parameter.Name switch
        {
            "level" => LocalityLevel.All,
            "status" => [.. OpenApiSchemas.LocalityStatuses, "all"],
            "format" => ["ndjson", "csv"],
            _ => null,
        };
        if (values is not null) schema.Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
        parameter.Schema = schema;
        if (known.Example is not null)
            parameter.Example = schema.Type == JsonSchemaType.Integer ? JsonValue.Create(long.Parse(known.Example, System.Globalization.CultureInfo.InvariantCulture)) : JsonValue.Create(known.Example);
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
