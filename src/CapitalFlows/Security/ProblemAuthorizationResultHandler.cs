using CapitalFlows.Api;
using CapitalFlows.Engine;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Wolverine.Attributes;

namespace CapitalFlows.Security;

/// <summary>Answers a role that may not use a route with a 403 <c>/problems/forbidden</c>, not an empty body.</summary>
/// <remarks>An ASP.NET Core service, not a Wolverine message handler, whatever its name suggests.</remarks>
[WolverineIgnore]
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var role = Caller.From(context.User).Role;
            return Problems.Forbidden($"The role '{role}' may not use {context.Request.Method} {context.Request.Path}.")
                .ToResult().ExecuteAsync(context);
        }
        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
