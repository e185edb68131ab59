namespace CapitalFlows.Localities.ReadingLocalities;

/// <summary>A locality as it stood on a date (API.md, <c>GET /api/localities</c>).</summary>
public sealed record LocalityView(
    string Code, string Name, string Level, string? Parent, string Status, string? Successor, DateOnly? OpenedOn, DateOnly? ClosedOn)
{
    public static LocalityView On(Locality locality, DateOnly date) => new(
        locality.Code, locality.NameOn(date), locality.Level, locality.ParentOn(date), locality.StatusOn(date),
        locality.StatusOn(date) == "merged" ? locality.Successor : null, locality.OpenedOn, locality.ClosedOn);
}
