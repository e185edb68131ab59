using System.Diagnostics;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using Npgsql;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The log is a hash chain (DOMAIN.md invariant 11, API.md "Trust"): every event appended over HTTP is chained in the
/// transaction that appends it, <c>GET /api/ledger/verify</c> and the <c>verify</c> command recompute the chain, and a
/// change made to a stored event behind the service's back (SQL on <c>mt_events</c>) is found and named by its sequence.
/// </summary>
public sealed class LedgerChainTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Billion = 1_000_000_000;
    private const string Verify = "/api/ledger/verify";

    /// <summary>The README's recipe for an auditor: each link recomputed in SQL from the stored row and the previous hash.</summary>
    private const string AuditorsRecipe = """
        select count(*) filter (where not coalesce(holds, false)), count(*), (array_agg(hash order by chain_position desc))[1]
        from (
            select h.chain_position, encode(h.hash, 'hex') as hash,
                   h.hash = sha256(coalesce(lag(h.hash) over (order by h.chain_position), decode(repeat('00', 32), 'hex'))
                                   || convert_to(jsonb_build_array(
                                          e.seq_id, e.stream_id, e.type, e.data ->> 'EffectiveOn',
                                          to_char(e.timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                          jsonb_build_object('eventId', e.id, 'version', e.version, 'correlationId', e.correlation_id,
                                                             'userName', e.user_name, 'headers', e.headers),
                                          e.data)::text, 'UTF8')) as holds
            from capitalflows.mt_event_hashes h left join capitalflows.mt_events e on e.seq_id = h.seq_id) as links
        """;

    [Fact]
    public async Task Every_event_appended_over_HTTP_is_chained_and_the_chain_verifies()
    {
        await Service.RecordLedgerScenarioAsync();
        using var finance = Service.Client(Roles.CentralFinance);
        // Concurrent commands on different funds commit in any order: the chain follows the commits.
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            finance.AllocateAsync("VN", i % 2 == 0 ? "48" : "92", Billion, CentralBudget, General, toProgramme: i % 3 == 0 ? "students" : "poor-households")));
        Assert.All(answers, a => a.Expect(200));

        var verification = (await Service.Client(Roles.Analyst).GetAnswerAsync(Verify)).Expect(200).Json;

        Assert.True(verification.GetProperty("ok").GetBoolean(), verification.ToString());
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var (events, lastSequence) = await EventsAsync(database);
        Assert.Equal(events, verification.GetProperty("events").GetInt64());
        Assert.Equal(lastSequence, verification.GetProperty("lastSequence").GetInt64());
        var (broken, links, lastHash) = await AuditAsync(database);
        Assert.Equal((0, events), (broken, links));
        Assert.Equal(lastHash, verification.GetProperty("lastHash").GetString());
        Assert.Equal(64, lastHash.Length);

        var (exitCode, output) = await RunVerifyCommandAsync();
        Assert.True(exitCode == 0, $"verify exited {exitCode}: {output}");
        Assert.Contains($"\"lastHash\":\"{lastHash}\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_updated_behind_the_services_back_is_named_by_its_sequence()
    {
        await Service.RecordLedgerScenarioAsync();
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var (eventsBefore, _) = await EventsAsync(database);
        var tampered = await ScalarAsync<long>(database,
            "select min(seq_id) from capitalflows.mt_events where type = 'capital_allocated' and stream_id = 'VN/central-budget/general'");

        // 300 bn allocated to Hà Nội becomes 3 bn in the stored event; nothing else changes.
        await ExecuteAsync(database,
            $"update capitalflows.mt_events set data = jsonb_set(data, '{{AmountVnd}}', '3000000000') where seq_id = {tampered}");

        var verification = (await Service.Client(Roles.CentralFinance).GetAnswerAsync(Verify)).Expect(200).Json;
        Assert.False(verification.GetProperty("ok").GetBoolean(), verification.ToString());
        Assert.Equal(tampered, verification.GetProperty("brokenAtSequence").GetInt64());
        Assert.Equal("hash-mismatch", verification.GetProperty("reason").GetString());
        Assert.True(verification.GetProperty("events").GetInt64() < eventsBefore);

        var (exitCode, output) = await RunVerifyCommandAsync();
        Assert.True(exitCode != 0, $"verify should fail on a tampered log: {output}");
        Assert.Contains($"\"brokenAtSequence\":{tampered},", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_event_is_found()
    {
        await Service.RecordLedgerScenarioAsync();
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var topUp = await ScalarAsync<long>(database, "select seq_id from capitalflows.mt_events where type = 'local_budget_topped_up'");

        // While its hash stands, the event cannot be deleted at all.
        var refused = await Assert.ThrowsAsync<PostgresException>(() =>
            ExecuteAsync(database, $"delete from capitalflows.mt_events where seq_id = {topUp}"));
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, refused.SqlState);

        // A superuser who switches the reference off deletes the event alone: verify names the missing sequence.
        await ExecuteAsync(database,
            $"begin; set local session_replication_role = replica; delete from capitalflows.mt_events where seq_id = {topUp}; commit;");
        var verification = (await Service.Client(Roles.Analyst).GetAnswerAsync(Verify)).Expect(200).Json;
        Assert.False(verification.GetProperty("ok").GetBoolean(), verification.ToString());
        Assert.Equal(topUp, verification.GetProperty("brokenAtSequence").GetInt64());
        Assert.Equal("event-missing", verification.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_event_deleted_with_its_hash_breaks_the_chain_at_the_next_link()
    {
        await Service.RecordLedgerScenarioAsync();
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var firstAllocation = await ScalarAsync<long>(database, "select min(seq_id) from capitalflows.mt_events where type = 'allocation_received'");
        var position = await ScalarAsync<long>(database, $"select chain_position from capitalflows.mt_event_hashes where seq_id = {firstAllocation}");
        var next = await ScalarAsync<long>(database, $"select seq_id from capitalflows.mt_event_hashes where chain_position = {position + 1}");

        await ExecuteAsync(database, $"""
            delete from capitalflows.mt_event_hashes where seq_id = {firstAllocation};
            delete from capitalflows.mt_events where seq_id = {firstAllocation};
            """);

        var verification = (await Service.Client(Roles.Analyst).GetAnswerAsync(Verify)).Expect(200).Json;
        Assert.False(verification.GetProperty("ok").GetBoolean(), verification.ToString());
        Assert.Equal(next, verification.GetProperty("brokenAtSequence").GetInt64());
        Assert.Equal(position + 1, verification.GetProperty("brokenAtPosition").GetInt64());
        Assert.Equal("position-missing", verification.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_event_inserted_without_a_hash_is_found()
    {
        await Service.RecordLedgerScenarioAsync();
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var forged = await ScalarAsync<long>(database, "select max(seq_id) + 1000 from capitalflows.mt_events");

        // A superuser who switches triggers off inserts copies of the entrustments: no hash covers them.
        await ExecuteAsync(database, $"""
            begin; set local session_replication_role = replica;
            {CopiesOfEntrustmentsSql(forged)}
            commit;
            """);

        var verification = (await Service.Client(Roles.Analyst).GetAnswerAsync(Verify)).Expect(200).Json;
        Assert.False(verification.GetProperty("ok").GetBoolean(), verification.ToString());
        Assert.Equal(forged, verification.GetProperty("brokenAtSequence").GetInt64());
        Assert.Equal("unchained-event", verification.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_bulk_path_chains_its_batch_in_one_statement_and_the_trigger_chains_only_what_it_left()
    {
        await Service.RecordLedgerScenarioAsync();
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var first = await ScalarAsync<long>(database, "select max(seq_id) + 1000 from capitalflows.mt_events");

        // As BulkAppend writes a batch: the rows, then one call chains them. Here the call covers the first copies only:
        // the trigger, on all along, passes over those at commit and chains the second copies.
        await ExecuteAsync(database, $"""
            begin;
            {CopiesOfEntrustmentsSql(first)}
            {CopiesOfEntrustmentsSql(first + 500, versionsLater: 200)}
            select capitalflows.mt_chain_appended({first}, {first} + 100);
            commit;
            """);

        var copies = await ScalarAsync<long>(database, $"select count(*) from capitalflows.mt_events where seq_id >= {first}");
        Assert.True(copies >= 2);
        Assert.Equal(copies, await ScalarAsync<long>(database, $"select count(*) from capitalflows.mt_event_hashes where seq_id >= {first}"));
        var verification = (await Service.Client(Roles.Analyst).GetAnswerAsync(Verify)).Expect(200).Json;
        Assert.True(verification.GetProperty("ok").GetBoolean(), verification.ToString());
        var (events, _) = await EventsAsync(database);
        Assert.Equal(events, verification.GetProperty("events").GetInt64());
        var (broken, links, _) = await AuditAsync(database);
        Assert.Equal((0, events), (broken, links));

        // Called from another transaction, it finds none of that transaction's rows: it chains nothing.
        Assert.Equal(0L, await ScalarAsync<long>(database, $"select capitalflows.mt_chain_appended(0, {first} + 100)"));
    }

    [Fact]
    public async Task A_batch_chained_twice_fails_whole_and_the_chain_stands()
    {
        await Service.RecordLedgerScenarioAsync();
        await using var database = NpgsqlDataSource.Create(Service.ConnectionString);
        var (before, _) = await EventsAsync(database);
        var first = await ScalarAsync<long>(database, "select max(seq_id) + 1000 from capitalflows.mt_events");

        var failure = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(database, $"""
            begin;
            {CopiesOfEntrustmentsSql(first)}
            select capitalflows.mt_chain_appended({first}, {first} + 100);
            select capitalflows.mt_chain_appended({first}, {first} + 100);
            commit;
            """));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, failure.SqlState);
        Assert.Equal(before, (await EventsAsync(database)).Events);
        Assert.Equal(0L, await ScalarAsync<long>(database, $"select count(*) from capitalflows.mt_event_hashes where seq_id >= {first}"));
        var verification = (await Service.Client(Roles.Analyst).GetAnswerAsync(Verify)).Expect(200).Json;
        Assert.True(verification.GetProperty("ok").GetBoolean(), verification.ToString());
    }

    /// <summary>
    /// Copies of the scenario's entrustments, appended at sequence numbers from <paramref name="first"/> on, each at
    /// its stream's version <paramref name="versionsLater"/> after the original's.
    /// </summary>
    private static string CopiesOfEntrustmentsSql(long first, int versionsLater = 100) => $"""
        insert into capitalflows.mt_events (seq_id, id, stream_id, version, data, type, timestamp, headers)
        select {first} + row_number() over (order by seq_id) - 1, gen_random_uuid(), stream_id, version + {versionsLater}, data, type, now(), headers
        from capitalflows.mt_events where type = 'central_budget_entrusted';
        """;

    [Theory]
    [InlineData(Roles.BranchOfficer, "01", 403)]
    [InlineData(Roles.PeopleCommittee, "01", 403)]
    [InlineData(null, null, 401)]
    public async Task Only_central_finance_and_analysts_verify(string? role, string? locality, int status)
    {
        var answer = await Service.Client(role, locality).GetAnswerAsync(Verify);

        Assert.Equal(status, answer.Status);
    }

    private static async Task<(long Events, long LastSequence)> EventsAsync(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("select count(*), max(seq_id) from capitalflows.mt_events");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<(long Broken, long Links, string LastHash)> AuditAsync(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand(AuditorsRecipe);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2));
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource database, string sql)
    {
        await using var command = database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Runs <c>CapitalFlows.dll verify</c> on the test's database; returns its exit code and what it printed. The service's
    /// own build output (same configuration as the tests), not the copy beside the tests: the command line scans the
    /// assemblies of its folder, and the test assemblies there need the test runner's.
    /// </summary>
    private async Task<(int ExitCode, string Output)> RunVerifyCommandAsync()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = testOutput.Parent!.Name;
        var root = testOutput;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "CapitalFlows.sln"))) root = root.Parent;
        var serviceOutput = Path.Combine(root!.FullName, "src", "CapitalFlows", "bin", configuration, testOutput.Name);
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = serviceOutput,
        };
        startInfo.ArgumentList.Add(Path.Combine(serviceOutput, "CapitalFlows.dll"));
        startInfo.ArgumentList.Add("verify");
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        startInfo.Environment["ConnectionStrings__CapitalFlows"] = Service.ConnectionString;
        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
