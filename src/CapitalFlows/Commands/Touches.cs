using CapitalFlows.Funds;

namespace CapitalFlows.Commands;

/// <summary>What a command reads and locks before it decides: funds, loans (by id) and earlier commands.</summary>
public sealed record Touches(IReadOnlyCollection<FundKey> Funds, IReadOnlyCollection<string> Loans, IReadOnlyCollection<Guid> Commands);
