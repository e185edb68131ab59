using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// A token with exactly the claims a test names, validly signed with the development key and right in issuer,
/// audience and lifetime: what an identity provider (or anyone holding the key) could issue. A claim given an
/// array is written as a JSON array (<c>"role": ["x", "branch-officer"]</c>); a null value leaves the claim out.
/// </summary>
public static class ForgedToken
{
    public static string With(params (string Claim, object? Value)[] claims)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "capitalflows",
            Audience = "capitalflows",
            Claims = claims.Where(c => c.Value is not null).ToDictionary(c => c.Claim, c => c.Value!),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ServiceFixture.SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
