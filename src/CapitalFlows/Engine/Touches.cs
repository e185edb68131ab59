using CapitalFlows.Funds;
using CapitalFlows.Localities;
using CapitalFlows.Periods;

namespace CapitalFlows.Engine;

/// <summary>What a command reads and locks before it decides: funds, loans (by id) and earlier commands.</summary>
public sealed record Touches(IReadOnlyCollection<FundKey> Funds, IReadOnlyCollection<string> Loans, IReadOnlyCollection<Guid> Commands)
{
    /// <summary>Other streams (neither funds nor loans, e.g. a credit plan and its parent's) the command locks, reads and may append to.</summary>
    public IReadOnlyCollection<string> Streams { get; init; } = [];

    /// <summary>
    /// Streams the command reads but does not lock: safe only when every writer of them locks one of
    /// <see cref="Streams"/> (a plan's children each lock their parent's plan).
    /// </summary>
    public IReadOnlyCollection<string> Reads { get; init; } = [];

    /// <summary>
    /// A decision may append only to streams it read (and to the locality structure and the closed periods, which it
    /// read under the structure lock);
    /// anything else means the plan was made on a structure that has changed since.
    /// </summary>
    public StreamEvent? FirstUnread(Decision decision) =>
        decision.Events.FirstOrDefault(e =>
            e.StreamKey != LocalityDirectory.StructureStream && e.StreamKey != ClosedPeriods.Stream && !Loans.Contains(e.StreamKey) && !Streams.Contains(e.StreamKey) && !Funds.Any(f => f.StreamKey == e.StreamKey));
}
