using System.Security.Claims;
using System.Text.Json;
using CapitalFlows.Localities;
using CapitalFlows.Security;

namespace CapitalFlows.Import;

/// <summary>
/// Reads one line of an import file: <c>{ "route": "/api/...", "body": { ... }, "user": { "sub", "name", "role",
/// "locality"? } }</c>. A line is malformed (and sent nowhere) when it is not a JSON object, lacks <c>route</c>,
/// <c>body</c> or <c>user</c>, has a member besides them (nothing in a file is dropped in silence), names a route
/// where the service takes no command, or a user that a token could not carry: an unknown role, or what
/// <see cref="CallerRules"/> refuses in a token (401 over HTTP). Everything about the body is the service's to judge.
/// </summary>
public static class ImportLineParser
{
    private static readonly string[] LineMembers = ["route", "body", "user"];
    private static readonly string[] UserMembers = ["sub", "name", "role", "locality"];

    /// <summary>The line, or why it is malformed.</summary>
    public static (ImportLine? Line, string? Malformed) Parse(int number, string text, CommandRoutes routes, LocalityDirectory localities)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            return (null, $"not JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, "not a JSON object");
            if (Unknown(root, LineMembers) is { } member) return (null, $"unknown member '{member}' (a line has route, body and user)");
            if (!root.TryGetProperty("route", out var routeElement) || routeElement.ValueKind != JsonValueKind.String)
                return (null, "no route (a string such as \"/api/loans\")");
            if (!root.TryGetProperty("body", out var body) || body.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                return (null, "no body");
            if (!root.TryGetProperty("user", out var user) || user.ValueKind != JsonValueKind.Object)
                return (null, "no user (an object with sub, name, role and, for scoped roles, locality)");

            var (principal, userProblem) = UserOf(user, localities);
            if (principal is null) return (null, userProblem);
            var route = routeElement.GetString()!;
            if (routes.Match(route) is not var (template, values)) return (null, $"unknown route '{route}'");

            var kind = CommandRoutes.KindOf(template);
            return (new ImportLine(number, route, body.GetRawText(), principal, kind)
            {
                OnLoan = kind == ImportRoute.OnLoan && values.TryGetValue("loanId", out var loan) ? LoanKey(loan) : null,
                DrawsLoan = template == "/api/loans" && body.ValueKind == JsonValueKind.Object ? DrawnLoan(body) : null,
            }, null);
        }
    }

    /// <summary>The principal the line's request carries, with the claims a token would: <c>sub</c>, <c>name</c>, <c>role</c>, <c>locality</c>.</summary>
    private static (ClaimsPrincipal? User, string? Problem) UserOf(JsonElement user, LocalityDirectory localities)
    {
        if (Unknown(user, UserMembers) is { } member) return (null, $"unknown member 'user.{member}' (a user has sub, name, role and locality)");
        var claims = new List<Claim>();
        foreach (var name in UserMembers)
        {
            if (!user.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (name != "locality") return (null, $"no user.{name}");
                continue;
            }
            if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
                return (null, $"user.{name} must be a non-empty string");
            claims.Add(new Claim(name, value.GetString()!));
        }
        var role = claims.Single(c => c.Type == "role").Value;
        if (!Roles.All.Contains(role, StringComparer.Ordinal))
            return (null, $"unknown role '{role}' (one of {string.Join(", ", Roles.All)})");
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "import", "name", "role"));
        return CallerRules.Refusal(principal, localities) is { } refusal ? (null, $"user: {refusal}") : (principal, null);
    }

    private static string? Unknown(JsonElement element, string[] known) =>
        element.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => !known.Contains(n, StringComparer.Ordinal));

    /// <summary>The loan a drawdown creates: its <c>loanId</c>, else its <c>commandId</c> (as the endpoint chooses).</summary>
    private static string? DrawnLoan(JsonElement body) =>
        body.TryGetProperty("loanId", out var loanId) && loanId.ValueKind == JsonValueKind.String ? LoanKey(loanId.GetString()!)
        : body.TryGetProperty("commandId", out var commandId) && commandId.ValueKind == JsonValueKind.String ? LoanKey(commandId.GetString()!)
        : null;

    /// <summary>A loan id as the loan's stream names it (routes accept any spelling of the UUID).</summary>
    private static string LoanKey(string id) => Guid.TryParse(id, out var guid) ? guid.ToString() : id;
}
