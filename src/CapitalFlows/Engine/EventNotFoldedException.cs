namespace CapitalFlows.Engine;

/// <summary>
/// An event the fold of a stream does not know, or one that cannot come where it came (a loan's repayment before its
/// drawdown): the log or a decision is wrong, so the fold stops instead of skipping it.
/// </summary>
public sealed class EventNotFoldedException(object @event, string stream)
    : InvalidOperationException($"{@event.GetType().Name} does not follow on {stream}")
{
    /// <summary>The event's type.</summary>
    public Type EventType { get; } = @event.GetType();

    /// <summary>The stream, as the fold names it (<c>fund 01/central-budget/general</c>, <c>loan …</c>, <c>a new loan</c>).</summary>
    public string Stream { get; } = stream;
}
