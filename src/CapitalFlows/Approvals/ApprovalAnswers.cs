using System.Text.Json;

namespace CapitalFlows.Approvals;

/// <summary>The 202 answer to a command four eyes holds: nothing moved yet; <c>ApprovalId</c> is what a checker approves or rejects.</summary>
public sealed record HeldCommandAnswer(Guid CommandId, string Status, Guid ApprovalId);

/// <summary>
/// The answer to an approval or a rejection: the decision's own commandId, the approval, its new status, when and
/// why; <c>Command</c> is the held command's own answer when it was applied (a command answer with its funds), or
/// just its commandId when it was rejected.
/// </summary>
public sealed record ApprovalDecision(Guid CommandId, Guid ApprovalId, string Status, DateTimeOffset? DecidedAt, string? Reason, JsonElement? Command);

/// <summary>A user as an approval names them.</summary>
public sealed record ApprovalParty(string Sub, string Name);

/// <summary>A row of <c>GET /api/approvals</c>: the held command as its maker sent it (route and body), its status and both people.</summary>
public sealed record ApprovalView(
    Guid ApprovalId, Guid CommandId, string Route, JsonElement Body, string Status, ApprovalParty Maker, DateTimeOffset RequestedAt,
    ApprovalParty? Checker, DateTimeOffset? DecidedAt, string? Reason);
