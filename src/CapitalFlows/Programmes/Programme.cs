namespace CapitalFlows.Programmes;

/// <summary>A social-policy credit programme with the bank's published caps (null = no cap).</summary>
public sealed record Programme(string Code, string Name, string NameVi, long? MaxLoanVnd, int? MaxTermMonths)
{
    /// <summary>Capital not yet earmarked for a programme.</summary>
    public const string General = "general";
}
