using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReceivingMobilisedCapital;
using CapitalFlows.Loans;
using CapitalFlows.Loans.ReadingLoans;
using CapitalFlows.Loans.WritingOff;
using CapitalFlows.Localities;
using CapitalFlows.Localities.ReadingLocalities;
using CapitalFlows.Programmes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CapitalFlows.Api;

/// <summary>
/// The schemas of <see cref="OpenApiContract"/>: what reflection cannot see in the C# types (enums, formats, which
/// command fields are required, fields written only when they have a value), nested types named, the problem type.
/// </summary>
internal static class OpenApiSchemas
{
    private static readonly Dictionary<Type, ApiOperation> ByBody =
        ApiOperations.ByRoute.Values.Where(o => o.Body is not null).ToDictionary(o => o.Body!);

    /// <summary>The values a field may take, by its JSON name; <c>status</c> depends on the type that carries it.</summary>
    private static IReadOnlyList<string>? EnumOf(Type type, string field, ProgrammeCatalogue programmes) => field switch
    {
        "source" => Sources.All,
        "programme" or "toProgramme" => programmes.All.Select(p => p.Code).ToList(),
        "entrustedOrganisation" => EntrustedOrganisations.All,
        "instrument" => ReceiveMobilisedCapitalEndpoint.Instruments,
        "level" => LocalityLevel.All,
        "status" when type == typeof(LocalityView) => LocalityStatuses,
        "status" when type == typeof(LoanView) => [LoanStatus.Active, LoanStatus.Repaid, LoanStatus.Reversed, LoanStatus.WrittenOff],
        "cause" => WriteOffLoanEndpoint.Causes,
        _ => null,
    };

    public static readonly IReadOnlyList<string> LocalityStatuses = ["active", "merged"];

    /// <summary>Text fields that hold a calendar date or an instant.</summary>
    public static string? FormatOf(string field) => field switch
    {
        "effectiveOn" or "asOf" or "date" or "drawnOn" or "openedOn" or "closedOn" or "dueOn" or "maturityOn" => "date",
        "recordedAt" or "knownAt" => "date-time",
        _ => null,
    };

    public static Task DescribeSchemaAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
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

    /// <summary>
    /// The schemas made for the answers hold the types they contain inline; each C# type becomes a component of its
    /// own name instead (<c>Balances</c>, <c>FundBalance</c>), so that a generated client names them too.
    /// </summary>
    public static void NameNestedTypes(OpenApiDocument document)
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

    public static OpenApiSchema ProblemDetailsSchema() => new()
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
