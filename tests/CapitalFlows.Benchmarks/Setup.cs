using CapitalFlows.Api;
using System.Text.Json;

/// <summary>
/// Funds many communes with students capital (no loan cap), through the same commands as any user: a trillion đồng
/// each, less when that many communes would pass the largest amount one entrustment may carry.
/// </summary>
internal static class Setup
{
    public static async Task<IReadOnlyList<(string Commune, string Province)>> FundCommunesAsync(HttpClient finance, Options options, Accepted accepted)
    {
        var localities = JsonDocument.Parse(await finance.GetStringAsync(new Uri("/api/localities?level=commune", UriKind.Relative))).RootElement
            .EnumerateArray().Select(l => (code: l.GetProperty("code").GetString()!, parent: l.GetProperty("parent").GetString()!))
            .ToList();
        var chosen = localities.Where((_, i) => i % Math.Max(1, localities.Count / options.Communes) == 0).Take(options.Communes).ToList();
        var perCommune = Math.Min(1_000_000_000_000, FieldErrors.MaxAmountVnd / chosen.Count);
        await Must(finance, "/api/capital/central-entrustments", accepted, id => new { commandId = id, amountVnd = perCommune * chosen.Count, programme = "students", decisionRef = "BENCH" });
        foreach (var province in chosen.GroupBy(c => c.parent))
            await Must(finance, "/api/allocations", accepted, id => new { commandId = id, from = "VN", to = province.Key, source = "central-budget", programme = "students", amountVnd = perCommune * province.Count() });
        await Task.WhenAll(chosen.Select(c => Must(finance, "/api/allocations", accepted,
            id => new { commandId = id, from = c.parent, to = c.code, source = "central-budget", programme = "students", amountVnd = perCommune })));
        return chosen;
    }

    private static async Task Must(HttpClient client, string url, Accepted accepted, Func<Guid, object> body)
    {
        var commandId = Guid.NewGuid();
        var (status, problem) = await Api.PostAsync(client, url, body(commandId));
        if (status is < 200 or > 299)
            throw new InvalidOperationException($"set-up {url} failed: {status} {problem}");
        accepted.Add(commandId);
    }
}
