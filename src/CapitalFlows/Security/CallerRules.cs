using System.Security.Claims;
using CapitalFlows.Localities;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace CapitalFlows.Security;

/// <summary>
/// API.md, second edition, "Trust": a caller acts in one role, as someone. A signed token is still refused
/// (401) when it carries more than one <c>role</c> (or <c>locality</c>), no <c>sub</c> or no <c>name</c>, a
/// branch officer's <c>locality</c> that is not a province, or a People's Committee's that is not a known
/// locality. Authorisation accepts a route when any role claim allows it while scope reads one of them, so a
/// token with two roles would act with one and be scoped by the other.
/// </summary>
/// <remarks>A token whose one role is not a role of API.md passes here and is refused 403 by every route.</remarks>
public static class CallerRules
{
    /// <summary>Why the token's caller is refused, or null when it is one caller in one role.</summary>
    public static string? Refusal(ClaimsPrincipal user, LocalityDirectory localities)
    {
        foreach (var type in new[] { "sub", "name", "role" })
        {
            var values = user.FindAll(type).Select(c => c.Value).ToList();
            if (values.Count == 0 || values.All(string.IsNullOrWhiteSpace))
                return $"The token has no '{type}' claim: a caller acts as someone, in one role.";
            if (values.Count > 1)
                return $"The token has {values.Count} '{type}' claims: a caller acts as one person, in one role.";
        }
        if (user.FindAll("locality").Skip(1).Any())
            return "The token has more than one 'locality' claim: a scoped caller has one locality.";

        var role = Caller.OnlyValue(user, "role");
        var locality = Caller.OnlyValue(user, "locality");
        return role switch
        {
            Roles.BranchOfficer when localities.Find(locality)?.Level != LocalityLevel.Province =>
                $"A branch officer's 'locality' claim must be a province; '{locality}' is not.",
            Roles.PeopleCommittee when localities.Find(locality) is null =>
                $"A People's Committee's 'locality' claim must be a known locality; '{locality}' is not.",
            _ => null,
        };
    }

    /// <summary>The JwtBearer hook: a signed token that breaks a rule fails authentication, so the request is 401.</summary>
    public static Task OnTokenValidated(TokenValidatedContext context)
    {
        var localities = context.HttpContext.RequestServices.GetRequiredService<LocalityDirectory>();
        if (context.Principal is not { } user) context.Fail("The token carries no claims.");
        else if (Refusal(user, localities) is { } refusal) context.Fail(refusal);
        return Task.CompletedTask;
    }
}
