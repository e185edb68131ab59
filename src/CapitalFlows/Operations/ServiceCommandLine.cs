using JasperFx;
using CapitalFlows.Security;
using JasperFx.CommandLine;

namespace CapitalFlows.Operations;

/// <summary>
/// The service executable as a command line: <c>help</c> without the service's wiring, and no lines that a user
/// cannot act on (JasperFx's "Searching '…' for commands", its note that <c>--urls</c> bypasses it).
/// </summary>
public static class ServiceCommandLine
{
    private static readonly string[] HelpWords = ["help", "?", "--help", "-h", "-?"];

    /// <summary>ASP.NET Core's own switches, with which JasperFx steps aside and the service just runs.</summary>
    private static readonly string[] HostSwitches = ["--urls", "--http_ports", "--https_ports"];

    public static bool IsHelp(IReadOnlyList<string> args) => args.Count > 0 && HelpWords.Contains(args[0], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// <c>help [COMMAND]</c> (also <c>--help</c>, <c>-h</c>, <c>?</c>): the commands and their flags come from the
    /// assemblies, not from the service, so a bare host answers: no database, connection string or key needed.
    /// </summary>
    public static async Task<int> HelpAsync(IReadOnlyList<string> args, TextWriter output)
    {
        if (args.Count == 2 && string.Equals(args[1], "import", StringComparison.OrdinalIgnoreCase))
        {
            output.WriteLine(Import.ImportCommand.Description + ".");
            output.WriteLine(Import.ImportCommand.Usage);
            return 0;
        }
        QuietCommandDiscovery();
        using var host = new HostBuilder().Build();
        var status = await host.RunJasperFxCommands(["help", .. args.Skip(1)]);
        if (args.Count == 1)
            output.WriteLine($"The command that needs no host: {TokenCommand.Usage["usage: ".Length..]} prints a development token.");
        if (args.Count == 1)
            output.WriteLine($"The command that runs the service's pipeline in process: {Import.ImportCommand.Usage["usage: ".Length..]}: {Import.ImportCommand.Description["import FILE.ndjson ".Length..]}.");
        // JasperFx's help exits 1 after showing a command's usage; showing it is what was asked.
        return args.Count == 2 && CommandNames().Contains(args[1], StringComparer.OrdinalIgnoreCase) ? 0 : status;
    }

    private static IEnumerable<string> CommandNames()
    {
        var factory = new CommandFactory();
        factory.RegisterCommands(typeof(JasperFx.CommandLine.Commands.RunCommand).Assembly);
        factory.RegisterCommands(typeof(ServiceCommandLine).Assembly);
        factory.RegisterCommandsFromExtensionAssemblies();
        return factory.AllCommandTypes().Select(CommandFactory.CommandNameFor);
    }

    /// <summary>
    /// <c>openapi</c> (Wolverine's) writes the OpenAPI document from the service's wiring without starting it: the wiring
    /// needs a connection string, which is never opened, so the command works where none is configured.
    /// </summary>
    public static void AllowWithoutDatabase(IReadOnlyList<string> args, IConfiguration configuration)
    {
        if (args.Count > 0 && args[0] == "openapi" && string.IsNullOrEmpty(configuration.GetConnectionString("CapitalFlows")))
            configuration["ConnectionStrings:CapitalFlows"] = "Host=no-database-needed.invalid";
    }

    /// <summary>
    /// Whether these arguments run the service (no command, <c>run</c>, or ASP.NET Core's own switches) rather than
    /// one of its commands (<c>openapi</c>, <c>replay</c>, <c>verify</c>, <c>db-apply</c>, <c>codegen</c>, …), which
    /// authenticate nobody and so do not need the production sign-in settings.
    /// </summary>
    public static bool Serves(IReadOnlyList<string> args) =>
        args.Count == 0 || args[0].StartsWith('-') || string.Equals(args[0], "run", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs the command line of the built service, or the service itself.</summary>
    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        if (args.Any(a => HostSwitches.Contains(a, StringComparer.OrdinalIgnoreCase)))
        {
            await app.RunAsync();
            return 0;
        }
        QuietCommandDiscovery();
        return await app.RunJasperFxCommands(args);
    }

    /// <summary>
    /// JasperFx prints "Searching '…' for commands" for every assembly it scans until a process-wide flag says that its
    /// extensions were applied to a host builder. This host is built before the command line runs (WebApplication), so
    /// there is nothing left to apply: applying the (empty) set of an empty factory sets the flag, and the lines go.
    /// </summary>
    private static void QuietCommandDiscovery() => new CommandFactory().ApplyExtensions(new ServiceCollection());
}
