namespace CapitalFlows.Security;

/// <summary>The <c>Auth</c> configuration section (API.md).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public string Issuer { get; set; } = "capitalflows";

    public string Audience { get; set; } = "capitalflows";

    /// <summary>HS256 key for development and tests only (at least 32 bytes).</summary>
    public string? SigningKey { get; set; }

    /// <summary>An OpenID Connect issuer, for production.</summary>
    public string? Authority { get; set; }
}
