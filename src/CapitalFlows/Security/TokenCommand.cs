using System.Globalization;
using CapitalFlows.Localities;

namespace CapitalFlows.Security;

/// <summary>
/// <c>token --role ROLE [--locality CODE] [--name NAME] [--sub SUB] [--hours N]</c>: prints a development token, and
/// nothing else, on standard output. It needs no database. Anything it does not understand is refused (exit 2, the
/// reason and the usage on standard error) rather than defaulted: an unknown flag, a flag without its value or given
/// twice, hours that are not a whole number from 1 to <see cref="MaxHours"/>, a locality for a role without scope, or
/// a scoped role's locality that is not a known code (a branch officer's must be a province).
/// </summary>
public static class TokenCommand
{
    public const int MaxHours = 24 * 366;

    private static readonly string[] Flags = ["--role", "--locality", "--name", "--sub", "--hours"];

    public static string Usage =>
        $"usage: token --role {string.Join("|", Roles.All)} [--locality CODE] [--name NAME] [--sub SUB] [--hours N (default 12)]";

    public static int Run(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        if (args.Skip(1).Any(a => a is "--help" or "-h" or "help" or "?"))
        {
            output.WriteLine(Usage);
            return 0;
        }
        var (options, problem) = Parse(args.Skip(1).ToList());
        problem ??= Check(options, LocalityDirectory.LoadEmbedded());
        if (problem is not null)
        {
            error.WriteLine(problem);
            error.WriteLine(Usage);
            return 2;
        }

        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (string.IsNullOrEmpty(auth.SigningKey))
        {
            error.WriteLine("Auth:SigningKey is not configured (it is in appsettings.Development.json; run with ASPNETCORE_ENVIRONMENT=Development).");
            return 2;
        }
        var role = options["--role"];
        var hours = options.TryGetValue("--hours", out var h) ? int.Parse(h, CultureInfo.InvariantCulture) : 12;
        output.WriteLine(DevelopmentTokens.Mint(auth, role, options.GetValueOrDefault("--locality"), options.GetValueOrDefault("--name"),
            options.GetValueOrDefault("--sub"), DateTimeOffset.UtcNow, TimeSpan.FromHours(hours)));
        return 0;
    }

    /// <summary>Flag and value pairs: every flag known, each given once, each with a value.</summary>
    public static (Dictionary<string, string> Options, string? Problem) Parse(IReadOnlyList<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            var flag = args[i];
            if (!Flags.Contains(flag))
                return (options, flag.StartsWith('-') ? $"Unknown flag {flag}." : $"Unexpected argument '{flag}': every value follows its flag.");
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal) || args[i + 1].Length == 0)
                return (options, $"{flag} needs a value.");
            if (!options.TryAdd(flag, args[i + 1]))
                return (options, $"{flag} is given twice.");
        }
        return (options, null);
    }

    public static string? Check(IReadOnlyDictionary<string, string> options, LocalityDirectory localities)
    {
        if (!options.TryGetValue("--role", out var role))
            return "--role is required.";
        if (!Roles.All.Contains(role))
            return $"Unknown role '{role}': one of {string.Join(", ", Roles.All)}.";
        if (options.TryGetValue("--hours", out var hours)
            && !(int.TryParse(hours, NumberStyles.None, CultureInfo.InvariantCulture, out var h) && h is >= 1 and <= MaxHours))
            return $"--hours must be a whole number of hours from 1 to {MaxHours}, not '{hours}'.";
        var locality = options.GetValueOrDefault("--locality");
        if (!Roles.IsScoped(role))
            return locality is null ? null : $"The role {role} acts everywhere: it takes no --locality.";
        if (locality is null)
            return $"The role {role} needs --locality CODE (its scope).";
        if (localities.Find(locality) is not { } unit)
            return $"'{locality}' is not a locality code (VN, a province such as 01, or a commune such as 00004).";
        if (role == Roles.BranchOfficer && unit.Level != LocalityLevel.Province)
            return $"A branch officer's locality is a province; {locality} is a {unit.Level}.";
        return null;
    }
}
