using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;

namespace CapitalFlows.Tests;

/// <summary>Totals never wrap: the inflow check on a fund's totals and the nation's received capital.</summary>
public sealed class TotalLimitTests
{
    private const long Limit = TotalLimit.MaxTotalVnd;
    private static readonly FundKey Nation = new("VN", Sources.CentralBudget, "general");
    private static readonly DateOnly On = new(2026, 1, 5);

    private static FundStates FundHolding(long inflowsVnd, long reversedVnd = 0) =>
        new(new Dictionary<FundKey, Fund>
        {
            [Nation] = Fund.Empty(Nation) with { InflowsVnd = inflowsVnd, InflowsReversedVnd = reversedVnd, ReceivedVnd = inflowsVnd - reversedVnd },
        });

    private static IReadOnlyList<(string, long)> Inflow(long amountVnd) =>
        TotalLimit.InflowsOf(Decision.Append(new StreamEvent(Nation.StreamKey, new CentralBudgetEntrusted("general", amountVnd, "QD", On))));

    [Fact]
    public void An_inflow_that_takes_the_nation_exactly_to_the_limit_is_accepted()
    {
        Assert.Null(TotalLimit.Refuse(FundHolding(0), Inflow(1_000), Limit - 1_000));
    }

    [Fact]
    public void An_inflow_one_dong_past_the_nations_limit_is_refused_total_limit()
    {
        var refusal = TotalLimit.Refuse(FundHolding(0), Inflow(1_001), Limit - 1_000);

        Assert.Equal("/problems/total-limit", refusal?.Type);
        Assert.Equal(409, refusal?.Status);
    }

    [Fact]
    public void A_funds_gross_inflows_are_held_to_the_limit_even_when_most_of_them_were_reversed()
    {
        var refusal = TotalLimit.Refuse(FundHolding(Limit - 10, reversedVnd: Limit - 10), Inflow(11), nationalReceivedVnd: 0);

        Assert.Equal("/problems/total-limit", refusal?.Type);
        Assert.Contains("VN/central-budget/general", refusal!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Movements_that_are_not_inflows_are_not_checked()
    {
        var allocation = Decision.Append(
            new StreamEvent(Nation.StreamKey, new CapitalAllocated("VN", "01", Sources.CentralBudget, "general", "general", 5, null, On)));

        Assert.Empty(TotalLimit.InflowsOf(allocation));
    }
}
