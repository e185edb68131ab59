using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Plans;

/// <summary>
/// The years a plan may be for, and the date whose locality structure a year's plans follow: the last day of the
/// year, or today when the year has not ended (a plan for next year follows today's structure).
/// </summary>
public static class PlanYear
{
    public const int First = 2000;

    public static int Last(DateOnly today) => today.Year + 1;

    public static DateOnly StructureDate(int year, DateOnly today)
    {
        var yearEnd = new DateOnly(year, 12, 31);
        return yearEnd < today ? yearEnd : today;
    }

    /// <summary>A year field: required, from 2000 to next year.</summary>
    public static void Check(FieldErrors errors, int? year, DateOnly today, string field = "year")
    {
        if (year is null) errors.Add(field, $"{field} is required.");
        else if (year < First || year > Last(today))
            errors.Add(field, $"{field} must be from {First} to {Last(today)} (next year).");
    }

    /// <summary>A target: required, zero or more đồng, at most 10^15.</summary>
    public static void Target(FieldErrors errors, long? amountVnd, string field)
    {
        if (amountVnd is null) errors.Add(field, $"{field} is required.");
        else if (amountVnd < 0 || amountVnd > FieldErrors.MaxAmountVnd)
            errors.Add(field, $"{field} must be a whole number of đồng from 0 to {FieldErrors.MaxAmountVnd.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
    }
}
