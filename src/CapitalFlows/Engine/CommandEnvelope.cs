using CapitalFlows.Api;
using CapitalFlows.Security;

namespace CapitalFlows.Engine;

/// <summary>
/// A command as the recorder takes it, apart from its decision: the hash of the body sent (idempotency), the
/// command's name, who sent it and the correlation id its events carry. An HTTP request gives one; an approval
/// gives the stored command's, with its maker as the sender and the checker beside them.
/// </summary>
public sealed record CommandEnvelope(string BodyHash, string Command, Caller Caller, string CorrelationId, CancellationToken Aborted)
{
    /// <summary>Four eyes: the approval that releases this command, and its checker (named on the events too).</summary>
    public Approval? Approval { get; init; }

    /// <summary>The command's place in an ordered run (an import's wave), decided in place order; null for any other request.</summary>
    public OrderedPlace? Place { get; init; }

    public static CommandEnvelope FromHttpContext(HttpContext http) => new(
        CommandBodyMiddleware.HashOf(http),
        CommandBodyMiddleware.CommandTypeOf(http)?.Name ?? "command",
        Caller.From(http.User),
        MovementRecorder.CorrelationOf(http),
        http.RequestAborted)
    {
        Place = http.Features.Get<OrderedPlace>(),
    };

    public static implicit operator CommandEnvelope(HttpContext http) => FromHttpContext(http);
}
