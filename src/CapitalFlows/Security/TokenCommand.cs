namespace CapitalFlows.Security;

/// <summary>
/// <c>token --role ROLE [--locality CODE] [--name NAME] [--sub SUB] [--hours N]</c>: prints a development token, and
/// nothing else, on standard output.
/// </summary>
public static class TokenCommand
{
    public static int Run(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        string? Option(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        var role = Option("--role");
        if (role is null || !Roles.All.Contains(role))
        {
            error.WriteLine($"usage: token --role {string.Join("|", Roles.All)} [--locality CODE] [--name NAME] [--sub SUB] [--hours N]");
            return 2;
        }
        var locality = Option("--locality");
        if (Roles.IsScoped(role) && locality is null)
        {
            error.WriteLine($"The role {role} needs --locality CODE (its scope).");
            return 2;
        }
        // The service refuses (401) a branch officer of anything but a province, a People's Committee of an unknown code.
        var unit = Roles.IsScoped(role) ? Localities.LocalityDirectory.LoadEmbedded().Find(locality) : null;
        if (Roles.IsScoped(role) && (unit is null || (role == Roles.BranchOfficer && unit.Level != Localities.LocalityLevel.Province)))
        {
            error.WriteLine(role == Roles.BranchOfficer
                ? $"A branch officer's --locality must be a province code; {locality} is not."
                : $"--locality {locality} is not a known locality code.");
            return 2;
        }
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (string.IsNullOrEmpty(auth.SigningKey))
        {
            error.WriteLine("Auth:SigningKey is not configured (it is in appsettings.Development.json; run with ASPNETCORE_ENVIRONMENT=Development).");
            return 2;
        }
        var hours = int.TryParse(Option("--hours"), out var h) ? h : 12;
        output.WriteLine(DevelopmentTokens.Mint(auth, role, Roles.IsScoped(role) ? locality : null, Option("--name"), Option("--sub"),
            DateTimeOffset.UtcNow, TimeSpan.FromHours(hours)));
        return 0;
    }
}
