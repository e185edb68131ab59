using CapitalFlows.Engine;
using CapitalFlows.Engine.Rebuilding;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Loans;

namespace CapitalFlows.Tests;

/// <summary>
/// The engine's bulk path as pure functions: the folds a rebuild runs (one per stream, an unknown event an error),
/// the fund movement row a rebuild writes, and the guard the bulk decider runs on the states a decision leaves.
/// </summary>
public sealed class BulkEngineTests
{
    private static readonly FundKey Key = new("01", Sources.CentralBudget, "poor-households");
    private static readonly Guid LoanId = Guid.Parse("0b7a3c1e-2d4f-4a6b-8c9d-1e2f3a4b5c6d");
    private static readonly DateOnly June = new(2025, 6, 1);
    private static readonly DateTimeOffset Recorded = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static AllocationReceived Received(long amountVnd, DateOnly on) =>
        new("VN", "01", Sources.CentralBudget, "general", "poor-households", amountVnd, null, on);

    private static CapitalLent Lent(long amountVnd, DateOnly on) => new(LoanId, "01", Sources.CentralBudget, "poor-households", amountVnd, on);

    private static LoanDrawnDown Drawn(long amountVnd, DateOnly on) =>
        new(LoanId, "01", Sources.CentralBudget, "poor-households", amountVnd, "HH-1", "womens-union", null, 12, on);

    [Fact]
    public void A_rebuild_folds_each_stream_with_its_own_fold_and_numbers_each_event_by_its_position_in_its_stream()
    {
        var folds = new StreamFolds();

        var first = folds.Fold(new LogRow(1, Guid.NewGuid(), Key.StreamKey, Received(100, June), Recorded, Recorded));
        var drawn = folds.Fold(new LogRow(2, Guid.NewGuid(), LoanId.ToString(), Drawn(30, June), Recorded, Recorded));
        var second = folds.Fold(new LogRow(3, Guid.NewGuid(), Key.StreamKey, Lent(30, June), Recorded, Recorded));
        var other = folds.Fold(new LogRow(4, Guid.NewGuid(), "periods", new object(), Recorded, Recorded));

        Assert.Equal((1L, 100L), (first.Position, first.Fund!.AvailableVnd));
        Assert.Equal((2L, 70L, 30L), (second.Position, second.Fund!.AvailableVnd, second.Fund.LoansOutstandingVnd));
        Assert.Equal((1L, 30L), (drawn.Position, drawn.Loan!.OutstandingVnd));
        Assert.Null(other.Fund ?? (object?)other.Loan);
        Assert.Equal(4, folds.LastSequence);
        Assert.Equal(2, folds.Versions[Key.StreamKey]);
    }

    [Fact]
    public void An_event_a_fold_does_not_know_stops_the_rebuild_instead_of_being_skipped()
    {
        var folds = new StreamFolds();

        var onFund = Assert.Throws<InvalidOperationException>(() =>
            folds.Fold(new LogRow(1, Guid.NewGuid(), Key.StreamKey, new LoanRepaid(LoanId, Guid.NewGuid(), 10, June), Recorded, Recorded)));
        var repaidBeforeDrawn = Assert.Throws<InvalidOperationException>(() =>
            folds.Fold(new LogRow(2, Guid.NewGuid(), LoanId.ToString(), new LoanRepaid(LoanId, Guid.NewGuid(), 10, June), Recorded, Recorded)));

        Assert.Contains("LoanRepaid", onFund.Message, StringComparison.Ordinal);
        Assert.Contains("does not follow on a new loan", repaidBeforeDrawn.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_movement_row_from_the_folded_fund_holds_the_running_totals_and_from_an_empty_fund_the_events_delta()
    {
        var after = Fund.Empty(Key).Evolve(Received(100, June)).Evolve(Lent(30, June));

        var row = FundMovement.After(LoanId, after, June, Recorded);
        var delta = FundMovement.After(LoanId, Fund.Empty(Key).Evolve(Lent(30, June)), June, Recorded);

        Assert.Equal((100L, 30L, "01", Key.StreamKey), (row.ReceivedVnd, row.LentVnd, row.Locality, row.Fund));
        Assert.Equal((0L, 30L), (delta.ReceivedVnd, delta.LentVnd));
    }

    [Fact]
    public void The_engine_refuses_a_decision_that_leaves_a_fund_below_zero_or_moves_a_fund_or_loan_back_in_time()
    {
        var fund = Fund.Empty(Key).Evolve(Received(100, June));
        var loan = new Loan().Evolve(Drawn(30, June));
        var state = new LedgerState(
            new FundStates(new Dictionary<FundKey, Fund> { [Key] = fund }),
            new Dictionary<string, Loan> { [LoanId.ToString()] = loan }, new Dictionary<Guid, ProcessedCommand>());
        var earlier = June.AddDays(-1);
        // Deciders that check nothing: the engine's own checks are what refuse.
        Decision Appending(DateOnly on, string stream, object e) => state.Decide(on, _ => Decision.Append(new StreamEvent(stream, e)));

        var overdrawn = Appending(June, Key.StreamKey, Lent(130, June)).Refusal;
        var backwards = Appending(earlier, Key.StreamKey, Lent(10, earlier)).Refusal;
        var loanBackwards = Appending(earlier, LoanId.ToString(), new LoanRepaid(LoanId, Guid.NewGuid(), 10, earlier)).Refusal;
        var fine = Appending(June, Key.StreamKey, Lent(100, June)).Refusal;

        Assert.Equal("/problems/insufficient-funds", overdrawn?.Type);
        Assert.Equal("/problems/effective-date-too-early", backwards?.Type);
        Assert.Equal("/problems/effective-date-too-early", loanBackwards?.Type);
        Assert.Null(fine);
    }
}
