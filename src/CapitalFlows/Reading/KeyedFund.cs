using CapitalFlows.Funds;

namespace CapitalFlows.Reading;

/// <summary>A fund with its key parsed once (a fund's <see cref="Fund.Locality"/>, <see cref="Fund.Source"/> and <see cref="Fund.Programme"/> parse its id at each call).</summary>
public readonly record struct KeyedFund(FundKey Key, Fund Fund)
{
    public static List<KeyedFund> AllOf(IReadOnlyList<Fund> funds)
    {
        var keyed = new List<KeyedFund>(funds.Count);
        foreach (var fund in funds) keyed.Add(new KeyedFund(fund.Key, fund));
        return keyed;
    }
}
