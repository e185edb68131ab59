namespace CapitalFlows.Loans;

/// <summary>The socio-political organisations through which the bank lends.</summary>
public static class EntrustedOrganisations
{
    public static readonly IReadOnlyList<string> All = ["womens-union", "farmers-association", "veterans-association", "youth-union"];
}
