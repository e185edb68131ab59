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

    /// <summary>
    /// What makes this section unusable, in one line, or null when it is usable: checked when the host is built,
    /// so that a bad production setting stops the start instead of failing every request.
    /// </summary>
    public string? Misconfiguration(bool developmentKeyAllowed, string environmentName)
    {
        if (string.IsNullOrWhiteSpace(Issuer)) return "Auth:Issuer may not be empty.";
        if (string.IsNullOrWhiteSpace(Audience)) return "Auth:Audience may not be empty.";
        if (!developmentKeyAllowed && !string.IsNullOrEmpty(SigningKey))
            return $"Auth:SigningKey is accepted in Development and Testing only; remove it and configure Auth:Authority for {environmentName}.";
        if (!string.IsNullOrEmpty(Authority))
        {
            return Uri.TryCreate(Authority, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.Host.Length > 0
                ? null
                : $"Auth:Authority must be an absolute https URL of an OpenID Connect issuer; '{Authority}' is not.";
        }
        if (string.IsNullOrEmpty(SigningKey))
            return developmentKeyAllowed
                ? "Configure Auth:SigningKey (development) or Auth:Authority (an OpenID Connect issuer)."
                : $"Configure Auth:Authority (an OpenID Connect issuer) for {environmentName}.";
        return System.Text.Encoding.UTF8.GetByteCount(SigningKey) < Authentication.MinimumKeyBytes
            ? $"Auth:SigningKey must be at least {Authentication.MinimumKeyBytes} bytes."
            : null;
    }
}
