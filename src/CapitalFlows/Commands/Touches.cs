using CapitalFlows.Funds;
using CapitalFlows.Localities;
using CapitalFlows.Periods;

namespace CapitalFlows.Commands;

/// <summary>What a command reads and locks before it decides: funds, loans (by id) and earlier commands.</summary>
public sealed record Touches(IReadOnlyCollection<FundKey> Funds, IReadOnlyCollection<string> Loans, IReadOnlyCollection<Guid> Commands)
{
    /// <summary>
    /// A decision may append only to streams it read (and to the locality structure and the closed periods, which it
    /// read under the structure lock);
    /// anything else means the plan was made on a structure that has changed since.
    /// </summary>
    public StreamEvent? FirstUnread(Decision decision) =>
        decision.Events.FirstOrDefault(e =>
            e.StreamKey != LocalityDirectory.StructureStream && e.StreamKey != ClosedPeriods.Stream && !Loans.Contains(e.StreamKey) && !Funds.Any(f => f.StreamKey == e.StreamKey));
}
