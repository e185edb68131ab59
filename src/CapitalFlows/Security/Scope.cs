using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Security;

/// <summary>
/// Locality scope (API.md): a scoped caller acts on, and reads, its own locality and everything below it on
/// the date concerned. Unscoped roles (central finance, analysts) reach every locality their role allows.
/// </summary>
public static class Scope
{
    public static bool Covers(Caller caller, string locality, DateOnly date, LocalityDirectory localities) =>
        !Roles.IsScoped(caller.Role)
        || (caller.Locality is { } own && localities.IsWithin(locality, own, date));

    /// <summary>A 403 problem when any of the localities lies outside the caller's scope, else null.</summary>
    public static ProblemDetails? Refuse(Caller caller, DateOnly date, LocalityDirectory localities, params string[] touched)
    {
        var outside = touched.FirstOrDefault(l => !Covers(caller, l, date, localities));
        return outside is null
            ? null
            : Problems.Forbidden($"Locality {outside} is outside the scope of your token ({caller.Locality}).");
    }
}
