using System.Text.Json;
using Npgsql;

/// <summary>
/// What must hold after the run for its figures to count: every command the service answered 2xx is in the event log,
/// the ledger balances, and no answer says the run measured something other than the engine.
/// </summary>
internal static class RunCheck
{
    /// <summary>Why the figures are void; empty when they stand.</summary>
    public static async Task<IReadOnlyList<string>> FindFaultsAsync(Options options, HttpClient finance, Accepted accepted, IEnumerable<ServiceRound> rounds)
    {
        var faults = new List<string>();
        var statuses = rounds.SelectMany(r => r.Statuses).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
        if (statuses.GetValueOrDefault(429) is > 0 and var limited)
            faults.Add($"{limited} answers were 429 (rate limited): start the service with RateLimits__CommandsPerMinute=0");
        if (statuses.Where(s => s.Key is >= 500 and not 503).Sum(s => s.Value) is > 0 and var failed)
            faults.Add($"{failed} answers were 5xx other than 503 busy");
        if (statuses.GetValueOrDefault(0) is > 0 and var unanswered)
            faults.Add($"{unanswered} requests got no answer");

        try
        {
            var missing = await MissingFromLogAsync(options.Pg, accepted.CommandIds);
            if (missing.Count > 0)
                faults.Add($"{missing.Count} of {accepted.Count} commands answered 2xx have no event in the log ({string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", …" : "")})");
            else
                Console.WriteLine($"check: all {accepted.Count:N0} commands answered 2xx have their events in capitalflows.mt_events (by the commandId header)");
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            faults.Add($"the event log could not be read from --pg ({e.Message})");
        }

        var (status, body) = await Api.GetAsync(finance, "/api/ledger/balance-check");
        if (status != 200)
            faults.Add($"GET /api/ledger/balance-check answered {status}: {body}");
        else if (!JsonDocument.Parse(body).RootElement.GetProperty("balanced").GetBoolean())
            faults.Add($"GET /api/ledger/balance-check is not balanced: {body}");
        else
            Console.WriteLine($"check: GET /api/ledger/balance-check is balanced: {body}");
        return faults;
    }

    /// <summary>The command ids that no event of the log carries in its commandId header (the recorder stamps every event with it).</summary>
    private static async Task<IReadOnlyList<string>> MissingFromLogAsync(string pg, IReadOnlyList<Guid> commandIds)
    {
        await using var connection = await Database.OpenAsync(pg);
        await using var command = new NpgsqlCommand("""
            select sent.id from unnest($1::text[]) as sent(id)
            except
            select lower(e.headers ->> 'commandId') from capitalflows.mt_events e where e.headers ? 'commandId'
            """, connection) { CommandTimeout = 300 };
        command.Parameters.Add(new NpgsqlParameter { Value = commandIds.Select(id => id.ToString()).ToArray() });
        var missing = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) missing.Add(reader.GetString(0));
        return missing;
    }
}
