using CapitalFlows.Security;
namespace CapitalFlows.WebConsole;

/// <summary>
/// <c>GET /dev/sign-in?role=&amp;locality=&amp;name=</c> (API.md, "The console"): signs the browser in with a
/// development token and redirects to <c>/</c>. Mapped in Development only (and in Testing when
/// <c>Console:DevelopmentSignIn</c> is true, for the browser tests); every other environment answers 404.
/// </summary>
public static class DevelopmentSignIn
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    public static bool IsEnabled(IHostEnvironment environment, ConsoleOptions options) =>
        environment.IsDevelopment() || (environment.IsEnvironment("Testing") && options.DevelopmentSignIn);

    public static IResult Get(string? role, string? locality, string? name, IConfiguration configuration, TimeProvider clock)
    {
        if (role is null || !Roles.All.Contains(role))
            return Results.Problem(statusCode: 400, type: "/problems/validation", title: "The request is not valid",
                detail: $"role must be one of {string.Join(", ", Roles.All)}.");
        if (Roles.IsScoped(role) && string.IsNullOrWhiteSpace(locality))
            return Results.Problem(statusCode: 400, type: "/problems/validation", title: "The request is not valid",
                detail: $"The role {role} needs a locality (its scope).");
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var token = DevelopmentTokens.Mint(auth, role, Roles.IsScoped(role) ? locality!.Trim() : null,
            string.IsNullOrWhiteSpace(name) ? null : name.Trim(), sub: null, clock.GetUtcNow(), Lifetime);
        // The fragment is never sent to a server: the console reads the token from it and keeps it for the tab.
        return Results.Redirect($"/#access_token={Uri.EscapeDataString(token)}&token_type=Bearer");
    }
}
