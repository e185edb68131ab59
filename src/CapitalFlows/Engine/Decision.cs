using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Engine;

/// <summary>An event to append to one stream.</summary>
public sealed record StreamEvent(string StreamKey, object Event);

/// <summary>What a pure decision returns: the events to append, or the refusal that appends nothing.</summary>
public sealed record Decision(ProblemDetails? Refusal, IReadOnlyList<StreamEvent> Events)
{
    /// <summary>The new loan, for the answer of a drawdown.</summary>
    public Guid? LoanId { get; init; }

    /// <summary>What is outstanding on the loan afterwards, for the answer of a repayment.</summary>
    public long? OutstandingVnd { get; init; }

    /// <summary>The earlier command this one reverses.</summary>
    public Guid? Reverses { get; init; }

    public static Decision Refuse(ProblemDetails problem) => new(problem, []);

    public static Decision Append(params StreamEvent[] events) => new(null, events);

    public static implicit operator Decision(ProblemDetails problem) => Refuse(problem);
}
