using System.Security.Claims;

namespace CapitalFlows.Security;

/// <summary>Who sent a request, read from the validated token's claims.</summary>
public sealed record Caller(string Sub, string Name, string Role, string? Locality)
{
    /// <summary>
    /// The caller of a token that <see cref="CallerRules"/> accepted. A claim given more than once is read as
    /// absent, never as "the first" of its values: a second role must not decide which role acts.
    /// </summary>
    public static Caller From(ClaimsPrincipal user) => new(
        OnlyValue(user, "sub") ?? "",
        OnlyValue(user, "name") ?? "",
        OnlyValue(user, "role") ?? "",
        OnlyValue(user, "locality"));

    /// <summary>The claim's value when the token carries it exactly once, else null.</summary>
    public static string? OnlyValue(ClaimsPrincipal user, string type)
    {
        string? found = null;
        foreach (var claim in user.FindAll(type))
        {
            if (found is not null) return null;
            found = claim.Value;
        }
        return found;
    }
}
