namespace CapitalFlows.Localities;

public static class LocalityLevel
{
    public const string Nation = "nation";
    public const string Province = "province";
    public const string Commune = "commune";

    public static readonly IReadOnlyList<string> All = [Nation, Province, Commune];
}
