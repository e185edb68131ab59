namespace CapitalFlows.Localities;

/// <summary>
/// An administrative unit. A code is one unit for ever, but its name and its parent may change on an
/// effective date (old 15 Yên Bái is new 15 Lào Cai from 2025-07-01), so both are kept as dated histories
/// and always read together with a date. A merged unit closes on the merge's date and names its successor.
/// </summary>
public sealed record Locality(
    string Code,
    string Level,
    IReadOnlyList<Dated<string>> Names,
    IReadOnlyList<Dated<string?>> Parents,
    DateOnly? OpenedOn,
    DateOnly? ClosedOn,
    string? Successor)
{
    public string NameOn(DateOnly date) => Names.On(date) ?? Names[0].Value;

    public string? ParentOn(DateOnly date) => Parents.On(date);

    /// <summary>The unit exists on that date (it may already be merged).</summary>
    public bool ExistsOn(DateOnly date) => OpenedOn is null || OpenedOn <= date;

    public bool IsOpenOn(DateOnly date) => ExistsOn(date) && (ClosedOn is null || date < ClosedOn);

    public string StatusOn(DateOnly date) => ClosedOn is { } closed && closed <= date ? "merged" : "active";
}
