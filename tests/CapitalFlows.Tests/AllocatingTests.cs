using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Funds.Allocating;
using CapitalFlows.Localities;

namespace CapitalFlows.Tests;

public sealed class AllocatingTests
{
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();
    private static readonly DateOnly Earlier = new(2025, 8, 1);
    private static readonly DateOnly On = new(2025, 9, 15);

    private static readonly FundKey NationGeneral = new("VN", Sources.CentralBudget, "general");
    private static readonly FundKey HaNoiGeneral = new("01", Sources.CentralBudget, "general");

    private static readonly AllocationReceived HaNoiReceived500Million =
        new("VN", "01", Sources.CentralBudget, "general", "general", 500_000_000, "QD-1", Earlier);

    /// <summary>Hà Nội's general central-budget fund, holding 500 million received from the nation.</summary>
    private static Fund HaNoiHolding500Million() => Given.Fund(HaNoiGeneral, HaNoiReceived500Million);

    private static Allocate Command(string from, string to, long amountVnd, string programme = "general", string? toProgramme = null) =>
        new(Guid.NewGuid(), from, to, Sources.CentralBudget, programme, toProgramme, amountVnd, "QD-2", null);

    [Fact]
    public void Allocating_from_a_fund_that_holds_enough_moves_the_amount_from_parent_to_child()
    {
        var nation = Given.Fund(NationGeneral, new CentralBudgetEntrusted("general", 1_000_000_000, "QD-0", Earlier));

        var decision = AllocateEndpoint.Decide(Command("VN", "01", 300_000_000), Given.States(nation), On, Localities);

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [
                new StreamEvent("VN/central-budget/general",
                    new CapitalAllocated("VN", "01", Sources.CentralBudget, "general", "general", 300_000_000, "QD-2", On)),
                new StreamEvent("01/central-budget/general",
                    new AllocationReceived("VN", "01", Sources.CentralBudget, "general", "general", 300_000_000, "QD-2", On)),
            ],
            decision.Events);
    }

    [Fact]
    public void Allocating_general_capital_with_a_target_programme_earmarks_it_in_the_childs_programme_fund()
    {
        var decision = AllocateEndpoint.Decide(
            Command("01", "00004", 200_000_000, toProgramme: "poor-households"), Given.States(HaNoiHolding500Million()), On, Localities);

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [
                new StreamEvent("01/central-budget/general",
                    new CapitalAllocated("01", "00004", Sources.CentralBudget, "general", "poor-households", 200_000_000, "QD-2", On)),
                new StreamEvent("00004/central-budget/poor-households",
                    new AllocationReceived("01", "00004", Sources.CentralBudget, "general", "poor-households", 200_000_000, "QD-2", On)),
            ],
            decision.Events);
    }

    [Fact]
    public void Allocating_more_than_the_parent_fund_holds_is_refused_as_insufficient_funds_and_appends_nothing()
    {
        var decision = AllocateEndpoint.Decide(
            Command("01", "00004", 500_000_001), Given.States(HaNoiHolding500Million()), On, Localities);

        Assert.Equal("/problems/insufficient-funds", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal?.Status);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Allocating_from_a_fund_that_was_never_credited_is_refused_as_insufficient_funds()
    {
        var decision = AllocateEndpoint.Decide(Command("01", "00004", 1), Given.States(), On, Localities);

        Assert.Equal("/problems/insufficient-funds", decision.Refusal?.Type);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Allocating_exactly_what_the_parent_fund_holds_is_allowed_and_leaves_it_at_zero()
    {
        var parent = HaNoiHolding500Million();

        var decision = AllocateEndpoint.Decide(Command("01", "00004", 500_000_000), Given.States(parent), On, Localities);

        Assert.Null(decision.Refusal);
        Assert.Equal(2, decision.Events.Count);
        Assert.Equal(0, Given.Fund(HaNoiGeneral, HaNoiReceived500Million, decision.Events[0].Event).AvailableVnd);
    }

    [Fact]
    public void Allocating_from_the_nation_straight_to_a_commune_is_refused_as_not_a_direct_child()
    {
        var nation = Given.Fund(NationGeneral, new CentralBudgetEntrusted("general", 1_000_000_000, "QD-0", Earlier));

        var decision = AllocateEndpoint.Decide(Command("VN", "00004", 100), Given.States(nation), On, Localities);

        Assert.Equal("/problems/not-a-direct-child", decision.Refusal?.Type);
        Assert.Equal(400, decision.Refusal?.Status);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Allocating_from_Ha_Noi_to_a_commune_of_Ho_Chi_Minh_City_is_refused_as_not_a_direct_child()
    {
        var commune79 = Localities.ChildrenOn("79", On).First().Code;

        var decision = AllocateEndpoint.Decide(Command("01", commune79, 100), Given.States(HaNoiHolding500Million()), On, Localities);

        Assert.Equal("/problems/not-a-direct-child", decision.Refusal?.Type);
        Assert.Equal(400, decision.Refusal?.Status);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Allocating_to_a_province_merged_on_2025_07_01_is_refused_as_locality_closed_naming_its_successor()
    {
        var nation = Given.Fund(NationGeneral, new CentralBudgetEntrusted("general", 1_000_000_000, "QD-0", Earlier));

        var decision = AllocateEndpoint.Decide(Command("VN", "10", 100), Given.States(nation), On, Localities);

        Assert.Equal("/problems/locality-closed", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal?.Status);
        Assert.Equal("15", decision.Refusal?.Extensions["successor"]);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Allocating_to_a_commune_on_a_date_before_the_communes_existed_is_refused_as_locality_closed()
    {
        var before = new DateOnly(2025, 6, 30);
        var parent = Given.Fund(HaNoiGeneral,
            new AllocationReceived("VN", "01", Sources.CentralBudget, "general", "general", 500_000_000, "QD-1", new DateOnly(2025, 6, 1)));

        var decision = AllocateEndpoint.Decide(Command("01", "00004", 100), Given.States(parent), before, Localities);

        Assert.Equal("/problems/locality-closed", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal?.Status);
        Assert.False(decision.Refusal?.Extensions.ContainsKey("successor"));
        Assert.Empty(decision.Events);
    }
}
