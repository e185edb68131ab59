using System.Globalization;
using Marten;
using Marten.Schema;

namespace CapitalFlows.Localities.Merging;

/// <summary>
/// What a fresh store starts with (DOMAIN.md, "Localities over time"): the 2025 reorganisation recorded on the
/// structure stream, effective 2025-07-01, marked as reference data so that it counts as always known. Marten
/// applies it when the service starts and after every reset. A store that already holds events is left alone:
/// the demo history starts in the 63-province structure and records the merger through the merge command.
/// </summary>
public sealed class Reorganisation2025Data(TimeProvider clock) : IInitialData
{
    public const string RecordedBy = "reference-data";

    /// <summary>The command id its events carry (invariant 9), the same in every store.</summary>
    public static readonly Guid CommandId = Guid.Parse("20250701-0000-4000-8000-000000000034");

    /// <summary>How many events it records: the events a fresh store starts with.</summary>
    public static int EventCount => LocalityDirectory.Reorganisation2025().Count;

    public async Task Populate(IDocumentStore store, CancellationToken cancellation)
    {
        await using var session = store.LightweightSession();
        if (await session.Events.QueryAllRawEvents().AnyAsync(cancellation)) return;

        session.LastModifiedBy = RecordedBy;
        session.CorrelationId = CommandId.ToString();
        session.SetHeader("commandId", CommandId.ToString());
        session.SetHeader("sub", RecordedBy);
        session.SetHeader("name", "Reference data: the 2025 reorganisation");
        session.SetHeader("role", RecordedBy);
        session.SetHeader("recordedAt", clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
        session.Events.StartStream(LocalityDirectory.StructureStream, LocalityDirectory.Reorganisation2025().Cast<object>().ToArray());
        try
        {
            await session.SaveChangesAsync(cancellation);
        }
        catch (Marten.Exceptions.ExistingStreamIdCollisionException)
        {
            // Another node starting at the same time recorded it first.
        }
    }
}
