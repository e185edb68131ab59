using Marten;

namespace CapitalFlows.Localities;

/// <summary>
/// Keeps this node's <see cref="LocalityDirectory"/> on the structure the database holds: it loads it at start
/// and looks for a newer version every <c>Localities:RefreshInterval</c> (default 1 s), so a merge recorded on
/// another node shows in this node's reads within that time. Commands do not depend on it: the recorder
/// brings the directory up to date under the structure lock before every decision.
/// </summary>
public sealed partial class LocalityStructureRefresher(
    LocalityDirectory localities, IDocumentStore store, IConfiguration configuration, ILogger<LocalityStructureRefresher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = configuration.GetValue("Localities:RefreshInterval", TimeSpan.FromSeconds(1));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var session = store.QuerySession();
                await localities.RefreshAsync(session, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRefreshFailed(logger, e);
            }
            await Task.Delay(interval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the locality structure; keeping the one loaded")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
