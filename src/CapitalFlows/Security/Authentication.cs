using System.Text;
using CapitalFlows.Operations;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;

namespace CapitalFlows.Security;

public static class Authentication
{
    public const int MinimumKeyBytes = 32;

    /// <summary>
    /// Bearer JWTs with the claims of API.md (<c>sub</c>, <c>name</c>, <c>role</c>, <c>locality</c>), signed
    /// either by the development key (accepted in Development and Testing only) or by an OpenID Connect issuer.
    /// </summary>
    public static IServiceCollection AddCapitalFlowsAuthentication(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment, bool checkAtStart = true)
    {
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var developmentKeyAllowed = environment.IsDevelopment() || environment.IsEnvironment("Testing");
        // Checked now, while the host is built: the options below are read lazily, on the first request.
        if (checkAtStart && auth.Misconfiguration(developmentKeyAllowed, environment.EnvironmentName) is { } misconfiguration)
            throw new InvalidSettingException(misconfiguration);

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = auth.Issuer,
                ValidAudience = auth.Audience,
                NameClaimType = "name",
                RoleClaimType = "role",
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            options.Events = new JwtBearerEvents { OnTokenValidated = CallerRules.OnTokenValidated };
            if (!string.IsNullOrEmpty(auth.Authority))
            {
                options.Authority = auth.Authority;
            }
            else
            {
                options.TokenValidationParameters.IssuerSigningKey = SigningKey(auth.SigningKey!);
            }
        });
        services.AddAuthorization();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        return services;
    }

    public static SymmetricSecurityKey SigningKey(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        return bytes.Length >= MinimumKeyBytes
            ? new SymmetricSecurityKey(bytes)
            : throw new InvalidOperationException($"Auth:SigningKey must be at least {MinimumKeyBytes} bytes.");
    }
}
