using System.Reflection;
using System.Text.Json;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Engine.Rebuilding;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Loans.ReadingCreditQuality;
using CapitalFlows.Localities;
using JasperFx.Events;
using JasperFx.Events.Aggregation;

namespace CapitalFlows.Tests;

/// <summary>
/// A fund's and a loan's state are folded by one function each (<see cref="Fund.Evolve"/>, <see cref="Loan.Evolve"/>):
/// the inline snapshot Marten stores, the rebuild, a command's answer and the credit-quality rows all come from it,
/// it reads every event of its stream and no other, and an event it does not know is refused, never skipped.
/// </summary>
public sealed class OneFoldPerStreamTests
{
    private const string Cb = Sources.CentralBudget;
    private static readonly FundKey Key = new("01", Cb, "poor-households");
    private static readonly Guid LoanId = Guid.Parse("6e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b");
    private static readonly DateTimeOffset Recorded = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();

    private static DateOnly Day(int n) => new DateOnly(2025, 1, 1).AddDays(n);

    /// <summary>One of every event of a fund's stream, in an order a fund can live through.</summary>
    private static readonly object[] FundHistory =
    [
        new CentralBudgetEntrusted("poor-households", 900, "QD-1", Day(0)),
        new MobilisedCapitalReceived("poor-households", 80, "bond", "B-1", Day(1)),
        new LocalBudgetToppedUp("01", "poor-households", 70, "NQ-1", Day(2)),
        new CharityDonationReceived("01", "poor-households", 60, "Donor", null, Day(3)),
        new AllocationReceived("VN", "01", Cb, "general", "poor-households", 500, null, Day(4)),
        new CapitalAllocated("01", "00004", Cb, "poor-households", "poor-households", 200, null, Day(5)),
        new RecallReceived("00004", "01", Cb, "poor-households", 50, "unused", Day(6)),
        new CapitalRecalled("VN", "01", Cb, "poor-households", 40, "unused", Day(7)),
        new CapitalLent(LoanId, "01", Cb, "poor-households", 300, Day(8)),
        new RepaymentReceived(LoanId, Guid.NewGuid(), "01", Cb, "poor-households", 30, Day(9)),
        new LoanPrincipalWrittenOff(LoanId, Guid.NewGuid(), "01", Cb, "poor-households", 20, "flood", Day(10)),
        new WriteOffReversed(Guid.NewGuid(), LoanId, 20, "error", Day(11)),
        new RepaymentReversed(Guid.NewGuid(), LoanId, 30, "error", Day(12)),
        new LendingReversed(Guid.NewGuid(), LoanId, 300, "error", Day(13)),
        new InflowReversed(Guid.NewGuid(), "01", Cb, "poor-households", 60, "error", Day(14)),
        new AllocationReversed(Guid.NewGuid(), "01", "00004", Cb, "poor-households", 100, "error", Day(15)),
        new AllocationReceiptReversed(Guid.NewGuid(), "VN", "01", Cb, "poor-households", 100, "error", Day(16)),
        new RecallReversed(Guid.NewGuid(), "VN", "01", Cb, "poor-households", 40, "error", Day(17)),
        new RecallReceiptReversed(Guid.NewGuid(), "00004", "01", Cb, "poor-households", 50, "error", Day(18)),
        new FundMergedIn("01", "02", Cb, "poor-households", 10, 5, 1, Day(19)) { WrittenOffVnd = 1 },
        new FundMergedOut("01", "03", Cb, "poor-households", 10, 5, 1, Day(20)) { WrittenOffVnd = 1 },
    ];

    /// <summary>One of every event of a loan's stream, in an order a loan can live through.</summary>
    private static readonly object[] LoanHistory =
    [
        new LoanDrawnDown(LoanId, "01", Cb, "poor-households", 120_000_000, "HH-1", "womens-union", null, 24, Day(0)),
        new LoanRepaid(LoanId, Guid.Parse("11111111-1111-4111-8111-111111111111"), 10_000_000, Day(200)),
        new LoanRepaymentReversed(LoanId, Guid.Parse("11111111-1111-4111-8111-111111111111"), 10_000_000, "error", Day(201)),
        new LoanExtended(LoanId, Guid.Parse("22222222-2222-4222-8222-222222222222"), 6, "flood", Day(202)),
        new LoanExtensionReversed(LoanId, Guid.Parse("22222222-2222-4222-8222-222222222222"), 6, "error", Day(203)),
        new LoanWrittenOff(LoanId, Guid.Parse("33333333-3333-4333-8333-333333333333"), 5_000_000, "flood", "QD-9", Day(204)),
        new LoanWriteOffReversed(LoanId, Guid.Parse("33333333-3333-4333-8333-333333333333"), 5_000_000, "error", Day(205)),
        new LoanTransferred(LoanId, "01", "08", Day(206)),
        new LoanDrawdownReversed(LoanId, Guid.NewGuid(), 120_000_000, "error", Day(207)),
    ];

    [Fact]
    public void The_snapshot_Marten_stores_for_a_fund_is_the_folds_state_after_every_event_of_its_stream()
    {
        var marten = SnapshotEvolver<Fund>();

        var stored = FundHistory.Aggregate((Fund?)null, (fund, e) => marten.Evolve(fund, Key.StreamKey, Wrapped(e)))! with { Id = Key.StreamKey };
        var folded = FundHistory.Aggregate(Fund.Empty(Key), (fund, e) => fund.Evolve(e));

        Assert.Equal(folded, stored);
        Assert.Equal(new DateOnly?(Day(20)), folded.LastMovementOn);
    }

    [Fact]
    public void The_snapshot_Marten_stores_for_a_loan_is_the_folds_state_after_every_event_of_its_stream()
    {
        var marten = SnapshotEvolver<Loan>();

        var stored = LoanHistory.Aggregate((Loan?)null, (loan, e) => marten.Evolve(loan, LoanId.ToString(), Wrapped(e)));
        var folded = Loan.Fold(LoanHistory);

        Assert.Equal(Json(folded), Json(stored));
        Assert.Equal(("08", LoanStatus.Reversed), (folded!.Locality, folded.Status));
    }

    [Fact]
    public void Marten_reads_for_each_snapshot_exactly_the_events_of_its_stream_and_the_histories_here_hold_one_of_each()
    {
        Assert.Equal(EventsOfNamespace("CapitalFlows.Funds"), SnapshotEvolver<Fund>().EventTypes.ToHashSet());
        Assert.Equal(EventsOfNamespace("CapitalFlows.Funds"), FundHistory.Select(e => e.GetType()).ToHashSet());
        Assert.Equal(EventsOfNamespace("CapitalFlows.Loans"), SnapshotEvolver<Loan>().EventTypes.ToHashSet());
        Assert.Equal(EventsOfNamespace("CapitalFlows.Loans"), LoanHistory.Select(e => e.GetType()).ToHashSet());
        Assert.Equal(EventsOfNamespace("CapitalFlows.Loans"), LoanQualityMovementProjection.LoanEventTypes.ToHashSet());
    }

    [Fact]
    public void A_rebuild_folds_each_stream_to_the_same_state_as_the_fold()
    {
        var folds = new StreamFolds();
        var sequence = 0L;
        foreach (var e in FundHistory) folds.Fold(new LogRow(++sequence, Guid.NewGuid(), Key.StreamKey, e, Recorded, Recorded));
        foreach (var e in LoanHistory) folds.Fold(new LogRow(++sequence, Guid.NewGuid(), LoanId.ToString(), e, Recorded, Recorded));

        Assert.Equal(FundHistory.Aggregate(Fund.Empty(Key), (fund, e) => fund.Evolve(e)), folds.Funds[Key.StreamKey]);
        Assert.Equal(Json(Loan.Fold(LoanHistory)), Json(folds.Loans[LoanId.ToString()]));
    }

    [Fact]
    public void A_commands_answer_and_its_credit_quality_rows_read_the_loan_the_fold_leaves()
    {
        var before = Loan.Fold(LoanHistory.Take(3))!;
        var extended = LoanHistory[3];
        var after = before.Evolve(extended);
        var state = Given.Ledger(Given.States(), [before]);

        var answer = CommandAnswer.Of(Guid.NewGuid(), Recorded, Day(202), Decision.Append(new StreamEvent(LoanId.ToString(), extended)), state, Localities);
        var (quality, _) = LoanQualityMovement.Of(Guid.NewGuid(), extended, before, Recorded);

        Assert.Equal((after.OutstandingVnd, after.OverdueOn(Day(202)), after.Status), (answer.Loan!.OutstandingVnd, answer.Loan.OverdueVnd, answer.Loan.Status));
        Assert.Equal(Json(after), Json(quality));
    }

    [Fact]
    public void An_event_of_another_stream_is_refused_by_each_fold_naming_the_event_and_the_stream()
    {
        var fund = Fund.Empty(Key);
        var loan = Loan.Fold(LoanHistory.Take(1))!;

        var onFund = Assert.Throws<EventNotFoldedException>(() => fund.Evolve(LoanHistory[1]));
        var onLoan = Assert.Throws<EventNotFoldedException>(() => loan.Evolve(FundHistory[0]));
        var unknown = Assert.Throws<EventNotFoldedException>(() => loan.Evolve(new object()));

        Assert.Equal($"LoanRepaid does not follow on fund {Key.StreamKey}", onFund.Message);
        Assert.Equal($"CentralBudgetEntrusted does not follow on loan {LoanId}", onLoan.Message);
        Assert.Equal(typeof(object), unknown.EventType);
    }

    [Fact]
    public void A_loan_event_before_the_drawdown_or_a_second_drawdown_is_refused_and_so_is_it_in_Martens_snapshot()
    {
        var drawn = Loan.Fold(LoanHistory.Take(1))!;

        var repaidFirst = Assert.Throws<EventNotFoldedException>(() => new Loan().Evolve(LoanHistory[1]));
        var drawnTwice = Assert.Throws<EventNotFoldedException>(() => drawn.Evolve(LoanHistory[0]));
        var inMarten = Assert.ThrowsAny<Exception>(() => SnapshotEvolver<Loan>().Evolve(null, LoanId.ToString(), Wrapped(LoanHistory[1])));

        Assert.Equal("a new loan", repaidFirst.Stream);
        Assert.Equal($"loan {LoanId}", drawnTwice.Stream);
        Assert.IsType<EventNotFoldedException>(inMarten.InnerException ?? inMarten);
    }

    [Fact]
    public void Folding_no_event_from_nothing_is_no_loan_and_from_a_loan_is_that_loan()
    {
        var drawn = Loan.Fold(LoanHistory.Take(1));

        Assert.Null(Loan.Fold([]));
        Assert.Same(drawn, Loan.Fold([], drawn));
    }

    /// <summary>What Marten calls for the inline snapshot of <typeparamref name="T"/>: the evolver its source generator registered.</summary>
    private static IGeneratedSyncEvolver<T, string> SnapshotEvolver<T>() where T : notnull =>
        (IGeneratedSyncEvolver<T, string>)Activator.CreateInstance(typeof(Fund).Assembly
            .GetCustomAttributes<GeneratedEvolverAttribute>()
            .Single(a => a.AggregateType == typeof(T) && a.ProjectionType is null).EvolverType)!;

    private static IEvent Wrapped(object data) => (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;

    private static HashSet<Type> EventsOfNamespace(string ns) =>
        typeof(Fund).Assembly.GetTypes().Where(t => t.Namespace == ns && typeof(ILedgerEvent).IsAssignableFrom(t) && !t.IsInterface).ToHashSet();

    private static string Json(Loan? loan) => JsonSerializer.Serialize(loan);
}
