using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Approvals.Deciding;

/// <summary>A second central-finance user releases a held command: it is applied as its maker sent it.</summary>
public sealed record ApproveHeldCommand(Guid? CommandId, string? Reason);

public static class ApproveHeldCommandEndpoint
{
    public static ProblemDetails Validate(ApproveHeldCommand command) => DecisionFields.Validate(command.CommandId, command.Reason);

    [WolverinePost("/api/approvals/{approvalId}/approve")]
    [Authorize(Roles = Roles.CentralFinance)]
    public static Task<IResult> Post(ApproveHeldCommand command, string approvalId, HttpContext http, FourEyes fourEyes) =>
        DecisionFields.ApprovalId(approvalId) is { } id
            ? fourEyes.ApproveAsync(http, id, command.CommandId!.Value, command.Reason)
            : Task.FromResult(DecisionFields.MalformedApprovalId(approvalId));
}
