using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Approvals.Deciding;

/// <summary>A central-finance user drops a held command: nothing moves. Its maker may withdraw their own this way.</summary>
public sealed record RejectHeldCommand(Guid? CommandId, string? Reason);

public static class RejectHeldCommandEndpoint
{
    public static ProblemDetails Validate(RejectHeldCommand command) => DecisionFields.Validate(command.CommandId, command.Reason);

    [WolverinePost("/api/approvals/{approvalId}/reject")]
    [Authorize(Roles = Roles.CentralFinance)]
    public static Task<IResult> Post(RejectHeldCommand command, string approvalId, HttpContext http, FourEyes fourEyes) =>
        DecisionFields.ApprovalId(approvalId) is { } id
            ? fourEyes.RejectAsync(http, id, command.CommandId!.Value, command.Reason)
            : Task.FromResult(DecisionFields.MalformedApprovalId(approvalId));
}
