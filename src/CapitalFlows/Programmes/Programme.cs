using System.Text.Json.Serialization;

namespace CapitalFlows.Programmes;

/// <summary>
/// A social-policy credit programme. <c>MaxLoanVnd</c> and <c>MaxTermMonths</c> are its caps as they stand in
/// the latest version of its rules (null = no cap: <c>general</c>, which is not lent); <see cref="Versions"/> holds
/// every dated version, oldest first, and <see cref="RulesOn"/> the one a loan of a given date is judged by.
/// </summary>
public sealed record Programme(string Code, string Name, string NameVi, long? MaxLoanVnd, int? MaxTermMonths)
{
    /// <summary>Capital not yet earmarked for a programme.</summary>
    public const string General = "general";

    [JsonIgnore]
    public IReadOnlyList<ProgrammeRules> Versions { get; init; } = [];

    /// <summary>The rules in force on <paramref name="date"/>; null when the programme did not lend then (or never does).</summary>
    public ProgrammeRules? RulesOn(DateOnly date) => Versions.LastOrDefault(v => v.InForceOn(date));
}
