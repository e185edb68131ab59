using System.Security.Claims;
using System.Text.Json;
using CapitalFlows.Commands;
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

    /// <summary>
    /// The stored body read into its command record, checked again on today's state and recorded: a problem from
    /// the checks is answered as the endpoint would answer it.
    /// </summary>
    public Task<IResult> RunAsync(string body, JsonSerializerOptions json, ClaimsPrincipal maker, CommandEnvelope envelope, CommandServices services)
    {
        var command = JsonSerializer.Deserialize(body, CommandType, json)!;
        var problem = validate(command, maker, services);
        return ReferenceEquals(problem, Wolverine.Http.WolverineContinue.NoProblems)
            ? record(command, envelope, services)
            : Task.FromResult(problem.ToResult());
    }
}
