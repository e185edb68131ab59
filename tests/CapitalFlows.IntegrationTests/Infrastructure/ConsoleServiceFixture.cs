namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// One real service process for the console's tests: the Testing environment with the development sign-in on
/// (<c>Console:DevelopmentSignIn</c>), serving the console built in <c>src/console/dist</c>.
/// </summary>
public sealed class ConsoleServiceFixture(ServiceFixture service) : IAsyncLifetime
{
    public static readonly string ConsoleFolder = Path.Combine(RepositoryRoot(), "src", "console");

    public ServiceProcess Process { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Path.Combine(ConsoleFolder, "dist", "index.html")))
            throw new InvalidOperationException($"The console is not built: run `npm ci && npm run build` in {ConsoleFolder} (deploy/test.sh does).");
        Process = await ServiceProcess.StartAsync(service.Cluster, new Dictionary<string, string>
        {
            ["Console__Root"] = Path.Combine(ConsoleFolder, "dist"),
            ["Console__DevelopmentSignIn"] = "true",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Process is not null) await Process.DisposeAsync();
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "CapitalFlows.sln"))) return folder.FullName;
        throw new InvalidOperationException($"No CapitalFlows.sln above {AppContext.BaseDirectory}.");
    }
}
