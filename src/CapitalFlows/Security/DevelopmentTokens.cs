using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CapitalFlows.Security;

/// <summary>Mints development tokens signed with <c>Auth:SigningKey</c>: the <c>token</c> command, and the tests.</summary>
public static class DevelopmentTokens
{
    public static string Mint(AuthOptions auth, string role, string? locality, string? name, string? sub, DateTimeOffset now, TimeSpan lifetime)
    {
        if (string.IsNullOrEmpty(auth.SigningKey))
            throw new InvalidOperationException("Auth:SigningKey is not configured.");
        var claims = new List<Claim>
        {
            new("sub", sub ?? $"dev-{role}{(locality is null ? "" : "-" + locality)}"),
            new("name", name ?? $"Development {role}{(locality is null ? "" : " " + locality)}"),
            new("role", role),
        };
        if (locality is not null) claims.Add(new("locality", locality));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(Authentication.SigningKey(auth.SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }
}
