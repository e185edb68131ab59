namespace CapitalFlows.Api;

/// <summary>
/// <c>X-Correlation-ID</c> is stored on every event a command appends and reaches the exports (a CSV cell that
/// starts with <c>=</c> is a spreadsheet formula), so it is taken only as a plain token: 1 to 128 characters of
/// <c>A–Z a–z 0–9 . _ : / -</c>, not starting with <c>-</c> (nor <c>= + @</c>, which the set leaves out).
/// Anything else, on any request under /api, is 400 <c>validation</c> naming the header; nothing is appended.
/// An absent header is fine: the trace id stands in for it.
/// </summary>
public static class CorrelationIdCheck
{
    public const string Header = "X-Correlation-ID";
    public const int MaxLength = 128;

    public static bool IsPlainToken(string? value) =>
        value is { Length: > 0 and <= MaxLength } && value[0] != '-' && value.All(IsTokenCharacter);

    private static bool IsTokenCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '/' or '-';

    /// <summary>Middleware: after authentication and authorisation (401 and 403 come first) and the body checks.</summary>
    public static Task RefuseMalformed(HttpContext http, RequestDelegate next)
    {
        if (!http.Request.Path.StartsWithSegments("/api") || !http.Request.Headers.TryGetValue(Header, out var values))
            return next(http);
        if (values.Count == 1 && IsPlainToken(values[0])) return next(http);
        return Problems.Validation(Header, values.Count > 1
                ? $"Send one {Header} header, not {values.Count}."
                : $"{Header} must be 1 to {MaxLength} characters of letters, digits and . _ : / -, not starting with '-'.")
            .ToResult().ExecuteAsync(http);
    }
}
