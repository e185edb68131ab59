namespace CapitalFlows.Demo;

/// <summary>How far a seeding has come: events and commands (by command) written, the last effective date, the time taken.</summary>
public sealed record SeedProgress(long Events, IReadOnlyDictionary<string, int> Commands, DateOnly? EffectiveOn, TimeSpan Elapsed)
{
    public long CommandCount => Commands.Values.Sum();
}
