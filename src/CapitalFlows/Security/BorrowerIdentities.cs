using System.Text.Json.Nodes;

namespace CapitalFlows.Security;

/// <summary>
/// API.md, second edition, "Trust": borrower identities (<c>borrowerRef</c>) are shown to central finance, analysts
/// and branch officers in scope, never to People's Committees. <c>GET /api/loans/{id}</c> refuses a People's
/// Committee outright; the reads that show it loans (a locality's history) leave the field out.
/// </summary>
public static class BorrowerIdentities
{
    public const string Field = "borrowerRef";

    public static bool AreShownTo(Caller caller) => caller.Role is Roles.CentralFinance or Roles.Analyst or Roles.BranchOfficer;

    /// <summary>Removes <c>borrowerRef</c> wherever it appears in an event's data (camelCase JSON, as the API shows it).</summary>
    public static void Hide(JsonNode? data)
    {
        switch (data)
        {
            case JsonObject o:
                o.Remove(Field);
                foreach (var (_, value) in o) Hide(value);
                break;
            case JsonArray a:
                foreach (var item in a) Hide(item);
                break;
        }
    }
}
