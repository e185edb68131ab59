using Microsoft.AspNetCore.Routing.Patterns;

namespace CapitalFlows.Import;

/// <summary>
/// The service's command routes (every POST under <c>/api</c>), read from its own endpoints, so that a route an import
/// line names is known exactly when the service would route it, and nothing is listed twice.
/// </summary>
public sealed class CommandRoutes
{
    /// <summary>Routes whose endpoints read nothing an earlier line writes before they reach the engine (<see cref="ImportRoute.Free"/>).</summary>
    private static readonly HashSet<string> Free = new(StringComparer.OrdinalIgnoreCase)
    {
        "/api/capital/central-entrustments", "/api/capital/mobilisations", "/api/capital/local-budget-top-ups",
        "/api/capital/charity-donations", "/api/allocations", "/api/recalls", "/api/loans", "/api/credit-plans",
        "/api/local-capital-plans",
    };

    private const string LoanPrefix = "/api/loans/{loanId}/";

    private readonly IReadOnlyList<string[]> _templates;

    public CommandRoutes(IEnumerable<string> templates) =>
        _templates = templates.Select(t => "/" + t.Trim('/')).Distinct(StringComparer.OrdinalIgnoreCase).Select(t => t.Split('/')).ToList();

    /// <summary>The command routes of the running service.</summary>
    public static CommandRoutes Of(EndpointDataSource endpoints) => new(
        endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(HttpMethods.Post) == true)
            .Select(e => RoutePatternText(e.RoutePattern))
            .Where(t => t.StartsWith("/api/", StringComparison.OrdinalIgnoreCase)));

    public IEnumerable<string> Templates => _templates.Select(t => string.Join('/', t));

    /// <summary>The template <paramref name="route"/> matches and the values of its parameters, or null for a route the service has no command at.</summary>
    public (string Template, IReadOnlyDictionary<string, string> Values)? Match(string route)
    {
        if (!route.StartsWith("/api/", StringComparison.Ordinal) || route.IndexOfAny(['?', '#', '\\']) >= 0) return null;
        var segments = route.Split('/');
        foreach (var template in _templates)
        {
            if (template.Length != segments.Length) continue;
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var matches = true;
            for (var i = 0; i < template.Length && matches; i++)
            {
                if (template[i] is ['{', .. var name, '}']) matches = (values[name] = segments[i]).Length > 0;
                else matches = string.Equals(template[i], segments[i], StringComparison.OrdinalIgnoreCase);
            }
            if (matches) return (string.Join('/', template), values);
        }
        return null;
    }

    /// <summary>How the importer orders a line sent to <paramref name="template"/>.</summary>
    public static ImportRoute KindOf(string template) =>
        Free.Contains(template) ? ImportRoute.Free
        : template.StartsWith(LoanPrefix, StringComparison.OrdinalIgnoreCase) ? ImportRoute.OnLoan
        : ImportRoute.Barrier;

    private static string RoutePatternText(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "",
        }))));
}
