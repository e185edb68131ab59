using CapitalFlows.Funds;

namespace CapitalFlows.Tests;

public sealed class FundTests
{
    private static readonly FundKey HaNoiPoor = new("01", Sources.CentralBudget, "poor-households");
    private static readonly FundKey BaDinhPoor = new("00004", Sources.CentralBudget, "poor-households");
    private static readonly DateOnly August = new(2025, 8, 1);
    private static readonly DateOnly September = new(2025, 9, 1);
    private static readonly DateOnly October = new(2025, 10, 1);

    [Fact]
    public void An_empty_fund_holds_nothing_and_has_no_last_movement()
    {
        var fund = Given.Fund(HaNoiPoor);

        Assert.Equal("01/central-budget/poor-households", fund.Id);
        Assert.Equal(HaNoiPoor, fund.Key);
        Assert.Equal(0, fund.AvailableVnd);
        Assert.Null(fund.LastMovementOn);
    }

    [Theory]
    [InlineData("01")]
    [InlineData("01/central-budget")]
    [InlineData("01/central-budget/poor-households/extra")]
    public void A_fund_stream_key_is_three_parts_and_nothing_else_is_read_as_one(string streamKey) =>
        Assert.Throws<FormatException>(() => FundKey.Parse(streamKey));

    [Fact]
    public void A_fund_read_back_with_its_id_knows_its_locality_source_and_programme_from_it()
    {
        var fund = new Fund { Id = "00004/central-budget/poor-households", ReceivedVnd = 5 };

        Assert.Equal(BaDinhPoor, FundKey.Parse(fund.Id));
        Assert.Equal(BaDinhPoor, fund.Key);
        Assert.Equal(("00004", Sources.CentralBudget, "poor-households"), (fund.Locality, fund.Source, fund.Programme));
        Assert.Equal(fund, Given.Fund(BaDinhPoor) with { ReceivedVnd = 5 });
    }

    [Fact]
    public void Every_kind_of_inflow_counts_as_both_inflow_and_received()
    {
        var fund = Given.Fund(new FundKey("VN", Sources.CentralBudget, "general"),
            new CentralBudgetEntrusted("general", 100, "QD-1", August),
            new MobilisedCapitalReceived("general", 20, "bonds", "TP-1", August),
            new LocalBudgetToppedUp("VN", "general", 3, "NQ-1", August),
            new CharityDonationReceived("VN", "general", 4, null, null, September));

        Assert.Equal(127, fund.InflowsVnd);
        Assert.Equal(127, fund.ReceivedVnd);
        Assert.Equal(127, fund.AvailableVnd);
    }

    [Fact]
    public void Available_is_received_less_passed_down_less_lent_plus_repaid()
    {
        var fund = Given.Fund(HaNoiPoor,
            new AllocationReceived("VN", "01", Sources.CentralBudget, "poor-households", "poor-households", 1_000, null, August),
            new LocalBudgetToppedUp("01", "poor-households", 500, "NQ-1", August),
            new CapitalAllocated("01", "00004", Sources.CentralBudget, "poor-households", "poor-households", 300, null, September))
            with { LentVnd = 400, RepaidVnd = 150 };

        Assert.Equal(1_500, fund.ReceivedVnd);
        Assert.Equal(500, fund.InflowsVnd);
        Assert.Equal(300, fund.PassedDownVnd);
        Assert.Equal(1_500 - 300 - 400 + 150, fund.AvailableVnd);
        Assert.Equal(250, fund.LoansOutstandingVnd);
    }

    [Fact]
    public void A_recall_lowers_the_childs_received_and_the_parents_passed_down()
    {
        var allocated = new CapitalAllocated("01", "00004", Sources.CentralBudget, "poor-households", "poor-households", 300, null, August);
        var received = new AllocationReceived("01", "00004", Sources.CentralBudget, "poor-households", "poor-households", 300, null, August);
        var parentIncome = new AllocationReceived("VN", "01", Sources.CentralBudget, "poor-households", "poor-households", 1_000, null, August);

        var child = Given.Fund(BaDinhPoor, received,
            new CapitalRecalled("00004", "01", Sources.CentralBudget, "poor-households", 120, "Unused", September));
        var parent = Given.Fund(HaNoiPoor, parentIncome, allocated,
            new RecallReceived("00004", "01", Sources.CentralBudget, "poor-households", 120, "Unused", September));

        Assert.Equal(180, child.ReceivedVnd);
        Assert.Equal(180, child.AvailableVnd);
        Assert.Equal(0, child.InflowsVnd);
        Assert.Equal(180, parent.PassedDownVnd);
        Assert.Equal(1_000, parent.ReceivedVnd);
        Assert.Equal(820, parent.AvailableVnd);
    }

    [Fact]
    public void The_last_movement_follows_the_latest_event()
    {
        var afterAllocation = Given.Fund(HaNoiPoor,
            new LocalBudgetToppedUp("01", "poor-households", 500, "NQ-1", August),
            new CapitalAllocated("01", "00004", Sources.CentralBudget, "poor-households", "poor-households", 300, null, September));
        var afterRecall = Given.Fund(HaNoiPoor,
            new LocalBudgetToppedUp("01", "poor-households", 500, "NQ-1", August),
            new CapitalAllocated("01", "00004", Sources.CentralBudget, "poor-households", "poor-households", 300, null, September),
            new RecallReceived("00004", "01", Sources.CentralBudget, "poor-households", 100, "Unused", October));

        Assert.Equal(September, afterAllocation.LastMovementOn);
        Assert.Equal(October, afterRecall.LastMovementOn);
    }

    [Fact]
    public void A_movement_dated_before_the_last_movement_of_a_touched_fund_is_refused_as_effective_date_too_early()
    {
        var states = Given.States(
            Given.Fund(HaNoiPoor, new LocalBudgetToppedUp("01", "poor-households", 500, "NQ-1", September)),
            Given.Fund(BaDinhPoor, new LocalBudgetToppedUp("00004", "poor-households", 500, "NQ-2", August)));

        var refusal = states.RefuseIfEarlierThanLastMovement(September.AddDays(-1));

        Assert.Equal("/problems/effective-date-too-early", refusal?.Refusal?.Type);
        Assert.Equal(409, refusal?.Refusal?.Status);
        Assert.Contains("01/central-budget/poor-households", refusal?.Refusal?.Detail, StringComparison.Ordinal);
        Assert.Empty(refusal!.Events);
    }

    [Fact]
    public void A_movement_dated_on_the_same_day_as_the_last_movement_is_allowed()
    {
        var states = Given.States(Given.Fund(HaNoiPoor, new LocalBudgetToppedUp("01", "poor-households", 500, "NQ-1", September)));

        Assert.Null(states.RefuseIfEarlierThanLastMovement(September));
        Assert.Null(states.RefuseIfEarlierThanLastMovement(October));
    }

    [Fact]
    public void Funds_with_no_movement_never_refuse_a_date()
    {
        var states = Given.States(Given.Fund(HaNoiPoor));

        Assert.Null(states.RefuseIfEarlierThanLastMovement(new DateOnly(2000, 1, 1)));
        Assert.Equal(0, states[BaDinhPoor].AvailableVnd);
    }

    [Fact]
    public void Taking_more_than_a_fund_holds_is_refused_and_taking_all_of_it_is_not()
    {
        var states = Given.States(Given.Fund(HaNoiPoor, new LocalBudgetToppedUp("01", "poor-households", 500, "NQ-1", August)));

        Assert.Null(states.RefuseIfShort(HaNoiPoor, 500));
        Assert.Equal("/problems/insufficient-funds", states.RefuseIfShort(HaNoiPoor, 501)?.Refusal?.Type);
    }
}
