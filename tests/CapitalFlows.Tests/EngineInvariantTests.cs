using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans;

namespace CapitalFlows.Tests;

/// <summary>
/// Invariants 1 (no fund below zero) and 7 (effective dates never go backwards on a fund or a loan) are the engine's:
/// <see cref="LedgerState.Decide"/> checks them on the states a decision leaves, so that a decider which checks
/// nothing, or dates its events wrongly, still cannot break them.
/// </summary>
public sealed class EngineInvariantTests
{
    private static readonly FundKey Key = new("01", Sources.CentralBudget, "poor-households");
    private static readonly Guid LoanId = Guid.Parse("7f2a3b4c-5d6e-4f70-8a1b-2c3d4e5f6a7b");
    private static readonly DateOnly June = new(2025, 6, 1);
    private static readonly DateOnly July = new(2025, 7, 1);

    /// <summary>A fund holding 100 since June and a loan of 30 drawn from it in July.</summary>
    private static LedgerState State() => Given.Ledger(
        Given.States(Given.Fund(Key,
            new AllocationReceived("VN", "01", Sources.CentralBudget, "general", "poor-households", 100, null, June),
            new CapitalLent(LoanId, "01", Sources.CentralBudget, "poor-households", 30, July))),
        [Given.Loan(new LoanDrawnDown(LoanId, "01", Sources.CentralBudget, "poor-households", 30, "HH-1", "womens-union", null, 12, July))]);

    /// <summary>A decider that checks nothing and appends what it is given.</summary>
    private static Decision Careless(DateOnly commandOn, params (string Stream, object Event)[] events) =>
        State().Decide(commandOn, _ => Decision.Append([.. events.Select(e => new StreamEvent(e.Stream, e.Event))]));

    private static CapitalLent Lent(long amountVnd, DateOnly on) => new(Guid.NewGuid(), "01", Sources.CentralBudget, "poor-households", amountVnd, on);

    [Fact]
    public void A_decider_that_checks_nothing_cannot_take_a_fund_below_zero()
    {
        var overdrawn = Careless(July, (Key.StreamKey, Lent(71, July)));
        var emptied = Careless(July, (Key.StreamKey, Lent(70, July)));

        Assert.Equal(("/problems/insufficient-funds", 409), (overdrawn.Refusal?.Type, overdrawn.Refusal?.Status));
        Assert.Empty(overdrawn.Events);
        Assert.Null(emptied.Refusal);
    }

    [Fact]
    public void A_decider_that_checks_nothing_cannot_take_a_fund_below_zero_in_several_steps()
    {
        var decision = Careless(July, (Key.StreamKey, Lent(40, July)), (Key.StreamKey, Lent(40, July)));

        Assert.Equal("/problems/insufficient-funds", decision.Refusal?.Type);
    }

    [Fact]
    public void A_command_dated_before_the_last_movement_of_a_fund_or_loan_it_reads_is_refused_whatever_its_decider_appends()
    {
        var onFund = Careless(June, (Key.StreamKey, Lent(10, July)));
        var onLoan = Careless(June, (LoanId.ToString(), new LoanRepaid(LoanId, Guid.NewGuid(), 10, July)));

        Assert.Equal("/problems/effective-date-too-early", onFund.Refusal?.Type);
        Assert.Equal("/problems/effective-date-too-early", onLoan.Refusal?.Type);
    }

    [Fact]
    public void A_decider_that_dates_its_events_before_the_last_movement_of_their_fund_or_loan_cannot_move_it_back_in_time()
    {
        var onLoan = Careless(July, (LoanId.ToString(), new LoanRepaid(LoanId, Guid.NewGuid(), 10, June)));
        var onFund = Careless(July, (Key.StreamKey, Lent(10, June)));
        var onItself = Careless(July.AddDays(9), (Key.StreamKey, Lent(10, July.AddDays(9))), (Key.StreamKey, Lent(10, July.AddDays(3))));

        Assert.Equal("/problems/effective-date-too-early", onLoan.Refusal?.Type);
        Assert.Contains($"loan {LoanId}", onLoan.Refusal?.Detail, StringComparison.Ordinal);
        Assert.Equal("/problems/effective-date-too-early", onFund.Refusal?.Type);
        Assert.Contains($"fund {Key.StreamKey}", onFund.Refusal?.Detail, StringComparison.Ordinal);
        Assert.Equal("/problems/effective-date-too-early", onItself.Refusal?.Type);
        Assert.Empty(onItself.Events);
    }

    [Fact]
    public void Events_on_the_day_of_the_last_movement_or_later_and_on_streams_not_read_are_accepted()
    {
        var sameDay = Careless(July, (Key.StreamKey, Lent(10, July)), (LoanId.ToString(), new LoanRepaid(LoanId, Guid.NewGuid(), 10, July)));
        var otherFund = Careless(July, ("02/central-budget/general", new AllocationReceived("VN", "02", Sources.CentralBudget, "general", "general", 5, null, June)));

        Assert.Null(sameDay.Refusal);
        Assert.Equal(2, sameDay.Events.Count);
        Assert.Null(otherFund.Refusal);
    }
}
