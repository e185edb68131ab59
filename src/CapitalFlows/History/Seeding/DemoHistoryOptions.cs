namespace CapitalFlows.History.Seeding;

/// <summary>
/// What demo history to simulate: effective dates from <c>From</c> to <c>To</c> (both included; the command ends
/// yesterday in Vietnam), at least <c>TargetEvents</c> events, and the seed that makes it the same every time.
/// </summary>
public sealed record DemoHistoryOptions(DateOnly From, DateOnly To, long TargetEvents, int Seed);
