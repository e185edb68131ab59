using CapitalFlows.Security;

namespace CapitalFlows.Tests;

/// <summary>The <c>Auth</c> section is checked when the host is built: one line for each way it cannot work.</summary>
public sealed class AuthOptionsTests
{
    private const string Key = "capitalflows-development-signing-key-not-for-production";

    [Fact]
    public void Production_with_an_https_authority_and_no_key_is_usable()
    {
        var auth = new AuthOptions { Authority = "https://login.example.org/realms/capitalflows" };

        Assert.Null(auth.Misconfiguration(developmentKeyAllowed: false, "Production"));
    }

    [Fact]
    public void Development_with_a_long_enough_key_is_usable()
    {
        Assert.Null(new AuthOptions { SigningKey = Key }.Misconfiguration(developmentKeyAllowed: true, "Development"));
    }

    [Theory]
    [InlineData(Key, null, "Auth:SigningKey is accepted in Development and Testing only")]
    [InlineData(Key, "https://login.example.org", "Auth:SigningKey is accepted in Development and Testing only")]
    [InlineData(null, null, "Configure Auth:Authority")]
    [InlineData(null, "http://login.example.org", "Auth:Authority must be an absolute https URL")]
    [InlineData(null, "login.example.org", "Auth:Authority must be an absolute https URL")]
    [InlineData(null, "/realms/capitalflows", "Auth:Authority must be an absolute https URL")]
    public void Production_refuses_a_development_key_and_anything_but_an_https_authority(string? key, string? authority, string message)
    {
        var auth = new AuthOptions { SigningKey = key, Authority = authority };

        Assert.StartsWith(message, auth.Misconfiguration(developmentKeyAllowed: false, "Production"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short", "Auth:SigningKey must be at least 32 bytes")]
    [InlineData(null, "Configure Auth:SigningKey")]
    public void Development_refuses_a_short_or_missing_key(string? key, string message)
    {
        Assert.StartsWith(message, new AuthOptions { SigningKey = key }.Misconfiguration(developmentKeyAllowed: true, "Development"), StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_issuer_or_audience_is_refused()
    {
        Assert.NotNull(new AuthOptions { SigningKey = Key, Issuer = "" }.Misconfiguration(true, "Development"));
        Assert.NotNull(new AuthOptions { SigningKey = Key, Audience = " " }.Misconfiguration(true, "Development"));
    }
}
