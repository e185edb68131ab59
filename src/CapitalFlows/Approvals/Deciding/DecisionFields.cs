using CapitalFlows.Api;
using CapitalFlows.Engine;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Approvals.Deciding;

/// <summary>The fields an approval and a rejection share: their own <c>commandId</c>, a <c>reason</c>, the approval id in the route.</summary>
public static class DecisionFields
{
    public static ProblemDetails Validate(Guid? commandId, string? reason)
    {
        var errors = new FieldErrors();
        errors.CommandId(commandId);
        errors.Text(reason, "reason", required: false);
        return errors.ToProblem() ?? WolverineContinue.NoProblems;
    }

    public static Guid? ApprovalId(string approvalId) =>
        Guid.TryParseExact(approvalId, "D", out var id) && id != Guid.Empty ? id : null;

    public static IResult MalformedApprovalId(string approvalId) =>
        Problems.Validation("approvalId", $"approvalId '{approvalId}' must be a UUID (the approvalId of a held command's 202 answer).").ToResult();
}
