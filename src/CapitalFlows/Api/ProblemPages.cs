using System.Net;

namespace CapitalFlows.Api;

/// <summary><c>GET /problems/{slug}</c>: a short page that explains a problem type.</summary>
public static class ProblemPages
{
    public static IResult Get(string slug) =>
        Problems.Catalogue.TryGetValue(slug, out var problem)
            ? Results.Content(
                $"<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(problem.Title)}</title>" +
                $"<h1>{WebUtility.HtmlEncode(problem.Title)} ({problem.Status})</h1><p><code>/problems/{WebUtility.HtmlEncode(slug)}</code></p>" +
                $"<p>{WebUtility.HtmlEncode(problem.Explanation)}</p></html>",
                "text/html; charset=utf-8")
            : Results.NotFound();
}
