namespace CapitalFlows.Security;

/// <summary>The four roles of API.md, as they appear in the token's <c>role</c> claim.</summary>
public static class Roles
{
    public const string CentralFinance = "central-finance";
    public const string BranchOfficer = "branch-officer";
    public const string PeopleCommittee = "people-committee";
    public const string Analyst = "analyst";

    public static readonly IReadOnlyList<string> All = [CentralFinance, BranchOfficer, PeopleCommittee, Analyst];

    /// <summary>The roles that act only within the locality named by their <c>locality</c> claim.</summary>
    public static bool IsScoped(string role) => role is BranchOfficer or PeopleCommittee;
}
