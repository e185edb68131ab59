using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Commands;

/// <summary>An event to append to one stream.</summary>
public sealed record StreamEvent(string StreamKey, object Event);

/// <summary>What a pure decision returns: the events to append, or the refusal that appends nothing.</summary>
public sealed record Decision(ProblemDetails? Refusal, IReadOnlyList<StreamEvent> Events)
{
    public static Decision Refuse(ProblemDetails problem) => new(problem, []);

    public static Decision Append(params StreamEvent[] events) => new(null, events);

    public static implicit operator Decision(ProblemDetails problem) => Refuse(problem);
}
