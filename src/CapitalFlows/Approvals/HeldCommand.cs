using System.Security.Claims;
using System.Text.Json;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Approvals;

/// <summary>
/// One kind of command that can wait for approval: its route, its record type, its field checks and how it is
/// recorded — the same <c>Validate</c> and <c>Record</c> its endpoint runs when the command is not held.
/// </summary>
public sealed class HeldCommand(
    string route, Type commandType,
    Func<object, ClaimsPrincipal, CommandServices, ProblemDetails> validate,
    Func<object, CommandEnvelope, CommandServices, Task<IResult>> record)
{

    public string Route { get; } = route;

    public Type CommandType { get; } = commandType;

    public static HeldCommand For<T>(
        string route, Func<T, ClaimsPrincipal, CommandServices, ProblemDetails> validate,
        Func<T, CommandEnvelope, CommandServices, Task<IResult>> record) where T : class =>
        new(route, typeof(T), (c, user, s) => validate((T)c, user, s), (c, envelope, s) => record((T)c, envelope, s));

    /// <summary>A command whose route has parameters (<c>{loanId}</c>): recorded with their values from the path it was sent to.</summary>
    public static HeldCommand ForRoute<T>(
        string route, Func<T, ClaimsPrincipal, CommandServices, ProblemDetails> validate,
        Func<T, IReadOnlyDictionary<string, string>, CommandEnvelope, CommandServices, Task<IResult>> record) where T : class =>
        new(route, typeof(T), (c, user, s) => validate((T)c, user, s), (c, envelope, s) => throw new InvalidOperationException($"{route} needs its route values"))
        {
            RecordWithRouteValues = (c, values, envelope, s) => record((T)c, values, envelope, s),
        };

    private Func<object, IReadOnlyDictionary<string, string>, CommandEnvelope, CommandServices, Task<IResult>>? RecordWithRouteValues { get; init; }

    /// <summary>The values of the route's parameters in <paramref name="path"/> (<c>/api/loans/{loanId}/write-offs</c> against the path sent).</summary>
    public IReadOnlyDictionary<string, string> RouteValuesOf(string? path)
    {
        var template = Route.Split('/');
        var segments = (path ?? "").Split('/');
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < template.Length && i < segments.Length; i++)
            if (template[i] is ['{', .. var name, '}'])
                values[name] = Uri.UnescapeDataString(segments[i]);
        return values;
    }

    /// <summary>
    /// The stored body read into its command record, checked again on today's state and recorded: a problem from
    /// the checks is answered as the endpoint would answer it.
    /// </summary>
    public Task<IResult> RunAsync(
        string body, JsonSerializerOptions json, ClaimsPrincipal maker, CommandEnvelope envelope, CommandServices services, string? path = null)
    {
        var command = JsonSerializer.Deserialize(body, CommandType, json)!;
        var problem = validate(command, maker, services);
        if (!ReferenceEquals(problem, Wolverine.Http.WolverineContinue.NoProblems)) return Task.FromResult(problem.ToResult());
        return RecordWithRouteValues is { } withValues
            ? withValues(command, RouteValuesOf(path), envelope, services)
            : record(command, envelope, services);
    }
}
