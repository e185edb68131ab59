using System.Text.Json;
using CapitalFlows.Security;

namespace CapitalFlows.Approvals;

/// <summary>
/// A command held for a second person's approval (four eyes): the route and the body exactly as the maker sent
/// them, the body's hash (its idempotency key, as the recorder keeps it), the maker and when. Nothing it would
/// move has moved. A checker approves it (the command is applied as sent, in the transaction that marks it
/// approved) or rejects it (dropped).
/// </summary>
public sealed record PendingCommand(
    Guid Id, Guid CommandId, string Route, string Body, string BodyHash, Caller Maker, string CorrelationId, DateTimeOffset RequestedAt)
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    public static readonly IReadOnlyList<string> Statuses = [Pending, Approved, Rejected];

    public string Status { get; init; } = Pending;

    /// <summary>The path it was sent to, when its route has parameters (the loan of a write-off).</summary>
    public string? Path { get; init; }

    /// <summary>Who approved or rejected it, when, with which command, and why.</summary>
    public Caller? Checker { get; init; }

    public DateTimeOffset? DecidedAt { get; init; }

    public Guid? DecidedByCommandId { get; init; }

    public string? Reason { get; init; }

    /// <summary>The answer to the maker while it waits: 202, and the approval to ask about.</summary>
    public HeldCommandAnswer PendingAnswer => new(CommandId, Pending, Id);

    /// <summary>The list row: the command as sent (its body as JSON), its state and both people.</summary>
    public ApprovalView View => new(
        Id, CommandId, Path ?? Route, JsonDocument.Parse(Body).RootElement, Status, new ApprovalParty(Maker.Sub, Maker.Name), RequestedAt,
        Checker is null ? null : new ApprovalParty(Checker.Sub, Checker.Name), DecidedAt, Reason);
}
