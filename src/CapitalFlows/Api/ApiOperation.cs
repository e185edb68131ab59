namespace CapitalFlows.Api;

/// <summary>
/// What the OpenAPI document says about one route (<see cref="ApiOperations"/>): the name a generated client
/// calls it by, the task it belongs to, its answer and every refusal it can give.
/// </summary>
/// <param name="OperationId">A camelCase verb phrase: the method name of a generated client (<c>allocate</c>).</param>
/// <param name="Tag">The task the route serves (<see cref="ApiOperations.Tags"/>).</param>
/// <param name="Answer">The type of the success answer's body (for a list, its item: see <paramref name="List"/>).</param>
/// <param name="Problems">The problem slugs (<c>Commands/Problems.cs</c>) the route can answer, besides those every route
/// of its kind can give (401, 403 <c>forbidden</c>; for commands 400 <c>validation</c>, 409 <c>command-id-reused</c>, 413, 415).</param>
public sealed record ApiOperation(string OperationId, string Tag, string Summary, Type Answer, params string[] Problems)
{
    /// <summary>The success status: 201 for a new loan.</summary>
    public int Status { get; init; } = 200;

    /// <summary>The answer is a JSON array of <see cref="Answer"/>.</summary>
    public bool List { get; init; }

    /// <summary>The command record bound from the body, or none for a read.</summary>
    public Type? Body { get; init; }

    /// <summary>The body fields a client must send (the records' properties are nullable so that the service reports every missing field itself).</summary>
    public IReadOnlyList<string> Required { get; init; } = [];

    /// <summary>An example body (a command) in the form a client sends it.</summary>
    public object? Example { get; init; }

    /// <summary>Media types of the success answer besides JSON (a streamed export).</summary>
    public IReadOnlyList<string>? MediaTypes { get; init; }

    /// <summary>Other success answers (status, body type, when), e.g. 202 for a command held for a second approver.</summary>
    public IReadOnlyList<(int Status, Type Answer, string Description)> OtherAnswers { get; init; } = [];

    /// <summary>A longer description: who may call it and what it does.</summary>
    public string? Description { get; init; }
}
