using Npgsql;
using NpgsqlTypes;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary>Writing a table's rows in a binary COPY.</summary>
public static class BinaryCopy
{
    /// <summary>
    /// One row: each column's value with its PostgreSQL type, in the order of the COPY's column list (Npgsql's own
    /// <c>WriteRowAsync</c> infers each type from the value).
    /// </summary>
    public static async ValueTask WriteTypedRowAsync(this NpgsqlBinaryImporter copy, CancellationToken ct, params (object Value, NpgsqlDbType Type)[] columns)
    {
        await copy.StartRowAsync(ct);
        foreach (var (value, type) in columns) await copy.WriteAsync(value, type, ct);
    }
}
