using System.Text.Json;

namespace CapitalFlows.Api;

/// <summary>
/// The members of a command body that its command record has no property for (API.md, second edition): a misspelt
/// <c>decisonRef</c> would otherwise be dropped in silence and the decision reference lost. Names are matched as the
/// service's JSON options read them (camelCase, case-insensitive when the options say so).
/// </summary>
public static class UnknownFields
{
    public static IReadOnlyList<string> Of(JsonElement body, Type commandType, JsonSerializerOptions options)
    {
        var comparer = options.PropertyNameCaseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var known = options.GetTypeInfo(commandType).Properties.Select(p => p.Name).ToHashSet(comparer);
        return body.EnumerateObject().Select(p => p.Name).Where(name => !known.Contains(name)).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>One field error per unknown member, named as the client spelt it.</summary>
    public static void AddTo(FieldErrors errors, IReadOnlyList<string> unknown, Type commandType, JsonSerializerOptions options)
    {
        if (unknown.Count == 0) return;
        var known = options.GetTypeInfo(commandType).Properties.Select(p => p.Name).ToList();
        foreach (var name in unknown)
            errors.Add(name.Length == 0 ? "$" : name, $"'{name}' is not a field of this command (its fields are {string.Join(", ", known)}).");
    }
}
