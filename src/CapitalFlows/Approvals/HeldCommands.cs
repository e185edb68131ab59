using System.Security.Claims;
using System.Text.Json;
using CapitalFlows.Commands;
using CapitalFlows.Funds.Allocating;
using CapitalFlows.Funds.EntrustingCentralBudget;
using CapitalFlows.Funds.Recalling;
using CapitalFlows.Funds.ReceivingMobilisedCapital;
using CapitalFlows.Localities;
using CapitalFlows.Localities.Merging;
using CapitalFlows.Programmes;
using CapitalFlows.Reversals;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Approvals;

/// <summary>What re-running a held command needs: the recorder and what the commands' checks and decisions read.</summary>
public sealed record CommandServices(MovementRecorder Recorder, LocalityDirectory Localities, ProgrammeCatalogue Programmes, TimeProvider Clock);

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

/// <summary>
/// The commands that four eyes may hold, by route: central entrustments, mobilisations, allocations and recalls
/// of at least <c>Approvals:ThresholdVnd</c>, and every reversal and merge. Add a held command here and call
/// <see cref="FourEyes"/> from its endpoint.
/// </summary>
public static class HeldCommands
{
    public static readonly IReadOnlyDictionary<string, HeldCommand> ByRoute = new[]
    {
        HeldCommand.For<EntrustCentralBudget>("/api/capital/central-entrustments",
            (c, _, s) => EntrustCentralBudgetEndpoint.Validate(c, s.Programmes, s.Clock),
            (c, envelope, s) => EntrustCentralBudgetEndpoint.Record(c, envelope, s.Recorder, s.Clock)),
        HeldCommand.For<ReceiveMobilisedCapital>("/api/capital/mobilisations",
            (c, _, s) => ReceiveMobilisedCapitalEndpoint.Validate(c, s.Programmes, s.Clock),
            (c, envelope, s) => ReceiveMobilisedCapitalEndpoint.Record(c, envelope, s.Recorder, s.Clock)),
        HeldCommand.For<Allocate>("/api/allocations",
            (c, user, s) => AllocateEndpoint.Validate(c, user, s.Localities, s.Programmes, s.Clock),
            (c, envelope, s) => AllocateEndpoint.Record(c, envelope, s.Recorder, s.Localities, s.Clock)),
        HeldCommand.For<Recall>("/api/recalls",
            (c, user, s) => RecallEndpoint.Validate(c, user, s.Localities, s.Programmes, s.Clock),
            (c, envelope, s) => RecallEndpoint.Record(c, envelope, s.Recorder, s.Localities, s.Clock)),
        HeldCommand.For<ReverseMovement>("/api/reversals",
            (c, _, s) => ReverseMovementEndpoint.Validate(c, s.Clock),
            (c, envelope, s) => ReverseMovementEndpoint.Record(c, envelope, s.Recorder, s.Localities, s.Clock)),
        HeldCommand.For<MergeLocalities>("/api/localities/merges",
            (c, _, s) => MergeLocalitiesEndpoint.Validate(c, s.Localities, s.Clock),
            (c, envelope, s) => MergeLocalitiesEndpoint.Record(c, envelope, s.Recorder, s.Localities, s.Clock)),
    }.ToDictionary(c => c.Route, StringComparer.Ordinal);
}
