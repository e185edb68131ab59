using System.Globalization;
using CapitalFlows.Localities.Merging;
using Npgsql;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// Looks into a service's database from the side, the way an operator would: what the event log holds, and
/// pulling the connections out from under the service. Its own connections are not pooled, so they never
/// hand out a connection that the server has since dropped.
/// </summary>
public sealed class LedgerDatabase(string connectionString)
{
    private const string Schema = "capitalflows";

    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    /// <summary>Marten's stream of tombstones: rows that fill the sequence numbers a failed transaction had taken.</summary>
    public const string TombstoneStream = "mt_tombstone";

    /// <summary>How many ledger events the log holds (Marten's tombstones are not events of the ledger).</summary>
    /// <summary>The events commands appended: not tombstones, nor the 2025 reorganisation every fresh store starts with.</summary>
    public Task<long> EventCountAsync() =>
        ScalarAsync($"""
            select count(*) from {Schema}.mt_events
            where stream_id <> '{TombstoneStream}' and coalesce(headers ->> 'commandId', '') <> '{Reorganisation2025Data.CommandId}'
            """);

    /// <summary>The sequence number of the last row of the log (0 when empty): where a test's own events begin.</summary>
    public Task<long> LastSequenceAsync() => ScalarAsync($"select coalesce(max(seq_id), 0) from {Schema}.mt_events");

    /// <summary>How many events the command with that id appended (events carry their command id as a header).</summary>
    public Task<long> EventCountAsync(Guid commandId) =>
        ScalarAsync($"select count(*) from {Schema}.mt_events where headers ->> 'commandId' = @commandId",
            new NpgsqlParameter("commandId", commandId.ToString()));

    /// <summary>The event store's schema is in this database (the service started on it).</summary>
    public async Task<bool> HasEventStoreAsync() =>
        await ScalarAsync($"select count(*) from pg_tables where schemaname = '{Schema}' and tablename = 'mt_events'") == 1;

    /// <summary>How many statements of other connections to this database are running now whose text holds <paramref name="fragment"/>.</summary>
    public Task<long> RunningStatementsAsync(string fragment) =>
        ScalarAsync("select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state = 'active' and strpos(query, @fragment) > 0",
            new NpgsqlParameter("fragment", fragment));

    /// <summary>Terminates every other backend connected to this database, as an administrator or a failover would.</summary>
    public Task<long> TerminateOtherConnectionsAsync() =>
        ScalarAsync("select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");

    /// <summary>
    /// From now on the database refuses to record the command with that id: a trigger fails the insert of its
    /// record, inside the command's transaction, after its events were written to it.
    /// </summary>
    public Task RefuseToRecordAsync(Guid commandId) => ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"""
        create or replace function {Schema}.test_refuse_command() returns trigger language plpgsql as $$
        begin
            if new.id = '{commandId}'::uuid then raise exception 'the test refuses to record command {commandId}'; end if;
            return new;
        end $$;
        create or replace trigger test_refuse_command before insert on {Schema}.mt_doc_processedcommand
            for each row execute function {Schema}.test_refuse_command();
        """));

    /// <summary>Undoes <see cref="RefuseToRecordAsync"/>.</summary>
    public Task StopRefusingAsync() => ExecuteAsync($"""
        drop trigger if exists test_refuse_command on {Schema}.mt_doc_processedcommand;
        drop function if exists {Schema}.test_refuse_command();
        """);

    /// <summary>Every event of the log, one line each, for a failure message.</summary>
    public async Task<string> DescribeEventsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select seq_id, stream_id, version, type, timestamp, headers ->> 'commandId' from {Schema}.mt_events order by seq_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new System.Text.StringBuilder();
        while (await reader.ReadAsync())
        {
            lines.AppendLine(CultureInfo.InvariantCulture,
                $"{reader.GetInt64(0)} {reader.GetString(1)} v{reader.GetInt64(2)} {reader.GetString(3)} {reader.GetDateTime(4):O} command {(reader.IsDBNull(5) ? "-" : reader.GetString(5))}");
        }
        return lines.ToString();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 15 };
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> ScalarAsync(string sql, params NpgsqlParameter[] parameters)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 15 };
        command.Parameters.AddRange(parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
