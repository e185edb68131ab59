namespace CapitalFlows.Reading;

/// <summary>
/// Totals never wrap (API.md, Trust): reads add amounts of đồng up in 128 bits. One amount fits a <c>long</c>; a total
/// over many funds, or a gross flow over inflows and their reversals, need not, and must neither wrap nor throw.
/// System.Text.Json writes an <see cref="Int128"/> as a JSON integer.
/// </summary>
public static class WideSum
{
    public static Int128 SumVnd<T>(this IEnumerable<T> items, Func<T, long> amountVnd) =>
        items.Aggregate(Int128.Zero, (total, item) => total + amountVnd(item));

    public static Int128 SumVnd<T>(this IEnumerable<T> items, Func<T, Int128> amountVnd) =>
        items.Aggregate(Int128.Zero, (total, item) => total + amountVnd(item));
}
