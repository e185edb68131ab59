using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Funds.EntrustingCentralBudget;
using CapitalFlows.Funds.ReceivingCharityDonations;
using CapitalFlows.Funds.ReceivingMobilisedCapital;
using CapitalFlows.Funds.ToppingUpLocalBudget;
using CapitalFlows.Localities;

namespace CapitalFlows.Tests;

public sealed class InflowTests
{
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();
    private static readonly DateOnly On = new(2025, 9, 15);

    [Fact]
    public void Entrusting_central_budget_without_a_programme_lands_in_the_nations_general_central_budget_fund()
    {
        var decision = EntrustCentralBudgetEndpoint.Decide(new EntrustCentralBudget(Guid.NewGuid(), 1_000_000_000, null, "QD-123", null), On);

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [new StreamEvent("VN/central-budget/general", new CentralBudgetEntrusted("general", 1_000_000_000, "QD-123", On))],
            decision.Events);
    }

    [Fact]
    public void Entrusting_central_budget_for_a_programme_lands_in_the_nations_fund_of_that_programme()
    {
        var decision = EntrustCentralBudgetEndpoint.Decide(new EntrustCentralBudget(Guid.NewGuid(), 5, "students", "QD-124", null), On);

        Assert.Equal(
            [new StreamEvent("VN/central-budget/students", new CentralBudgetEntrusted("students", 5, "QD-124", On))],
            decision.Events);
    }

    [Fact]
    public void Receiving_mobilised_capital_without_a_programme_lands_in_the_nations_general_mobilised_fund()
    {
        var decision = ReceiveMobilisedCapitalEndpoint.Decide(
            new ReceiveMobilisedCapital(Guid.NewGuid(), 2_000_000_000, null, "bonds", "TP-2025-01", null), On);

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [new StreamEvent("VN/mobilised/general", new MobilisedCapitalReceived("general", 2_000_000_000, "bonds", "TP-2025-01", On))],
            decision.Events);
    }

    [Fact]
    public void Topping_up_local_budget_lands_in_the_localitys_local_budget_fund_of_the_programme()
    {
        var decision = TopUpLocalBudgetEndpoint.Decide(
            new TopUpLocalBudget(Guid.NewGuid(), "01", 700_000_000, "job-creation", "NQ-45", null), On, Localities);

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [new StreamEvent("01/local-budget/job-creation", new LocalBudgetToppedUp("01", "job-creation", 700_000_000, "NQ-45", On))],
            decision.Events);
    }

    [Fact]
    public void Topping_up_local_budget_without_a_programme_lands_in_the_general_fund()
    {
        var decision = TopUpLocalBudgetEndpoint.Decide(
            new TopUpLocalBudget(Guid.NewGuid(), "00004", 9, null, "NQ-46", null), On, Localities);

        Assert.Equal(
            [new StreamEvent("00004/local-budget/general", new LocalBudgetToppedUp("00004", "general", 9, "NQ-46", On))],
            decision.Events);
    }

    [Fact]
    public void Topping_up_local_budget_in_a_merged_province_is_refused_as_locality_closed_naming_its_successor()
    {
        var decision = TopUpLocalBudgetEndpoint.Decide(
            new TopUpLocalBudget(Guid.NewGuid(), "10", 700_000_000, null, "NQ-47", null), On, Localities);

        Assert.Equal("/problems/locality-closed", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal?.Status);
        Assert.Equal("15", decision.Refusal?.Extensions["successor"]);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Topping_up_a_merged_province_even_for_the_day_before_its_merge_is_refused_because_its_history_is_frozen()
    {
        var dayBefore = new DateOnly(2025, 6, 30);

        var decision = TopUpLocalBudgetEndpoint.Decide(
            new TopUpLocalBudget(Guid.NewGuid(), "10", 700_000_000, null, "NQ-48", null), dayBefore, Localities);

        Assert.Empty(decision.Events);
        Assert.Equal("/problems/locality-closed", decision.Refusal?.Type);
        Assert.Equal("15", decision.Refusal?.Extensions["successor"]);
    }

    [Fact]
    public void Receiving_a_charity_donation_without_a_locality_lands_in_the_nations_general_charity_fund()
    {
        var decision = ReceiveCharityDonationEndpoint.Decide(
            new ReceiveCharityDonation(Guid.NewGuid(), null, 50_000_000, null, "Quỹ Vì người nghèo", "Tết 2026", null), On, Localities);

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [new StreamEvent("VN/charity/general",
                new CharityDonationReceived("VN", "general", 50_000_000, "Quỹ Vì người nghèo", "Tết 2026", On))],
            decision.Events);
    }

    [Fact]
    public void Receiving_a_charity_donation_at_a_commune_lands_in_that_communes_charity_fund()
    {
        var decision = ReceiveCharityDonationEndpoint.Decide(
            new ReceiveCharityDonation(Guid.NewGuid(), "00004", 1_000, "poor-households", null, null, null), On, Localities);

        Assert.Equal(
            [new StreamEvent("00004/charity/poor-households", new CharityDonationReceived("00004", "poor-households", 1_000, null, null, On))],
            decision.Events);
    }
}
