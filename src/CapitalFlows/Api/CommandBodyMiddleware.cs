using System.Buffers;
using CapitalFlows.Engine;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace CapitalFlows.Api;

/// <summary>
/// Runs after authentication and authorisation, before the endpoint, on every command (a POST under /api):
/// a body over 64 KiB is 413, a body that is not JSON is 415, malformed JSON, anything but a JSON object or a
/// value of the wrong JSON type, or a member the command does not have, is 400 — in the order API.md gives. It
/// keeps the canonical hash of the body for idempotency. From here until its answer is written, the command counts as
/// one of the node's <see cref="CommandArrivals"/>, which group commit's window waits for.
/// </summary>
public sealed class CommandBodyMiddleware(RequestDelegate next, IOptions<JsonOptions> json, CommandArrivals arrivals)
{
    public const int MaxBodyBytes = 64 * 1024;
    private const string HashKey = "CapitalFlows.BodyHash";
    private const string ContentTypeKey = "CapitalFlows.ContentType";

    public static string HashOf(HttpContext http) =>
        http.Items[HashKey] as string ?? throw new InvalidOperationException("The command body was not read by CommandBodyMiddleware");

    /// <summary>The command record the endpoint reads its body into (e.g. <c>Allocate</c>).</summary>
    public static Type? CommandTypeOf(HttpContext http) => http.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;

    private static bool IsCommand(HttpContext http) =>
        HttpMethods.IsPost(http.Request.Method) && http.Request.Path.StartsWithSegments("/api");

    /// <summary>
    /// Before routing: ASP.NET Core routes a command whose content type is not JSON to a bare 415 endpoint
    /// that skips authentication and authorisation. Routing sees JSON, so that 401 and 403 come first; the
    /// content type the client sent is checked after them, in <see cref="InvokeAsync"/>.
    /// </summary>
    public static Task DeferContentTypeCheck(HttpContext http, RequestDelegate next)
    {
        if (IsCommand(http))
        {
            http.Items[ContentTypeKey] = http.Request.ContentType;
            http.Request.ContentType = "application/json";
        }
        return next(http);
    }

    public async Task InvokeAsync(HttpContext http)
    {
        if (!IsCommand(http))
        {
            await next(http);
            return;
        }
        // Group commit's window waits for this command while it is on its way to the engine (CommandArrivals).
        using var arrival = arrivals.Begin();
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            await WriteStatus(http, StatusCodes.Status413PayloadTooLarge, "The body is larger than 64 KiB.");
            return;
        }
        http.Request.ContentType = http.Items[ContentTypeKey] as string;
        if (!http.Request.HasJsonContentType())
        {
            await WriteStatus(http, StatusCodes.Status415UnsupportedMediaType, "Commands are JSON: send Content-Type: application/json.");
            return;
        }

        var body = await ReadAtMostAsync(http.Request.Body, MaxBodyBytes + 1, http.RequestAborted);
        if (body.Length > MaxBodyBytes)
        {
            await WriteStatus(http, StatusCodes.Status413PayloadTooLarge, "The body is larger than 64 KiB.");
            return;
        }
        http.Request.Body = new MemoryStream(body, writable: false);

        var problem = HashOrProblem(http, body) ?? FieldErrorsOf(http, body);
        if (problem is not null)
        {
            await problem.ToResult().ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    /// <summary>The body, read up to <paramref name="limit"/> bytes (a little past it at most), through a pooled
    /// chunk: a body is a few hundred bytes, and a chunk of its own for each request was a sixth of what a command
    /// allocated.</summary>
    private static async Task<byte[]> ReadAtMostAsync(Stream body, int limit, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while (buffer.Length < limit && (read = await body.ReadAsync(chunk, ct)) > 0)
                buffer.Write(chunk, 0, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails? HashOrProblem(HttpContext http, byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return Problems.Validation("$", "The body must be a JSON object.");
            // The route is part of the command: the same id and body sent to another route is another command.
            http.Items[HashKey] = CanonicalJson.Hash(document.RootElement, http.Request.Path.Value ?? "");
            return null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            // Malformed JSON, or text that is not valid UTF-8 (a lone surrogate, a broken byte).
            return Problems.Validation("$", $"Malformed JSON: {e.Message}");
        }
    }

    private static Task WriteStatus(HttpContext http, int status, string detail) =>
        Results.Problem(statusCode: status, detail: detail).ExecuteAsync(http);

    /// <summary>
    /// Members the command record does not have (one field error each), with the first value of the wrong JSON
    /// type when there is one: both in one validation problem.
    /// </summary>
    private Microsoft.AspNetCore.Mvc.ProblemDetails? FieldErrorsOf(HttpContext http, byte[] body)
    {
        var commandType = CommandTypeOf(http);
        if (commandType is null) return null;
        var errors = new FieldErrors();
        using (var document = JsonDocument.Parse(body))
            UnknownFields.AddTo(errors, UnknownFields.Of(document.RootElement, commandType, json.Value.SerializerOptions), commandType, json.Value.SerializerOptions);
        errors.Include(FieldTypeError(commandType, body));
        return errors.ToProblem();
    }

    /// <summary>
    /// A value of the wrong JSON type (a string or fractional amount, a malformed UUID) fails when the body is
    /// read into the endpoint's command record; it is answered here as a field error of the validation problem.
    /// </summary>
    private Microsoft.AspNetCore.Mvc.ProblemDetails? FieldTypeError(Type commandType, byte[] body)
    {
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
