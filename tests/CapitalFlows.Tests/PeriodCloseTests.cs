using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Funds.EntrustingCentralBudget;
using CapitalFlows.Periods;
using CapitalFlows.Periods.ClosingPeriods;

namespace CapitalFlows.Tests;

/// <summary>Invariant 10: nothing takes effect on or before a closed period's last date, and closes only move forward.</summary>
public sealed class PeriodCloseTests
{
    private static readonly DateOnly ClosedThrough = new(2025, 12, 31);
    private static readonly DateOnly Today = new(2026, 3, 10);

    private static Decision Entrust(LedgerState state, DateOnly effectiveOn)
    {
        var command = new EntrustCentralBudget(Guid.NewGuid(), 1_000, null, "QD-1", null);
        return state.Decide(effectiveOn, _ => EntrustCentralBudgetEndpoint.Decide(command, effectiveOn));
    }

    [Fact]
    public void A_command_effective_on_the_closed_date_is_refused_as_period_closed_and_appends_nothing()
    {
        var decision = Entrust(Closed(ClosedThrough), ClosedThrough);

        Assert.Equal("/problems/period-closed", decision.Refusal?.Type);
        Assert.Equal("2025-12-31", decision.Refusal!.Extensions["closedThrough"]);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void A_command_effective_before_the_closed_date_is_refused()
    {
        Assert.Equal("/problems/period-closed", Entrust(Closed(ClosedThrough), new DateOnly(1900, 1, 1)).Refusal?.Type);
    }

    [Fact]
    public void A_command_effective_the_day_after_the_closed_date_is_decided_as_usual()
    {
        var decision = Entrust(Closed(ClosedThrough), ClosedThrough.AddDays(1));

        Assert.Null(decision.Refusal);
        Assert.Single(decision.Events);
    }

    [Fact]
    public void With_no_period_closed_any_date_is_decided_as_usual()
    {
        Assert.Null(Entrust(Given.Ledger(Given.States()), new DateOnly(2000, 1, 1)).Refusal);
    }

    [Fact]
    public void The_closed_period_is_checked_before_the_funds_effective_dates()
    {
        var fund = Given.Fund("VN/central-budget/general", new CentralBudgetEntrusted("general", 5, "QD-0", new DateOnly(2026, 1, 5)));
        var state = new LedgerState(Given.States(fund), new Dictionary<string, CapitalFlows.Loans.Loan>(), new Dictionary<Guid, ProcessedCommand>())
        {
            ClosedThrough = ClosedThrough,
        };

        Assert.Equal("/problems/period-closed", Entrust(state, ClosedThrough).Refusal?.Type);
    }

    [Fact]
    public void Closing_a_first_period_records_the_date_on_the_periods_stream()
    {
        var decision = ClosePeriodEndpoint.Decide(ClosedThrough, closedThrough: null, Today);

        Assert.Equal([new StreamEvent(ClosedPeriods.Stream, new PeriodClosed(ClosedThrough, Today))], decision.Events);
    }

    [Fact]
    public void A_later_close_moves_the_closed_date_forward()
    {
        var decision = ClosePeriodEndpoint.Decide(new DateOnly(2026, 1, 31), ClosedThrough, Today);

        Assert.Equal([new StreamEvent(ClosedPeriods.Stream, new PeriodClosed(new DateOnly(2026, 1, 31), Today))], decision.Events);
    }

    [Theory]
    [InlineData("2025-12-31")]
    [InlineData("2025-06-30")]
    public void A_close_that_is_not_later_than_the_current_one_is_refused_naming_the_closed_date(string through)
    {
        var decision = ClosePeriodEndpoint.Decide(DateOnly.Parse(through, System.Globalization.CultureInfo.InvariantCulture), ClosedThrough, Today);

        Assert.Equal("/problems/period-closed", decision.Refusal?.Type);
        Assert.Equal("2025-12-31", decision.Refusal!.Extensions["closedThrough"]);
        Assert.Empty(decision.Events);
    }

    private static LedgerState Closed(DateOnly through) =>
        new(Given.States(), new Dictionary<string, CapitalFlows.Loans.Loan>(), new Dictionary<Guid, ProcessedCommand>()) { ClosedThrough = through };
}
