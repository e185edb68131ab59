using CapitalFlows;
using CapitalFlows.Operations;
using CapitalFlows.Security;

if (ServiceCommandLine.IsHelp(args))
    return await ServiceCommandLine.HelpAsync(args, Console.Out);

if (args.FirstOrDefault() == "token")
{
    // Development tokens come from the development configuration unless an environment is named.
    var configuration = WebApplication.CreateBuilder(new WebApplicationOptions
    {
        Args = args,
        EnvironmentName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environments.Development,
    }).Configuration;
    return TokenCommand.Run(args, configuration, Console.Out, Console.Error);
}

// import builds the service's host itself, served in process (no port), and chooses its exit code (Import/ImportCommand).
if (args.FirstOrDefault() == "import")
    return await CapitalFlows.Import.ImportCommand.RunAsync(args[1..], Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);
ServiceCommandLine.AllowWithoutDatabase(args, builder.Configuration);

try
{
    builder.AddCapitalFlows(checkSignInSettings: ServiceCommandLine.Serves(args));
}
catch (InvalidSettingException e)
{
    // A setting the service cannot run with stops the start with one line, not a stack trace or a 500 per request.
    await Console.Error.WriteLineAsync($"CapitalFlows cannot start: {e.Message}");
    return 1;
}
var app = builder.Build();
app.UseCapitalFlows();
return await ServiceCommandLine.RunAsync(app, args);

/// <summary>The service's entry point, visible to the integration tests' host.</summary>
public partial class Program;
