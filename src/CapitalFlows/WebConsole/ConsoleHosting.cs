using CapitalFlows.Security;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace CapitalFlows.WebConsole;

/// <summary>
/// Serves the web console (a single-page application, a client of the public API) from <c>/</c>: its files,
/// and <c>index.html</c> for any other path outside the API so that the console's own routes load it. A
/// service whose console was not built serves the API alone.
/// </summary>
public static partial class ConsoleHosting
{
    private static readonly string[] ServicePrefixes = ["/api", "/dev", "/health", "/openapi", "/docs", "/problems", "/scalar"];
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static void UseCapitalFlowsConsole(this WebApplication app)
    {
        var options = app.Configuration.GetSection(ConsoleOptions.Section).Get<ConsoleOptions>() ?? new ConsoleOptions();
        var auth = app.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var signIn = DevelopmentSignIn.IsEnabled(app.Environment, options);

        app.MapGet("/api/console-config", () => Results.Ok(new
        {
            authority = string.IsNullOrEmpty(auth.Authority) ? null : auth.Authority,
            clientId = options.ClientId,
            scope = options.Scope,
            developmentSignIn = signIn,
        })).AllowAnonymous().ExcludeFromDescription();
        if (signIn)
            app.MapGet("/dev/sign-in", DevelopmentSignIn.Get).AllowAnonymous().ExcludeFromDescription();

        var root = RootOf(options, app.Environment);
        if (root is null)
        {
            NotBuilt(app.Logger);
            return;
        }
        Serving(app.Logger, root);
        var files = new PhysicalFileProvider(root);
        // After routing: only a request that no endpoint of the service took comes here.
        app.Use((http, next) => http.GetEndpoint() is null && IsConsoleRequest(http.Request) ? ServeAsync(http, files) : next(http));
    }

    private static bool IsConsoleRequest(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && !ServicePrefixes.Any(p => request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    private static async Task ServeAsync(HttpContext http, PhysicalFileProvider files)
    {
        var path = http.Request.Path.Value ?? "/";
        var file = path.Length > 1 ? files.GetFileInfo(path) : null;
        var immutable = file is { Exists: true, IsDirectory: false } && path.StartsWith("/assets/", StringComparison.Ordinal);
        if (file is not { Exists: true, IsDirectory: false })
        {
            // A file-like path that is not there is a 404; anything else is one of the console's own routes.
            if (Path.HasExtension(path))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            file = files.GetFileInfo("index.html");
        }
        http.Response.ContentType = ContentTypes.TryGetContentType(file.Name, out var type) ? type : "application/octet-stream";
        // Hashed asset names never change; index.html must be read afresh so that a new build is picked up.
        http.Response.Headers.CacheControl = immutable ? "public, max-age=31536000, immutable" : "no-cache";
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        http.Response.ContentLength = file.Length;
        if (HttpMethods.IsHead(http.Request.Method)) return;
        await http.Response.SendFileAsync(file, http.RequestAborted);
    }

    private static string? RootOf(ConsoleOptions options, IWebHostEnvironment environment)
    {
        string[] candidates = options.Root is { Length: > 0 } configured
            ? [Path.GetFullPath(configured, environment.ContentRootPath)]
            : [Path.Combine(environment.ContentRootPath, "wwwroot"), Path.GetFullPath(Path.Combine(environment.ContentRootPath, "..", "console", "dist"))];
        return candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, "index.html")));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The web console is not built (no index.html in Console:Root, wwwroot or ../console/dist); serving the API only")]
    private static partial void NotBuilt(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the web console from {Root}")]
    private static partial void Serving(ILogger logger, string root);
}
