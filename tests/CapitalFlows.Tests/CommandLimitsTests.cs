using CapitalFlows.Api;
using CapitalFlows.Engine;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CapitalFlows.Tests;

/// <summary>Commands in flight never outnumber the pool; their waits end before Npgsql would cancel them; busy is told apart from broken.</summary>
public sealed class CommandLimitsTests
{
    private const string Database = "Host=db;Database=capitalflows;Username=capitalflows";

    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    [Fact]
    public void Unset_the_commands_in_flight_are_48_on_the_default_pool_of_100()
    {
        var limits = CommandLimits.From(Settings(), Database);

        Assert.Equal(48, limits.MaxInFlight);
        Assert.Equal(TimeSpan.FromSeconds(10), limits.LockTimeout);
    }

    [Fact]
    public void Unset_the_commands_in_flight_leave_a_quarter_of_a_small_pool_to_reads()
    {
        Assert.Equal(23, CommandLimits.From(Settings(), Database + ";Maximum Pool Size=30").MaxInFlight);
        Assert.Equal(8, CommandLimits.From(Settings(), Database + ";Maximum Pool Size=12").MaxInFlight);
    }

    [Fact]
    public void More_commands_in_flight_than_the_pool_allows_stop_the_service_at_start_naming_both_settings()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            CommandLimits.From(Settings(("Commands:MaxInFlight", "48")), Database + ";Maximum Pool Size=30"));

        Assert.Contains("Commands:MaxInFlight is 48", error.Message, StringComparison.Ordinal);
        Assert.Contains("Maximum Pool Size is 30", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lock_timeout_as_long_as_the_command_timeout_stops_the_service_at_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            CommandLimits.From(Settings(("Commands:LockTimeoutSeconds", "30")), Database));

        Assert.Contains("Command Timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lock_timeout_and_an_exhausted_pool_are_busy_and_other_database_errors_are_not()
    {
        Assert.True(Busy.IsBusy(new PostgresException("canceling statement due to lock timeout", "ERROR", "ERROR", "55P03")));
        Assert.True(Busy.IsBusy(new InvalidOperationException("wrapped",
            new NpgsqlException("The connection pool has been exhausted, either raise 'Max Pool Size' (currently 12) or 'Timeout' (currently 3 seconds) in your connection string.",
                new TimeoutException()))));
        Assert.False(Busy.IsBusy(new PostgresException("deadlock detected", "ERROR", "ERROR", "40P01")));
        Assert.False(Busy.IsBusy(new NpgsqlException("Exception while reading from stream", new TimeoutException())));
    }
}
