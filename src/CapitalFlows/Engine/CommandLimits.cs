using Npgsql;

namespace CapitalFlows.Engine;

/// <summary>
/// How many commands a node runs at once and how long one waits, checked against the connection pool at start-up.
/// <para>Every command in flight holds a pooled connection (while it waits for its locks, too), so
/// <c>Commands:MaxInFlight</c> may never reach the pool: <see cref="ReadReserve"/> connections stay for reads, health
/// checks and the projection daemon. Unset, it is 48 or the most the pool allows, whichever is lower; set above what
/// the pool allows, the service refuses to start and says which two settings disagree (a silent clamp would hide a
/// deployment that does not do what its files say).</para>
/// <para><c>Commands:LockTimeoutSeconds</c> (10) bounds both waits of a command: for a place among the node's
/// commands in flight, and for its advisory locks (PostgreSQL <c>lock_timeout</c>, which applies to advisory lock
/// waits). Either wait running out is 503 busy, never a 500; so it must be shorter than the connection string's
/// <c>Command Timeout</c>, after which Npgsql would cancel the statement instead.</para>
/// </summary>
public sealed record CommandLimits(int MaxInFlight, TimeSpan LockTimeout, int MaxPoolSize)
{
    public const int DefaultMaxInFlight = 48;
    public const int DefaultLockTimeoutSeconds = 10;

    /// <summary>Connections kept for everything but commands: a quarter of the pool, at least 4.</summary>
    public static int ReadReserve(int maxPoolSize) => Math.Max(4, maxPoolSize / 4);

    /// <summary>The most commands a pool of this size allows in flight.</summary>
    public static int MostInFlight(int maxPoolSize) => Math.Max(1, maxPoolSize - ReadReserve(maxPoolSize));

    /// <summary>The limits for the service's own connection string (in Development, the private cluster's when unset).</summary>
    public static CommandLimits From(IConfiguration configuration) =>
        From(configuration, configuration.GetConnectionString("CapitalFlows") ?? ServiceSetup.LocalDevelopmentDatabase);

    /// <summary>The limits from configuration; throws, naming the settings, when they cannot work with this connection string.</summary>
    public static CommandLimits From(IConfiguration configuration, string connectionString)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        var pool = connection.MaxPoolSize;
        var most = MostInFlight(pool);
        var configured = configuration.GetValue<int?>("Commands:MaxInFlight");
        if (configured is < 1)
            throw new InvalidOperationException($"Commands:MaxInFlight is {configured}; it must be at least 1.");
        if (configured > most)
            throw new InvalidOperationException(
                $"Commands:MaxInFlight is {configured}, but the connection string's Maximum Pool Size is {pool}: at most {most} commands " +
                $"may hold connections at once, so that {ReadReserve(pool)} stay for reads. Lower Commands:MaxInFlight or raise Maximum Pool Size.");

        var lockTimeout = configuration.GetValue("Commands:LockTimeoutSeconds", (double)DefaultLockTimeoutSeconds);
        if (lockTimeout is <= 0 or > 3600)
            throw new InvalidOperationException($"Commands:LockTimeoutSeconds is {lockTimeout}; it must be more than 0 and at most 3600.");
        if (connection.CommandTimeout > 0 && lockTimeout >= connection.CommandTimeout)
            throw new InvalidOperationException(
                $"Commands:LockTimeoutSeconds is {lockTimeout}, but the connection string's Command Timeout is {connection.CommandTimeout} s: " +
                "a command waiting for its locks would be cancelled before it could answer busy. Keep the lock timeout below the command timeout.");

        return new CommandLimits(configured ?? Math.Min(DefaultMaxInFlight, most), TimeSpan.FromSeconds(lockTimeout), pool);
    }
}
