using Npgsql;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary>
/// One table a rebuild writes again from the log, in a transaction of its own on a connection of its own (so that
/// every table's COPY runs beside the others' and beside the read of the log). The rebuild empties it and takes its
/// indexes off first (<see cref="RebuildContext.EmptyAsync"/>). <see cref="BeginAsync"/> may open its COPY,
/// <see cref="WriteAsync"/> hears every event of the log in sequence order with its stream's state after it, and
/// <see cref="CompleteAsync"/> writes what is left (final states) and ends the COPY. The tables complete side by side,
/// so a table's <see cref="CompleteAsync"/> may only read the <see cref="StreamFolds"/>. The rebuild then builds each
/// table's indexes again, and commits every table's transaction only after every table has completed.
/// <para>A new table is one class implementing this, added to <see cref="ProjectionRebuild.Tables"/>.</para>
/// </summary>
public interface IProjectionTable
{
    /// <summary>The table's name, for the report.</summary>
    string Name { get; }

    Task BeginAsync(NpgsqlConnection connection, CancellationToken ct);

    ValueTask WriteAsync(FoldedEvent e, CancellationToken ct);

    /// <summary>Returns how many rows the table now holds.</summary>
    Task<long> CompleteAsync(StreamFolds folds, CancellationToken ct);
}
