namespace CapitalFlows.Localities;

/// <summary>A value that holds from a date on (null = since before the records begin) until the next one.</summary>
public sealed record Dated<T>(DateOnly? From, T Value);

public static class DatedHistory
{
    /// <summary>The value that held on that date: the last entry that had begun by then (default before the first).</summary>
    public static T? On<T>(this IReadOnlyList<Dated<T>> history, DateOnly date)
    {
        // A loop, not LastOrDefault with a lambda: every locality read asks this of each locality of a subtree.
        for (var i = history.Count - 1; i >= 0; i--)
            if (history[i].From is not { } from || from <= date) return history[i].Value;
        return default;
    }
}
