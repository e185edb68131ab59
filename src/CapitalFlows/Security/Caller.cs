using System.Security.Claims;

namespace CapitalFlows.Security;

/// <summary>Who sent a request, read from the validated token's claims.</summary>
public sealed record Caller(string Sub, string Name, string Role, string? Locality)
{
    public static Caller From(ClaimsPrincipal user) => new(
        user.FindFirstValue("sub") ?? "",
        user.FindFirstValue("name") ?? user.FindFirstValue("sub") ?? "",
        user.FindFirstValue("role") ?? "",
        user.FindFirstValue("locality"));
}
