using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace CapitalFlows.Commands;

/// <summary>
/// Runs after authentication and authorisation, before the endpoint, on every command (a POST under /api):
/// a body over 64 KiB is 413, a body that is not JSON is 415, malformed JSON or anything but a JSON object
/// is 400 — in the order API.md gives. It keeps the canonical hash of the body for idempotency.
/// </summary>
public sealed class CommandBodyMiddleware(RequestDelegate next, IOptions<JsonOptions> json)
{
    public const int MaxBodyBytes = 64 * 1024;
    private const string HashKey = "CapitalFlows.BodyHash";

    public static string HashOf(HttpContext http) =>
        http.Items[HashKey] as string ?? throw new InvalidOperationException("The command body was not read by CommandBodyMiddleware");

    public async Task InvokeAsync(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Path.StartsWithSegments("/api"))
        {
            await next(http);
            return;
        }
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            await WriteStatus(http, StatusCodes.Status413PayloadTooLarge, "The body is larger than 64 KiB.");
            return;
        }
        if (!http.Request.HasJsonContentType())
        {
            await WriteStatus(http, StatusCodes.Status415UnsupportedMediaType, "Commands are JSON: send Content-Type: application/json.");
            return;
        }

        http.Request.EnableBuffering(MaxBodyBytes + 1, MaxBodyBytes + 1);
        var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        if (buffer.Length > MaxBodyBytes)
        {
            await WriteStatus(http, StatusCodes.Status413PayloadTooLarge, "The body is larger than 64 KiB.");
            return;
        }
        http.Request.Body.Position = 0;

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                await Problems.Validation("$", "The body must be a JSON object.").ToResult().ExecuteAsync(http);
                return;
            }
            http.Items[HashKey] = CanonicalJson.Hash(document.RootElement);
        }
        catch (JsonException e)
        {
            await Problems.Validation("$", $"Malformed JSON: {e.Message}").ToResult().ExecuteAsync(http);
            return;
        }
        if (FieldTypeError(http, buffer.ToArray()) is { } problem)
        {
            await problem.ToResult().ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    private static Task WriteStatus(HttpContext http, int status, string detail) =>
        Results.Problem(statusCode: status, detail: detail).ExecuteAsync(http);

    /// <summary>
    /// A value of the wrong JSON type (a string or fractional amount, a malformed UUID) fails when the body is
    /// read into the endpoint's command record; it is answered here as a field error of the validation problem.
    /// </summary>
    private Microsoft.AspNetCore.Mvc.ProblemDetails? FieldTypeError(HttpContext http, byte[] body)
    {
        var commandType = http.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        if (commandType is null) return null;
        try
        {
            JsonSerializer.Deserialize(body, commandType, json.Value.SerializerOptions);
            return null;
        }
        catch (JsonException e)
        {
            var field = (e.Path ?? "$").TrimStart('$', '.');
            var property = commandType.GetProperties().FirstOrDefault(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase));
            var expected = (Nullable.GetUnderlyingType(property?.PropertyType ?? typeof(object)) ?? property?.PropertyType) switch
            {
                { } t when t == typeof(long) || t == typeof(int) => "a whole number (a JSON integer, not a string or a fraction)",
                { } t when t == typeof(Guid) => "a UUID",
                { } t when t == typeof(string) => "a string",
                { } t when t == typeof(string[]) => "an array of strings",
                _ => "a value of the documented type",
            };
            return Problems.Validation(field.Length == 0 ? "$" : field, $"{(field.Length == 0 ? "The body" : field)} must be {expected}.");
        }
    }
}
