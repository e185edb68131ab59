using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CapitalFlows.Commands;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReceivingMobilisedCapital;
using CapitalFlows.Loans;
using CapitalFlows.Loans.ReadingLoans;
using CapitalFlows.Localities;
using CapitalFlows.Localities.ReadingLocalities;
using CapitalFlows.Programmes;
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

    private static readonly Dictionary<Type, ApiOperation> ByBody =
        ApiOperations.ByRoute.Values.Where(o => o.Body is not null).ToDictionary(o => o.Body!);

    public static void Configure(OpenApiOptions options)
    {
        options.AddSchemaTransformer(DescribeSchemaAsync);
        options.AddOperationTransformer(DescribeOperationAsync);
        options.AddDocumentTransformer(DescribeDocumentAsync);
    }

    /// <summary>The values a field may take, by its JSON name; <c>status</c> depends on the type that carries it.</summary>
    private static IReadOnlyList<string>? EnumOf(Type type, string field, ProgrammeCatalogue programmes) => field switch
    {
        "source" => Sources.All,
        "programme" or "toProgramme" => programmes.All.Select(p => p.Code).ToList(),
        "entrustedOrganisation" => EntrustedOrganisations.All,
        "instrument" => ReceiveMobilisedCapitalEndpoint.Instruments,
        "level" => LocalityLevel.All,
        "status" when type == typeof(LocalityView) => LocalityStatuses,
        "status" when type == typeof(LoanView) => [LoanStatus.Active, LoanStatus.Repaid, LoanStatus.Reversed],
        _ => null,
    };

    private static readonly IReadOnlyList<string> LocalityStatuses = ["active", "merged"];

    /// <summary>Text fields that hold a calendar date or an instant.</summary>
    private static string? FormatOf(string field) => field switch
    {
        "effectiveOn" or "asOf" or "date" or "drawnOn" or "openedOn" or "closedOn" => "date",
        "recordedAt" or "knownAt" => "date-time",
        _ => null,
    };

    private static Task DescribeSchemaAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var type = context.JsonTypeInfo.Type;
        if (schema.Properties is not { Count: > 0 } properties) return Task.CompletedTask;
        var programmes = context.ApplicationServices.GetRequiredService<ProgrammeCatalogue>();
        ByBody.TryGetValue(type, out var command);

        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (!properties.TryGetValue(property.Name, out var field) || field is not OpenApiSchema fieldSchema) continue;
            // A command's fields: present or absent, never null; which must be present is the table's to say.
            // An answer's field written only when it has a value is optional, and never null.
            var omittedWhenNull = property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), true)
                .OfType<JsonIgnoreAttribute>().Any(a => a.Condition == JsonIgnoreCondition.WhenWritingNull) ?? false;
            if (command is not null || omittedWhenNull)
            {
                NotNull(fieldSchema);
                schema.Required?.Remove(property.Name);
            }
            var target = fieldSchema.Type?.HasFlag(JsonSchemaType.Array) == true && fieldSchema.Items is OpenApiSchema items ? items : fieldSchema;
            if (EnumOf(type, property.Name, programmes) is { } values && target.Type?.HasFlag(JsonSchemaType.String) == true)
                target.Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
            if (FormatOf(property.Name) is { } format && target.Type?.HasFlag(JsonSchemaType.String) == true && target.Format is null)
                target.Format = format;
            if (property.Name.EndsWith("Vnd", StringComparison.Ordinal))
                fieldSchema.Description ??= "Whole đồng.";
        }

        if (command is not null)
        {
            var unknown = command.Required.Where(r => !properties.ContainsKey(r)).ToList();
            if (unknown.Count > 0)
                throw new InvalidOperationException($"ApiOperations names required fields {string.Join(", ", unknown)} that {type.Name} does not have.");
            schema.Required = new HashSet<string>(command.Required);
            // Unknown fields are refused (400 validation naming each), never dropped.
            schema.AdditionalPropertiesAllowed = false;
            if (properties.TryGetValue("amountVnd", out var amount) && amount is OpenApiSchema amountSchema)
            {
                amountSchema.Minimum = "1";
                amountSchema.Maximum = "1000000000000000";
            }
        }
        return Task.CompletedTask;
    }

    private static void NotNull(OpenApiSchema schema)
    {
        if (schema.Type is { } t && t.HasFlag(JsonSchemaType.Null)) schema.Type = t & ~JsonSchemaType.Null;
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
        var schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = parameter.Name is "from" or "to" ? "date" : FormatOf(parameter.Name) };
        if (parameter.Name is "year" or "after" or "limit") schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" };
        if (parameter.Name == "loanId") schema.Format = "uuid";
        var values = parameter.Name switch
        {
            "level" => LocalityLevel.All,
            "status" => [.. LocalityStatuses, "all"],
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
        document.Components.Schemas[ProblemSchema] = ProblemDetailsSchema();
        // Wolverine's placeholders for endpoints that answer IResult; the table names the real answers.
        foreach (var placeholder in new[] { "IResult", "ProblemDetails" })
            document.Components.Schemas.Remove(placeholder);
        NameNestedTypes(document);
        document.Tags = new HashSet<OpenApiTag>(ApiOperations.Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        return Task.CompletedTask;
    }

    /// <summary>
    /// The schemas made for the answers hold the types they contain inline; each C# type becomes a component of its
    /// own name instead (<c>Balances</c>, <c>FundBalance</c>), so that a generated client names them too.
    /// </summary>
    private static void NameNestedTypes(OpenApiDocument document)
    {
        var components = document.Components!.Schemas!;
        var pending = new Queue<string>(components.Keys);
        while (pending.TryDequeue(out var name))
            if (components[name] is OpenApiSchema component) Visit(component);

        void Visit(OpenApiSchema schema)
        {
            if (schema.Properties is { } properties)
                foreach (var (key, value) in properties.ToList()) properties[key] = Named(value);
            if (schema.Items is not null) schema.Items = Named(schema.Items);
            if (schema.AdditionalProperties is not null) schema.AdditionalProperties = Named(schema.AdditionalProperties);
        }

        IOpenApiSchema Named(IOpenApiSchema candidate)
        {
            if (candidate is not OpenApiSchema schema) return candidate;
            var id = schema.Metadata?.TryGetValue("x-schema-id", out var value) == true ? value as string : null;
            if (string.IsNullOrEmpty(id) || id.StartsWith("Json", StringComparison.Ordinal) || schema.Properties is not { Count: > 0 })
            {
                Visit(schema);
                return schema;
            }
            var nullable = schema.Type is { } t && t.HasFlag(JsonSchemaType.Null);
            if (!components.ContainsKey(id))
            {
                NotNull(schema);
                components[id] = schema;
                pending.Enqueue(id);
            }
            var reference = new OpenApiSchemaReference(id, document);
            return nullable ? new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, reference] } : reference;
        }
    }

    private static OpenApiSchema ProblemDetailsSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An RFC 9457 problem: type names the refusal (/problems/<slug>), so a client tells refusals apart without reading prose.",
        Required = new HashSet<string> { "type", "title", "status" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "/problems/<slug>", Examples = ["/problems/insufficient-funds"] },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "validation only: every field error found, by field name.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["successor"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "locality-closed only: the code of the successor." },
        },
    };
}
