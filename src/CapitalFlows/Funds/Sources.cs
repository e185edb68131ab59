namespace CapitalFlows.Funds;

/// <summary>Where capital came from.</summary>
public static class Sources
{
    public const string CentralBudget = "central-budget";
    public const string LocalBudget = "local-budget";
    public const string Charity = "charity";
    public const string Mobilised = "mobilised";

    public static readonly IReadOnlyList<string> All = [CentralBudget, LocalBudget, Charity, Mobilised];
}
