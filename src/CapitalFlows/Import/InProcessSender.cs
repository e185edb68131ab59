using System.Text;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using Microsoft.AspNetCore.TestHost;

namespace CapitalFlows.Import;

/// <summary>
/// Sends an import line through the service's own request pipeline, in process and without a port (ASP.NET Core's
/// <see cref="TestServer"/> as the host's server): a POST of the line's body to its route, with its user as the
/// request's principal (the claims a validated token carries), its place in the run as a request feature, and a
/// correlation id naming the line. Authentication finds no token and leaves that principal as it is; everything
/// after it — authorisation, rate limits, the body checks, the endpoint's <c>Validate</c>, scope, the engine — is
/// what an HTTP request passes.
/// </summary>
public sealed class InProcessSender(TestServer server, string correlationPrefix)
{
    public async Task<(int Status, string Body)> SendAsync(ImportLine line, OrderedPlace place)
    {
        var body = Encoding.UTF8.GetBytes(line.Body);
        var context = await server.SendAsync(http =>
        {
            http.Request.Method = HttpMethods.Post;
            http.Request.Path = line.Route;
            http.Request.ContentType = "application/json";
            http.Request.ContentLength = body.Length;
            http.Request.Body = new MemoryStream(body, writable: false);
            http.Request.Headers[CorrelationIdCheck.Header] = $"{correlationPrefix}-L{line.Number}";
            http.User = line.User;
            http.Features.Set(place);
        });
        using var reader = new StreamReader(context.Response.Body, Encoding.UTF8);
        return (context.Response.StatusCode, await reader.ReadToEndAsync());
    }
}
