using System.Globalization;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Engine.Rebuilding;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Localities;
using CapitalFlows.National.ReadingDailyCapital;
using CapitalFlows.Reversals;

namespace CapitalFlows.Tests;

public sealed class ReversingTests
{
    private const string Reason = "Entered in error";
    private const string Cb = Sources.CentralBudget;

    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();

    private static readonly DateOnly Earlier = new(2025, 8, 1);
    private static readonly DateOnly Then = new(2025, 9, 1);
    private static readonly DateOnly Later = new(2025, 9, 10);
    private static readonly DateOnly On = new(2025, 10, 1);

    private static readonly Guid LoanId = Guid.Parse("5a0e9b2c-7d41-4f3a-b6c8-9e1d2f3a4b5c");
    private static readonly Guid FirstRepaymentId = Guid.Parse("aaaaaaaa-1111-4111-8111-111111111111");
    private static readonly Guid SecondRepaymentId = Guid.Parse("bbbbbbbb-2222-4222-8222-222222222222");

    private static readonly FundKey NationGeneral = new("VN", Cb, "general");
    private static readonly FundKey HaNoiGeneral = new("01", Cb, "general");
    private static readonly FundKey HaNoiPoor = new("01", Cb, "poor-households");
    private static readonly FundKey BaDinhPoor = new("00004", Cb, "poor-households");

    private static readonly LoanDrawnDown Drawdown80Million =
        new(LoanId, "01", Cb, "poor-households", 80_000_000, "HH-0042", "womens-union", null, 60, Earlier);

    /// <summary>A reversal as the engine decides it: the decider, then the engine's invariants on the states it leaves.</summary>
    private static Decision Reverse(ProcessedCommand movement, IReadOnlyList<StreamEvent> events, LedgerState state) =>
        state.Decide(On, s => ReverseMovementEndpoint.Decide(new ReverseMovement(Guid.NewGuid(), movement.Id, Reason, null), movement, events, s, On, Localities));

    private static void AssertRefused(string slug, int status, Decision decision)
    {
        Assert.Equal($"/problems/{slug}", decision.Refusal?.Type);
        Assert.Equal(status, decision.Refusal?.Status);
        Assert.Empty(decision.Events);
        Assert.Null(decision.Reverses);
    }

    // Inflows

    [Fact]
    public void Reversing_a_central_budget_entrustment_takes_the_amount_back_out_of_the_same_fund()
    {
        var id = Guid.NewGuid();
        StreamEvent[] events = [new("VN/central-budget/general", new CentralBudgetEntrusted("general", 1_000_000_000, "QD-1", Earlier))];
        var nation = Given.Fund(NationGeneral, events[0].Event);

        var decision = Reverse(Given.Movement(id, events), events, Given.Ledger(Given.States(nation)));

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [new StreamEvent("VN/central-budget/general", new InflowReversed(id, "VN", Cb, "general", 1_000_000_000, Reason, On))],
            decision.Events);
        Assert.Equal(id, decision.Reverses);
    }

    [Fact]
    public void Reversing_a_local_budget_top_up_takes_the_amount_back_out_of_the_committees_fund()
    {
        var id = Guid.NewGuid();
        StreamEvent[] events = [new("01/local-budget/job-creation", new LocalBudgetToppedUp("01", "job-creation", 700_000_000, "NQ-5", Earlier))];
        var fund = Given.Fund("01/local-budget/job-creation", events[0].Event);

        var decision = Reverse(Given.Movement(id, events), events, Given.Ledger(Given.States(fund)));

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [new StreamEvent("01/local-budget/job-creation", new InflowReversed(id, "01", Sources.LocalBudget, "job-creation", 700_000_000, Reason, On))],
            decision.Events);
        Assert.Equal(id, decision.Reverses);
    }

    [Fact]
    public void Reversing_a_charity_donation_or_a_mobilisation_reverses_the_inflow_of_its_own_source()
    {
        var donation = Guid.NewGuid();
        var mobilisation = Guid.NewGuid();
        StreamEvent[] donated = [new("00004/charity/students", new CharityDonationReceived("00004", "students", 9_000_000, "MTTQ", "Tết 2026", Earlier))];
        StreamEvent[] mobilised = [new("VN/mobilised/general", new MobilisedCapitalReceived("general", 3_000_000_000, "bonds", "TP-9", Earlier))];
        var state = Given.Ledger(Given.States(
            Given.Fund("00004/charity/students", donated[0].Event), Given.Fund("VN/mobilised/general", mobilised[0].Event)));

        var donationReversal = Reverse(Given.Movement(donation, donated), donated, state);
        var mobilisationReversal = Reverse(Given.Movement(mobilisation, mobilised), mobilised, state);

        Assert.Equal(
            [new StreamEvent("00004/charity/students", new InflowReversed(donation, "00004", Sources.Charity, "students", 9_000_000, Reason, On))],
            donationReversal.Events);
        Assert.Equal(
            [new StreamEvent("VN/mobilised/general", new InflowReversed(mobilisation, "VN", Sources.Mobilised, "general", 3_000_000_000, Reason, On))],
            mobilisationReversal.Events);
    }

    [Fact]
    public void Reversing_an_entrustment_whose_money_was_already_allocated_is_refused_as_insufficient_funds()
    {
        StreamEvent[] events = [new("VN/central-budget/general", new CentralBudgetEntrusted("general", 1_000_000_000, "QD-1", Earlier))];
        var nation = Given.Fund(NationGeneral, events[0].Event,
            new CapitalAllocated("VN", "01", Cb, "general", "general", 400_000_000, null, Then));

        var decision = Reverse(Given.Movement(Guid.NewGuid(), events), events, Given.Ledger(Given.States(nation)));

        AssertRefused("insufficient-funds", 409, decision);
    }

    // Allocations and recalls

    [Fact]
    public void Reversing_an_allocation_returns_the_amount_from_the_child_to_the_parent()
    {
        var id = Guid.NewGuid();
        StreamEvent[] events =
        [
            new("VN/central-budget/general", new CapitalAllocated("VN", "01", Cb, "general", "general", 300_000_000, "QD-2", Then)),
            new("01/central-budget/general", new AllocationReceived("VN", "01", Cb, "general", "general", 300_000_000, "QD-2", Then)),
        ];
        var nation = Given.Fund(NationGeneral, new CentralBudgetEntrusted("general", 1_000_000_000, "QD-1", Earlier), events[0].Event);
        var haNoi = Given.Fund(HaNoiGeneral, events[1].Event);

        var decision = Reverse(Given.Movement(id, events), events, Given.Ledger(Given.States(nation, haNoi)));

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [
                new StreamEvent("VN/central-budget/general", new AllocationReversed(id, "VN", "01", Cb, "general", 300_000_000, Reason, On)),
                new StreamEvent("01/central-budget/general", new AllocationReceiptReversed(id, "VN", "01", Cb, "general", 300_000_000, Reason, On)),
            ],
            decision.Events);
        Assert.Equal(id, decision.Reverses);
    }

    [Fact]
    public void Reversing_an_earmarking_allocation_takes_the_childs_side_out_of_the_earmarked_programmes_fund()
    {
        var id = Guid.NewGuid();
        StreamEvent[] events =
        [
            new("01/central-budget/general", new CapitalAllocated("01", "00004", Cb, "general", "poor-households", 200_000_000, null, Then)),
            new("00004/central-budget/poor-households", new AllocationReceived("01", "00004", Cb, "general", "poor-households", 200_000_000, null, Then)),
        ];
        var haNoi = Given.Fund(HaNoiGeneral,
            new AllocationReceived("VN", "01", Cb, "general", "general", 500_000_000, null, Earlier), events[0].Event);
        var baDinh = Given.Fund(BaDinhPoor, events[1].Event);

        var decision = Reverse(Given.Movement(id, events), events, Given.Ledger(Given.States(haNoi, baDinh)));

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [
                new StreamEvent("01/central-budget/general", new AllocationReversed(id, "01", "00004", Cb, "general", 200_000_000, Reason, On)),
                new StreamEvent("00004/central-budget/poor-households",
                    new AllocationReceiptReversed(id, "01", "00004", Cb, "poor-households", 200_000_000, Reason, On)),
            ],
            decision.Events);
        Assert.Equal(500_000_000, haNoi.Evolve(decision.Events[0].Event).AvailableVnd);
        Assert.Equal(0, baDinh.Evolve(decision.Events[1].Event).AvailableVnd);
    }

    [Fact]
    public void Reversing_an_allocation_whose_money_the_child_already_passed_on_is_refused_as_insufficient_funds()
    {
        StreamEvent[] events =
        [
            new("VN/central-budget/general", new CapitalAllocated("VN", "01", Cb, "general", "general", 300_000_000, null, Earlier)),
            new("01/central-budget/general", new AllocationReceived("VN", "01", Cb, "general", "general", 300_000_000, null, Earlier)),
        ];
        var nation = Given.Fund(NationGeneral, new CentralBudgetEntrusted("general", 1_000_000_000, "QD-1", Earlier), events[0].Event);
        var haNoi = Given.Fund(HaNoiGeneral, events[1].Event,
            new CapitalAllocated("01", "00004", Cb, "general", "general", 250_000_000, null, Then));

        var decision = Reverse(Given.Movement(Guid.NewGuid(), events), events, Given.Ledger(Given.States(nation, haNoi)));

        AssertRefused("insufficient-funds", 409, decision);
        Assert.Contains("01/central-budget/general", decision.Refusal?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Reversing_an_allocation_whose_money_the_child_already_lent_is_refused_as_insufficient_funds()
    {
        StreamEvent[] events =
        [
            new("01/central-budget/general", new CapitalAllocated("01", "00004", Cb, "general", "poor-households", 200_000_000, null, Earlier)),
            new("00004/central-budget/poor-households", new AllocationReceived("01", "00004", Cb, "general", "poor-households", 200_000_000, null, Earlier)),
        ];
        var haNoi = Given.Fund(HaNoiGeneral,
            new AllocationReceived("VN", "01", Cb, "general", "general", 500_000_000, null, Earlier), events[0].Event);
        var baDinh = Given.Fund(BaDinhPoor, events[1].Event,
            new CapitalLent(LoanId, "00004", Cb, "poor-households", 150_000_000, Then));

        var decision = Reverse(Given.Movement(Guid.NewGuid(), events), events, Given.Ledger(Given.States(haNoi, baDinh)));

        AssertRefused("insufficient-funds", 409, decision);
    }

    private static StreamEvent[] RecallOf100MillionFromBaDinh() =>
    [
        new("00004/central-budget/poor-households", new CapitalRecalled("00004", "01", Cb, "poor-households", 100_000_000, "Unused", Then)),
        new("01/central-budget/poor-households", new RecallReceived("00004", "01", Cb, "poor-households", 100_000_000, "Unused", Then)),
    ];

    [Fact]
    public void Reversing_a_recall_sends_the_amount_back_down_to_the_child()
    {
        var id = Guid.NewGuid();
        var events = RecallOf100MillionFromBaDinh();
        var haNoi = Given.Fund(HaNoiPoor,
            new AllocationReceived("VN", "01", Cb, "poor-households", "poor-households", 1_000_000_000, null, Earlier),
            new CapitalAllocated("01", "00004", Cb, "poor-households", "poor-households", 300_000_000, null, Earlier),
            events[1].Event);
        var baDinh = Given.Fund(BaDinhPoor,
            new AllocationReceived("01", "00004", Cb, "poor-households", "poor-households", 300_000_000, null, Earlier),
            events[0].Event);

        var decision = Reverse(Given.Movement(id, events), events, Given.Ledger(Given.States(haNoi, baDinh)));

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [
                new StreamEvent("00004/central-budget/poor-households", new RecallReversed(id, "00004", "01", Cb, "poor-households", 100_000_000, Reason, On)),
                new StreamEvent("01/central-budget/poor-households", new RecallReceiptReversed(id, "00004", "01", Cb, "poor-households", 100_000_000, Reason, On)),
            ],
            decision.Events);
        Assert.Equal(id, decision.Reverses);
        Assert.Equal(300_000_000, baDinh.Evolve(decision.Events[0].Event).AvailableVnd);
        Assert.Equal(700_000_000, haNoi.Evolve(decision.Events[1].Event).AvailableVnd);
    }

    [Fact]
    public void Reversing_a_recall_whose_money_the_parent_already_lent_is_refused_as_insufficient_funds()
    {
        var events = RecallOf100MillionFromBaDinh();
        var haNoi = Given.Fund(HaNoiPoor,
            new AllocationReceived("VN", "01", Cb, "poor-households", "poor-households", 300_000_000, null, Earlier),
            new CapitalAllocated("01", "00004", Cb, "poor-households", "poor-households", 300_000_000, null, Earlier),
            events[1].Event,
            new CapitalLent(LoanId, "01", Cb, "poor-households", 100_000_000, Later));
        var baDinh = Given.Fund(BaDinhPoor,
            new AllocationReceived("01", "00004", Cb, "poor-households", "poor-households", 300_000_000, null, Earlier),
            events[0].Event);

        var decision = Reverse(Given.Movement(Guid.NewGuid(), events), events, Given.Ledger(Given.States(haNoi, baDinh)));

        AssertRefused("insufficient-funds", 409, decision);
    }

    // Drawdowns and repayments

    private static readonly StreamEvent[] DrawdownEvents =
    [
        new("01/central-budget/poor-households", new CapitalLent(LoanId, "01", Cb, "poor-households", 80_000_000, Earlier)),
        new(LoanId.ToString(), Drawdown80Million),
    ];

    private static readonly StreamEvent[] FirstRepaymentEvents =
    [
        new(LoanId.ToString(), new LoanRepaid(LoanId, FirstRepaymentId, 30_000_000, Then)),
        new("01/central-budget/poor-households", new RepaymentReceived(LoanId, FirstRepaymentId, "01", Cb, "poor-households", 30_000_000, Then)),
    ];

    private static readonly StreamEvent[] SecondRepaymentEvents =
    [
        new(LoanId.ToString(), new LoanRepaid(LoanId, SecondRepaymentId, 20_000_000, Later)),
        new("01/central-budget/poor-households", new RepaymentReceived(LoanId, SecondRepaymentId, "01", Cb, "poor-households", 20_000_000, Later)),
    ];

    /// <summary>Hà Nội's poor-households fund with 500 million received, and the events that followed on it.</summary>
    private static Fund HaNoiPoorAfter(params StreamEvent[] events) =>
        Given.Fund(HaNoiPoor,
        [
            new AllocationReceived("VN", "01", Cb, "poor-households", "poor-households", 500_000_000, null, Earlier),
            .. events.Where(e => e.StreamKey == HaNoiPoor.StreamKey).Select(e => e.Event),
        ]);

    private static Loan LoanAfter(params StreamEvent[] events) =>
        Given.Loan([.. events.Where(e => e.StreamKey == LoanId.ToString()).Select(e => e.Event)]);

    private static LedgerState StateAfter(params StreamEvent[] events) =>
        Given.Ledger(Given.States(HaNoiPoorAfter(events)), [LoanAfter(events)]);

    [Fact]
    public void Reversing_a_drawdown_without_repayments_returns_the_principal_to_the_fund_and_reverses_the_loan()
    {
        var id = Guid.NewGuid();

        var decision = Reverse(Given.Movement(id, DrawdownEvents), DrawdownEvents, StateAfter(DrawdownEvents));

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [
                new StreamEvent("01/central-budget/poor-households", new LendingReversed(id, LoanId, 80_000_000, Reason, On)),
                new StreamEvent(LoanId.ToString(), new LoanDrawdownReversed(LoanId, id, 80_000_000, Reason, On)),
            ],
            decision.Events);
        Assert.Equal(id, decision.Reverses);
    }

    [Fact]
    public void Folding_a_drawdowns_reversal_restores_the_fund_and_leaves_the_loan_reversed_with_nothing_outstanding()
    {
        var before = HaNoiPoorAfter();

        var decision = Reverse(Given.Movement(Guid.NewGuid(), DrawdownEvents), DrawdownEvents, StateAfter(DrawdownEvents));

        var fund = HaNoiPoorAfter([.. DrawdownEvents, .. decision.Events]);
        var loan = LoanAfter([.. DrawdownEvents, .. decision.Events]);
        Assert.Equal(before.AvailableVnd, fund.AvailableVnd);
        Assert.Equal(0, fund.LoansOutstandingVnd);
        Assert.Equal(0, fund.LentVnd);
        Assert.Equal(LoanStatus.Reversed, loan.Status);
        Assert.Equal(0, loan.OutstandingVnd);
        Assert.Equal(On, loan.LastMovementOn);
    }

    [Fact]
    public void The_nations_daily_flows_count_a_drawdowns_loan_on_its_day_from_the_funds_side_and_its_reversal_takes_it_off_on_its_own()
    {
        var decision = Reverse(Given.Movement(Guid.NewGuid(), DrawdownEvents), DrawdownEvents, StateAfter(DrawdownEvents));
        var days = new Dictionary<string, DailyCapital>();

        foreach (var e in DrawdownEvents.Concat(decision.Events)) DailyCapitalTable.Fold(days, e.Event);

        var drawn = days[DailyCapitalProjection.Day(Earlier)];
        var reversed = days[DailyCapitalProjection.Day(On)];
        Assert.Equal((1, (Int128)80_000_000), (drawn.Loans, drawn.LentVnd));
        Assert.Equal((-1, (Int128)(-80_000_000)), (reversed.Loans, reversed.LentVnd));
        // The daemon reads only what the projection folds: no event of a loan's stream, so not the drawdown's second event.
        Assert.DoesNotContain(DailyCapitalTable.FoldedTypes, t => t.Namespace == typeof(Loan).Namespace);
    }

    [Fact]
    public void Reversing_a_drawdown_that_has_repayments_is_refused_as_not_reversible()
    {
        var decision = Reverse(Given.Movement(Guid.NewGuid(), DrawdownEvents), DrawdownEvents,
            StateAfter([.. DrawdownEvents, .. FirstRepaymentEvents]));

        AssertRefused("not-reversible", 409, decision);
    }

    [Fact]
    public void Reversing_a_drawdown_whose_only_repayment_was_reversed_is_allowed()
    {
        StreamEvent[] repaymentReversed =
        [
            new(LoanId.ToString(), new LoanRepaymentReversed(LoanId, FirstRepaymentId, 30_000_000, Reason, Later)),
            new("01/central-budget/poor-households", new RepaymentReversed(FirstRepaymentId, LoanId, 30_000_000, Reason, Later)),
        ];

        var decision = Reverse(Given.Movement(Guid.NewGuid(), DrawdownEvents), DrawdownEvents,
            StateAfter([.. DrawdownEvents, .. FirstRepaymentEvents, .. repaymentReversed]));

        Assert.Null(decision.Refusal);
        Assert.Equal(2, decision.Events.Count);
    }

    [Fact]
    public void Reversing_a_loans_latest_repayment_takes_it_back_off_the_loan_and_out_of_the_fund()
    {
        var state = StateAfter([.. DrawdownEvents, .. FirstRepaymentEvents, .. SecondRepaymentEvents]);

        var decision = Reverse(Given.Movement(SecondRepaymentId, SecondRepaymentEvents), SecondRepaymentEvents, state);

        Assert.Null(decision.Refusal);
        Assert.Equal(
            [
                new StreamEvent(LoanId.ToString(), new LoanRepaymentReversed(LoanId, SecondRepaymentId, 20_000_000, Reason, On)),
                new StreamEvent("01/central-budget/poor-households", new RepaymentReversed(SecondRepaymentId, LoanId, 20_000_000, Reason, On)),
            ],
            decision.Events);
        Assert.Equal(SecondRepaymentId, decision.Reverses);
    }

    [Fact]
    public void Folding_a_repayments_reversal_restores_the_fund_and_the_loan_to_their_state_before_it()
    {
        StreamEvent[] history = [.. DrawdownEvents, .. FirstRepaymentEvents];
        var fundBefore = HaNoiPoorAfter(history);
        var loanBefore = LoanAfter(history);

        var decision = Reverse(Given.Movement(SecondRepaymentId, SecondRepaymentEvents), SecondRepaymentEvents,
            StateAfter([.. history, .. SecondRepaymentEvents]));

        StreamEvent[] after = [.. history, .. SecondRepaymentEvents, .. decision.Events];
        Assert.Equal(Balances(fundBefore), Balances(HaNoiPoorAfter(after)));
        Assert.Equal(Describe(loanBefore), Describe(LoanAfter(after)));
        Assert.Equal([FirstRepaymentId], LoanAfter(after).Repayments);
    }

    [Fact]
    public void Reversing_the_last_repayment_of_a_repaid_loan_makes_it_active_again()
    {
        StreamEvent[] repaidInFull =
        [
            new(LoanId.ToString(), new LoanRepaid(LoanId, SecondRepaymentId, 50_000_000, Later)),
            new("01/central-budget/poor-households", new RepaymentReceived(LoanId, SecondRepaymentId, "01", Cb, "poor-households", 50_000_000, Later)),
        ];
        StreamEvent[] history = [.. DrawdownEvents, .. FirstRepaymentEvents, .. repaidInFull];
        Assert.Equal(LoanStatus.Repaid, LoanAfter(history).Status);

        var decision = Reverse(Given.Movement(SecondRepaymentId, repaidInFull), repaidInFull, StateAfter(history));

        var loan = LoanAfter([.. history, .. decision.Events]);
        Assert.Equal(LoanStatus.Active, loan.Status);
        Assert.Equal(50_000_000, loan.OutstandingVnd);
    }

    [Fact]
    public void Reversing_a_repayment_that_is_not_the_loans_latest_is_refused_as_not_reversible()
    {
        var state = StateAfter([.. DrawdownEvents, .. FirstRepaymentEvents, .. SecondRepaymentEvents]);

        var decision = Reverse(Given.Movement(FirstRepaymentId, FirstRepaymentEvents), FirstRepaymentEvents, state);

        AssertRefused("not-reversible", 409, decision);
    }

    [Fact]
    public void Once_the_latest_repayment_is_reversed_the_one_before_it_becomes_reversible()
    {
        StreamEvent[] secondReversed =
        [
            new(LoanId.ToString(), new LoanRepaymentReversed(LoanId, SecondRepaymentId, 20_000_000, Reason, Later)),
            new("01/central-budget/poor-households", new RepaymentReversed(SecondRepaymentId, LoanId, 20_000_000, Reason, Later)),
        ];
        var state = StateAfter([.. DrawdownEvents, .. FirstRepaymentEvents, .. SecondRepaymentEvents, .. secondReversed]);

        var decision = Reverse(Given.Movement(FirstRepaymentId, FirstRepaymentEvents), FirstRepaymentEvents, state);

        Assert.Null(decision.Refusal);
        Assert.Equal(FirstRepaymentId, decision.Reverses);
    }

    [Fact]
    public void Reversing_a_repayment_whose_money_the_fund_already_lent_again_is_refused_as_insufficient_funds()
    {
        var haNoi = Given.Fund(HaNoiPoor,
            new AllocationReceived("VN", "01", Cb, "poor-households", "poor-households", 80_000_000, null, Earlier),
            DrawdownEvents[0].Event,
            FirstRepaymentEvents[1].Event,
            new CapitalLent(Guid.NewGuid(), "01", Cb, "poor-households", 30_000_000, Later));
        var loan = LoanAfter([.. DrawdownEvents, .. FirstRepaymentEvents]);

        var decision = Reverse(Given.Movement(FirstRepaymentId, FirstRepaymentEvents), FirstRepaymentEvents,
            Given.Ledger(Given.States(haNoi), [loan]));

        AssertRefused("insufficient-funds", 409, decision);
    }

    // What may not be reversed

    [Fact]
    public void Reversing_a_movement_that_was_already_reversed_is_refused_as_not_reversible()
    {
        StreamEvent[] events = [new("VN/central-budget/general", new CentralBudgetEntrusted("general", 1_000_000_000, "QD-1", Earlier))];
        var movement = Given.Movement(Guid.NewGuid(), events) with { ReversedBy = Guid.NewGuid() };
        var nation = Given.Fund(NationGeneral, events[0].Event);

        var decision = Reverse(movement, events, Given.Ledger(Given.States(nation), commands: [movement]));

        AssertRefused("not-reversible", 409, decision);
    }

    [Fact]
    public void Reversing_a_reversal_is_refused_as_not_reversible()
    {
        var entrustment = Guid.NewGuid();
        StreamEvent[] events = [new("VN/central-budget/general", new InflowReversed(entrustment, "VN", Cb, "general", 1_000_000_000, Reason, Then))];
        var reversal = Given.Movement(Guid.NewGuid(), events) with { Reverses = entrustment };
        var nation = Given.Fund(NationGeneral, new CentralBudgetEntrusted("general", 1_000_000_000, "QD-1", Earlier), events[0].Event);

        var decision = Reverse(reversal, events, Given.Ledger(Given.States(nation), commands: [reversal]));

        AssertRefused("not-reversible", 409, decision);
    }

    [Fact]
    public void A_command_recorded_as_a_reversal_is_not_reversible_whatever_events_it_names()
    {
        StreamEvent[] events = [new("VN/central-budget/general", new CentralBudgetEntrusted("general", 1_000_000_000, "QD-1", Earlier))];
        var reversal = Given.Movement(Guid.NewGuid(), events) with { Reverses = Guid.NewGuid() };
        var nation = Given.Fund(NationGeneral, events[0].Event);

        var decision = Reverse(reversal, events, Given.Ledger(Given.States(nation), commands: [reversal]));

        AssertRefused("not-reversible", 409, decision);
    }

    // Conservation

    [Fact]
    public void Unwinding_a_whole_history_latest_first_returns_every_fund_and_loan_to_its_state_before_each_movement()
    {
        var haNoiPoor = HaNoiPoor.StreamKey;
        var baDinhPoor = BaDinhPoor.StreamKey;
        var loan = LoanId.ToString();
        (Guid Id, StreamEvent[] Events)[] history =
        [
            (Guid.NewGuid(), [new(NationGeneral.StreamKey, new CentralBudgetEntrusted("general", 1_000_000_000, "QD-1", new DateOnly(2025, 7, 10)))]),
            (Guid.NewGuid(),
            [
                new(NationGeneral.StreamKey, new CapitalAllocated("VN", "01", Cb, "general", "poor-households", 600_000_000, null, new DateOnly(2025, 7, 20))),
                new(haNoiPoor, new AllocationReceived("VN", "01", Cb, "general", "poor-households", 600_000_000, null, new DateOnly(2025, 7, 20))),
            ]),
            (Guid.NewGuid(),
            [
                new(haNoiPoor, new CapitalAllocated("01", "00004", Cb, "poor-households", "poor-households", 300_000_000, null, Earlier)),
                new(baDinhPoor, new AllocationReceived("01", "00004", Cb, "poor-households", "poor-households", 300_000_000, null, Earlier)),
            ]),
            (Guid.NewGuid(),
            [
                new(baDinhPoor, new CapitalRecalled("00004", "01", Cb, "poor-households", 100_000_000, "Unused", new DateOnly(2025, 8, 10))),
                new(haNoiPoor, new RecallReceived("00004", "01", Cb, "poor-households", 100_000_000, "Unused", new DateOnly(2025, 8, 10))),
            ]),
            (Guid.NewGuid(),
            [
                new(baDinhPoor, new CapitalLent(LoanId, "00004", Cb, "poor-households", 80_000_000, new DateOnly(2025, 8, 20))),
                new(loan, new LoanDrawnDown(LoanId, "00004", Cb, "poor-households", 80_000_000, "HH-0042", "womens-union", null, 60, new DateOnly(2025, 8, 20))),
            ]),
            (FirstRepaymentId,
            [
                new(loan, new LoanRepaid(LoanId, FirstRepaymentId, 30_000_000, Then)),
                new(baDinhPoor, new RepaymentReceived(LoanId, FirstRepaymentId, "00004", Cb, "poor-households", 30_000_000, Then)),
            ]),
            (SecondRepaymentId,
            [
                new(loan, new LoanRepaid(LoanId, SecondRepaymentId, 20_000_000, Later)),
                new(baDinhPoor, new RepaymentReceived(LoanId, SecondRepaymentId, "00004", Cb, "poor-households", 20_000_000, Later)),
            ]),
        ];
        var funds = new Dictionary<string, Fund>(StringComparer.Ordinal)
        {
            [NationGeneral.StreamKey] = Fund.Empty(NationGeneral),
            [haNoiPoor] = Fund.Empty(HaNoiPoor),
            [baDinhPoor] = Fund.Empty(BaDinhPoor),
        };
        var loans = new Dictionary<string, Loan>(StringComparer.Ordinal);
        var before = new List<IReadOnlyList<string>>();
        foreach (var (_, events) in history)
        {
            before.Add(Snapshot(funds, loans));
            Record(funds, loans, events);
            AssertConserved(funds, loans);
        }
        Assert.Equal(1_000_000_000, funds.Values.Sum(f => f.AvailableVnd) + loans.Values.Sum(l => l.OutstandingVnd));
        Assert.Equal(30_000_000, loans[loan].OutstandingVnd);

        for (var i = history.Length - 1; i >= 0; i--)
        {
            var (id, events) = history[i];
            var state = Given.Ledger(new FundStates(funds.Values.ToDictionary(f => f.Key)), [.. loans.Values]);

            var decision = Reverse(Given.Movement(id, events), events, state);

            Assert.Null(decision.Refusal);
            Assert.Equal(id, decision.Reverses);
            Record(funds, loans, decision.Events);
            AssertConserved(funds, loans);
            var expected = before[i];
            IReadOnlyList<string> actual = Snapshot(funds, loans);
            if (!expected.Any(line => line.StartsWith("loan ", StringComparison.Ordinal)))
            {
                // Before the drawdown there was no loan; once the drawdown is reversed the loan stays, reversed, owing nothing.
                Assert.Equal(LoanStatus.Reversed, loans[loan].Status);
                Assert.Equal(0, loans[loan].OutstandingVnd);
                actual = actual.Where(line => !line.StartsWith("loan ", StringComparison.Ordinal)).ToList();
            }
            Assert.Equal(expected, actual);
        }

        Assert.All(funds.Values, f => Assert.Equal(0, f.AvailableVnd));
        Assert.Equal(1_000_000_000, funds[NationGeneral.StreamKey].InflowsReversedVnd);
    }

    /// <summary>Invariant 2: funds plus loans outstanding equal the capital received less the part of it reversed.</summary>
    private static void AssertConserved(Dictionary<string, Fund> funds, Dictionary<string, Loan> loans) =>
        Assert.Equal(
            funds.Values.Sum(f => f.InflowsVnd - f.InflowsReversedVnd),
            funds.Values.Sum(f => f.AvailableVnd) + loans.Values.Sum(l => l.OutstandingVnd));

    private static void Record(Dictionary<string, Fund> funds, Dictionary<string, Loan> loans, IEnumerable<StreamEvent> events)
    {
        foreach (var (stream, @event) in events)
        {
            if (stream.Contains('/', StringComparison.Ordinal))
                funds[stream] = funds[stream].Evolve(@event);
            else
                loans[stream] = @event is LoanDrawnDown drawnDown ? new Loan().Evolve(drawnDown) : Given.Then(loans[stream], @event);
        }
    }

    /// <summary>Every balance of every fund and loan, without the dates of their last movements.</summary>
    private static List<string> Snapshot(Dictionary<string, Fund> funds, Dictionary<string, Loan> loans) =>
    [
        .. funds.Values.OrderBy(f => f.Id, StringComparer.Ordinal).Select(f => $"fund {f.Id}: {Balances(f)}"),
        .. loans.Values.OrderBy(l => l.Id, StringComparer.Ordinal).Select(l => $"loan {l.Id}: {Describe(l)}"),
    ];

    private static string Balances(Fund f) => string.Create(CultureInfo.InvariantCulture,
        $"available {f.AvailableVnd}, outstanding {f.LoansOutstandingVnd}, received {f.ReceivedVnd}, passed down {f.PassedDownVnd}, lent {f.LentVnd}, repaid {f.RepaidVnd}, net inflows {f.InflowsVnd - f.InflowsReversedVnd}");

    private static string Describe(Loan l) => string.Create(CultureInfo.InvariantCulture,
        $"{l.Status}, principal {l.PrincipalVnd}, repaid {l.RepaidVnd}, outstanding {l.OutstandingVnd}, repayments [{string.Join(", ", l.Repayments)}]");
}
