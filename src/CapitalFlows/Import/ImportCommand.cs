using System.Globalization;
using CapitalFlows.Localities;
using CapitalFlows.Operations;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging.Console;

namespace CapitalFlows.Import;

/// <summary>
/// <c>import FILE.ndjson [--wave N] [--in-flight N]</c> (API.md, second edition): applies a file of commands, one JSON
/// object a line — <c>{"route": "/api/loans", "body": {...}, "user": {"sub", "name", "role", "locality"?}}</c> — through
/// the service's own host and request pipeline, served in process with no port (<see cref="InProcessSender"/>), so
/// every line passes exactly what an HTTP request passes: the body checks (unknown fields, the canonical hash that
/// makes a retry a replay), authorisation by role, the endpoint's <c>Validate</c>, the scope of the line's user, and
/// the recorder with group commit. It prints a summary: lines read, accepted, replayed, refused by problem slug,
/// malformed (with the first line numbers and reasons).
/// <para><b>Order.</b> Lines are decided in file order wherever they touch the same streams, while many share one
/// group-commit transaction: each wave of lines is an <c>OrderedRun</c> that the engine decides in place order,
/// never through the shared batcher (which would record an inflow alone after its batch, and re-run a failed batch
/// concurrently). See <see cref="Importer"/> for the lines the importer itself keeps apart.</para>
/// <para><b>Exit codes</b>: 0 when the file was read to its end, whatever was refused or malformed; 1 when the import
/// could not start (the database cannot be reached, a setting is invalid) or stopped at a fault (a 5xx answer other
/// than busy): what was accepted before it stays, and importing the file again replays it; 2 for bad arguments, a
/// file that cannot be read, or no connection string outside Development.</para>
/// <para>The host runs with no per-caller rate limit (a file is one caller sending as fast as the engine takes it),
/// in Wolverine's <c>MediatorOnly</c> mode (it runs no asynchronous projection: the service's nodes do), and logs
/// warnings and errors only, on standard error.</para>
/// </summary>
public static class ImportCommand
{
    public const int DefaultWave = 256;
    public const int DefaultInFlight = 2;

    public static string Usage =>
        $"usage: import FILE.ndjson [--wave N (lines per ordered run, default {DefaultWave})] [--in-flight N (runs sent ahead, default {DefaultInFlight})]";

    public static string Description =>
        "import FILE.ndjson applies a file of commands (one {route, body, user} object a line; - reads standard input) " +
        "through the service's own pipeline and engine, in file order, and prints what was accepted, replayed, refused and malformed";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Any(a => a is "--help" or "-h" or "help" or "?"))
        {
            output.WriteLine(Usage);
            output.WriteLine(Description + ".");
            return 0;
        }
        var (file, wave, inFlight, problem) = Parse(args);
        if (problem is not null)
        {
            error.WriteLine(problem);
            error.WriteLine(Usage);
            return 2;
        }

        TextReader reader;
        try
        {
            reader = file == "-" ? Console.In : new StreamReader(file!, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error.WriteLine($"Cannot read {file}: {e.Message}");
            return 2;
        }

        using (reader)
        {
            var builder = WebApplication.CreateBuilder();
            if (string.IsNullOrEmpty(builder.Configuration.GetConnectionString("CapitalFlows")) && !builder.Environment.IsDevelopment())
            {
                error.WriteLine("import writes to the ledger's database: set ConnectionStrings__CapitalFlows to its PostgreSQL connection string " +
                    "(in the Development environment the local cluster of deploy/run.sh is used when it is unset).");
                return 2;
            }
            var settings = new Dictionary<string, string?>
            {
                ["RateLimits:CommandsPerMinute"] = "0",
                ["Wolverine:DurabilityMode"] = "MediatorOnly",
            };
            // No line carries a token (each carries its user), but the bearer handler still wants a key: where none is
            // configured (production signs in through an issuer), one that nobody knows, never used.
            if (string.IsNullOrEmpty(builder.Configuration["Auth:SigningKey"]) && string.IsNullOrEmpty(builder.Configuration["Auth:Authority"]))
                settings["Auth:SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning);
            // As the service: that it has no message handlers, by design, is nothing an operator can act on.
            builder.Logging.AddFilter<ConsoleLoggerProvider>("Wolverine.Configuration.HandlerDiscovery", LogLevel.Error);
            builder.WebHost.UseTestServer();

            WebApplication app;
            try
            {
                builder.AddCapitalFlows(checkSignInSettings: false);
                app = builder.Build();
            }
            catch (Exception e) when (e is InvalidSettingException or InvalidOperationException)
            {
                error.WriteLine($"CapitalFlows cannot start: {e.Message}");
                return 1;
            }
            await using (app)
            {
                app.UseCapitalFlows();
                try
                {
                    await app.StartAsync();
                }
                catch (Exception e)
                {
                    error.WriteLine($"import cannot start the service's engine (is the database reachable?): {e.GetBaseException().Message}");
                    return 1;
                }

                var clock = app.Services.GetRequiredService<TimeProvider>();
                var routes = CommandRoutes.Of(app.Services.GetRequiredService<EndpointDataSource>());
                var sender = new InProcessSender(app.GetTestServer(), string.Create(CultureInfo.InvariantCulture, $"import-{clock.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}"));
                using var importer = new Importer(sender, routes, app.Services.GetRequiredService<LocalityDirectory>(), clock, wave, inFlight);
                var summary = await importer.RunAsync(reader, (progress, elapsed) => error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {progress.LinesRead,10:N0} lines read, {progress.LinesRead / elapsed.TotalSeconds,8:N0} lines/s")));
                summary.WriteTo(output, file == "-" ? "standard input" : file!);
                await app.StopAsync();
                return summary.Fault is null ? 0 : 1;
            }
        }
    }

    /// <summary>The file and the flags: every flag known, given once, with a whole number from 1.</summary>
    public static (string? File, int Wave, int InFlight, string? Problem) Parse(IReadOnlyList<string> args)
    {
        string? file = null;
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--wave" or "--in-flight")
            {
                if (i + 1 >= args.Count || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > 100_000)
                    return (file, 0, 0, $"{arg} needs a whole number from 1 to 100000.");
                if (!numbers.TryAdd(arg, n)) return (file, 0, 0, $"{arg} is given twice.");
                i++;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) || (arg.StartsWith('-') && arg != "-"))
                return (file, 0, 0, $"Unknown flag {arg}.");
            else if (file is not null)
                return (file, 0, 0, $"Unexpected argument '{arg}': import takes one file.");
            else file = arg;
        }
        if (file is null) return (null, 0, 0, "Name the file to import (FILE.ndjson, or - for standard input).");
        return (file, numbers.GetValueOrDefault("--wave", DefaultWave), numbers.GetValueOrDefault("--in-flight", DefaultInFlight), null);
    }
}
