namespace CapitalFlows.WebConsole;

/// <summary>The <c>Console</c> configuration section: where the built web console is and how it signs in.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>
    /// The folder of the built console (<c>src/console/dist</c>). Unset: <c>wwwroot</c> under the content root
    /// when it holds an <c>index.html</c>, else <c>../console/dist</c> beside the project (as <c>dotnet run</c> in
    /// the repository finds it).
    /// </summary>
    public string? Root { get; set; }

    /// <summary>The OpenID Connect client id the console signs in as (production, with <c>Auth:Authority</c>).</summary>
    public string ClientId { get; set; } = "capitalflows-console";

    /// <summary>The scopes the console asks the OpenID Connect provider for.</summary>
    public string Scope { get; set; } = "openid profile";

    /// <summary>
    /// Enables <c>GET /dev/sign-in</c> in the Testing environment (the browser tests). In Development it is always
    /// on; in every other environment it is off whatever this says.
    /// </summary>
    public bool DevelopmentSignIn { get; set; }
}
