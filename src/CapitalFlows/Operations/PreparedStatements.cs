using System.Data.Common;
using Npgsql;

namespace CapitalFlows.Operations;

/// <summary>
/// The service's connections prepare the statements they run again and again (Npgsql's automatic preparation): a
/// command batch sends the same few statements (stream appends, snapshots, movement rows, command records, locks)
/// every time, and PostgreSQL then skips parsing and planning them. Npgsql keeps prepared statements across a pooled
/// connection's reset, so this works with the pool as configured. A connection string that sets
/// <c>Max Auto Prepare</c> itself (0 turns it off) is left as it is.
/// </summary>
public static class PreparedStatements
{
    public const int DefaultMaxAutoPrepare = 64;

    public static string Apply(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)))
            return connectionString;
        return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = DefaultMaxAutoPrepare, AutoPrepareMinUsages = 2 }.ConnectionString;
    }
}
