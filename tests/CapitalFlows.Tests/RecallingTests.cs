using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Funds.Recalling;
using CapitalFlows.Localities;

namespace CapitalFlows.Tests;

public sealed class RecallingTests
{
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();
    private static readonly DateOnly Earlier = new(2025, 8, 1);
    private static readonly DateOnly On = new(2025, 9, 15);

    private static readonly FundKey HaNoiPoor = new("01", Sources.CentralBudget, "poor-households");
    private static readonly FundKey BaDinhPoor = new("00004", Sources.CentralBudget, "poor-households");

    /// <summary>Hà Nội passed 300 million of poor-households capital down to Ba Đình.</summary>
    private static FundStates HaNoiAllocated300MillionToBaDinh()
    {
        var allocated = new CapitalAllocated("01", "00004", Sources.CentralBudget, "poor-households", "poor-households", 300_000_000, "QD-1", Earlier);
        var received = new AllocationReceived("01", "00004", Sources.CentralBudget, "poor-households", "poor-households", 300_000_000, "QD-1", Earlier);
        return Given.States(
            Given.Fund(HaNoiPoor,
                new AllocationReceived("VN", "01", Sources.CentralBudget, "poor-households", "poor-households", 1_000_000_000, "QD-0", Earlier),
                allocated),
            Given.Fund(BaDinhPoor, received));
    }

    private static Recall Command(string from, string to, long amountVnd) =>
        new(Guid.NewGuid(), from, to, Sources.CentralBudget, "poor-households", amountVnd, "Unused at year end", null);

    [Fact]
    public void Recalling_moves_the_amount_from_the_childs_fund_back_to_the_parents_fund_of_the_same_programme()
    {
        var decision = RecallEndpoint.Decide(Command("00004", "01", 120_000_000), HaNoiAllocated300MillionToBaDinh(), On, Localities);

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [
                new StreamEvent("00004/central-budget/poor-households",
                    new CapitalRecalled("00004", "01", Sources.CentralBudget, "poor-households", 120_000_000, "Unused at year end", On)),
                new StreamEvent("01/central-budget/poor-households",
                    new RecallReceived("00004", "01", Sources.CentralBudget, "poor-households", 120_000_000, "Unused at year end", On)),
            ],
            decision.Events);
    }

    [Fact]
    public void Recalling_everything_the_child_holds_is_allowed()
    {
        var decision = RecallEndpoint.Decide(Command("00004", "01", 300_000_000), HaNoiAllocated300MillionToBaDinh(), On, Localities);

        Assert.Null(decision.Refusal);
        Assert.Equal(2, decision.Events.Count);
    }

    [Fact]
    public void Recalling_more_than_the_child_holds_is_refused_as_insufficient_funds_and_appends_nothing()
    {
        var decision = RecallEndpoint.Decide(Command("00004", "01", 300_000_001), HaNoiAllocated300MillionToBaDinh(), On, Localities);

        Assert.Equal("/problems/insufficient-funds", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal?.Status);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Recalling_from_a_grandchild_is_refused_as_not_a_direct_child()
    {
        var decision = RecallEndpoint.Decide(Command("00004", "VN", 100), HaNoiAllocated300MillionToBaDinh(), On, Localities);

        Assert.Equal("/problems/not-a-direct-child", decision.Refusal?.Type);
        Assert.Equal(400, decision.Refusal?.Status);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Recalling_from_a_province_merged_on_2025_07_01_is_refused_as_locality_closed()
    {
        var decision = RecallEndpoint.Decide(Command("10", "VN", 100), Given.States(), On, Localities);

        Assert.Equal("/problems/locality-closed", decision.Refusal?.Type);
        Assert.Equal("15", decision.Refusal?.Extensions["successor"]);
        Assert.Empty(decision.Events);
    }
}
