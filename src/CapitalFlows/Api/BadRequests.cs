using System.Text.Json;
using CapitalFlows.Engine;
using Microsoft.AspNetCore.Diagnostics;

namespace CapitalFlows.Api;

/// <summary>
/// No input produces a 500: a body whose JSON does not fit the command (a string or fractional amount, a
/// malformed UUID) fails in deserialisation, before any decision, and is answered 400 validation here. A read that
/// finds the connection pool exhausted (or a lock busy) is 503 busy, not 500.
/// </summary>
public static class BadRequests
{
    public static Task HandleAsync(HttpContext http)
    {
        var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
        var json = error as JsonException ?? error?.InnerException as JsonException;
        if (json is not null)
            return Problems.Validation(json.Path is { Length: > 0 } path ? path : "$", $"The value at {json.Path ?? "$"} is not valid for that field.")
                .ToResult().ExecuteAsync(http);
        if (Busy.IsBusy(error))
            return Busy.Answer(http, "The database is busy: no connection or lock could be had in time.", error).ExecuteAsync(http);
        if (error is BadHttpRequestException bad)
            return Results.Problem(statusCode: bad.StatusCode, detail: bad.Message).ExecuteAsync(http);
        return Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: "Internal error",
            detail: "The service could not complete the request; nothing was recorded unless the command's id now answers.").ExecuteAsync(http);
    }
}
