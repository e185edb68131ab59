using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Localities;

/// <summary>Rules on localities that every movement obeys (DOMAIN.md invariant 8).</summary>
public static class LocalityRules
{
    /// <summary>
    /// 409 locality-closed when a named locality did not exist yet on that date, or has been merged: a merge
    /// moved its balances on the merge's date, so its history is frozen and it takes no movement of any date.
    /// </summary>
    public static Decision? RefuseIfNotOpen(LocalityDirectory localities, DateOnly date, params string[] codes) =>
        codes
            .Select(localities.Find)
            .Where(l => l is not null && (!l.ExistsOn(date) || l.ClosedOn is not null))
            .Select(l => Decision.Refuse(Problems.LocalityClosed(l!.Code, date, l.ExistsOn(date) ? l.Successor : null, l.ClosedOn)))
            .FirstOrDefault();

    /// <summary>400 not-a-direct-child unless <paramref name="child"/> sits directly below <paramref name="parent"/> on that date.</summary>
    public static Decision? RefuseIfNotParentAndChild(LocalityDirectory localities, DateOnly date, string parent, string child) =>
        localities.Find(child)?.ParentOn(date) == parent
            ? null
            : Decision.Refuse(Problems.Create("not-a-direct-child",
                $"{child} is not a direct child of {parent} on {date:yyyy-MM-dd}; capital moves one level at a time."));
}
