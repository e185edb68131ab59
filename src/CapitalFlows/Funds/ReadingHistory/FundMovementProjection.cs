using System.Globalization;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace CapitalFlows.Funds.ReadingHistory;

/// <summary>
/// Inline: one <see cref="FundMovement"/> row per fund event, in the same transaction as the event, so
/// balances as of a past date (and as known at a past instant) are sums over indexed rows, not replays.
/// </summary>
public sealed partial class FundMovementProjection : EventProjection
{
    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.StreamKey is { } key && key.Contains('/', StringComparison.Ordinal))
            operations.Store(FundMovement.Of(e, RecordedAt(e)));
        return ValueTask.CompletedTask;
    }

    /// <summary>The instant the command was recorded (event metadata), or the store's timestamp.</summary>
    public static DateTimeOffset RecordedAt(IEvent e) =>
        e.Headers?.TryGetValue("recordedAt", out var value) == true
            ? value switch
            {
                DateTimeOffset instant => instant,
                DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
                _ => DateTimeOffset.Parse(value.ToString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            }
            : e.Timestamp;
}
