using System.Diagnostics;
using System.Text;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>A program run to its end: its exit code and everything it wrote (standard output, then standard error).</summary>
public sealed record ToolRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/>; kills it after <paramref name="timeout"/>.</summary>
    public static async Task<ToolRun> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) startInfo.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) startInfo.Environment.Remove(name);
            else startInfo.Environment[name] = value;
        }
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new ToolRun(-1, await output, await error + $"\n(killed after {timeout})");
        }
        return new ToolRun(process.ExitCode, await output, await error);
    }

    /// <summary>The repository's root: the folder above the tests that holds the solution.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CapitalFlows.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No CapitalFlows.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>
    /// The service's own build output (<c>src/CapitalFlows/bin/CONFIGURATION/TFM</c>, built with the tests): its command line
    /// scans the assemblies beside it, and beside the tests those include xunit's, which the service cannot load.
    /// </summary>
    public static string ServiceOutput()
    {
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var output = Path.Combine(RepositoryRoot(), "src", "CapitalFlows", "bin", tfm.Parent!.Name, tfm.Name);
        return File.Exists(Path.Combine(output, "CapitalFlows.dll"))
            ? output
            : throw new InvalidOperationException($"The service is not built in {output}: build the solution first.");
    }

    /// <summary>The dotnet host that runs the service's built assembly (<c>CapitalFlows.dll</c> beside the tests).</summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath)) return hostPath;
        if (Environment.ProcessPath is { } processPath && Path.GetFileNameWithoutExtension(processPath) == "dotnet") return processPath;
        return "dotnet";
    }
}
