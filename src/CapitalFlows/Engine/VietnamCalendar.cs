namespace CapitalFlows.Engine;

/// <summary>Effective dates are calendar dates in Vietnam (UTC+7, no daylight saving).</summary>
public static class VietnamCalendar
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(7);

    public static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().ToOffset(Offset).DateTime);

    /// <summary>A validated <c>effectiveOn</c> field, or today in Vietnam when it was omitted.</summary>
    public static DateOnly EffectiveOn(string? value, TimeProvider clock) =>
        value is null ? Today(clock) : DateOnly.ParseExact(value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
