using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingEntrustedFunds;

namespace CapitalFlows.Tests;

public sealed class EntrustedFundsStatementTests
{
    private const string Lb = Sources.LocalBudget;
    private const string HaNoiJobs = "01/local-budget/job-creation";
    private const string HaNoiPoor = "01/local-budget/poor-households";
    private const string BaDinhJobs = "00004/local-budget/job-creation";

    private static readonly Guid LoanA = Guid.NewGuid();
    private static readonly Guid LoanB = Guid.NewGuid();
    private static readonly Guid LoanC = Guid.NewGuid();
    private static readonly Guid LoanD = Guid.NewGuid();

    private static DateOnly D(int year, int month, int day) => new(year, month, day);

    /// <summary>
    /// Hà Nội's People's Committee entrusted local budget for job creation in 2025 and again in 2026, and for poor
    /// households in 2025 (plus a top-up made in error and reversed); Hà Nội passed 100 million of the job-creation
    /// money down to Ba Đình; loans were drawn and repaid in both years. Amounts in millions of đồng:
    /// 2025 — entrusted 1,000 + 400 + 70 − 70, lent 300 + 50 + 40, repaid 100; 2026 — entrusted 500, lent 200, repaid 50 + 20.
    /// </summary>
    private static List<StreamEvent> History() =>
    [
        new(HaNoiJobs, new LocalBudgetToppedUp("01", "job-creation", 1_000_000_000, "NQ-2025/1", D(2025, 3, 1))),
        new(HaNoiPoor, new LocalBudgetToppedUp("01", "poor-households", 400_000_000, "NQ-2025/2", D(2025, 4, 1))),
        new(HaNoiJobs, new CapitalLent(LoanA, "01", Lb, "job-creation", 300_000_000, D(2025, 5, 10))),
        new(HaNoiPoor, new CapitalLent(LoanB, "01", Lb, "poor-households", 50_000_000, D(2025, 6, 1))),
        new(HaNoiPoor, new LocalBudgetToppedUp("01", "poor-households", 70_000_000, "NQ-wrong", D(2025, 7, 1))),
        new(HaNoiPoor, new InflowReversed(Guid.NewGuid(), "01", Lb, "poor-households", 70_000_000, "Wrong resolution", D(2025, 7, 15))),
        new(HaNoiJobs, new CapitalAllocated("01", "00004", Lb, "job-creation", "job-creation", 100_000_000, null, D(2025, 8, 1))),
        new(BaDinhJobs, new AllocationReceived("01", "00004", Lb, "job-creation", "job-creation", 100_000_000, null, D(2025, 8, 1))),
        new(BaDinhJobs, new CapitalLent(LoanD, "00004", Lb, "job-creation", 40_000_000, D(2025, 9, 1))),
        new(HaNoiJobs, new RepaymentReceived(LoanA, Guid.NewGuid(), "01", Lb, "job-creation", 100_000_000, D(2025, 11, 20))),
        new(HaNoiJobs, new LocalBudgetToppedUp("01", "job-creation", 500_000_000, "NQ-2026/1", D(2026, 2, 1))),
        new(HaNoiJobs, new CapitalLent(LoanC, "01", Lb, "job-creation", 200_000_000, D(2026, 3, 1))),
        new(HaNoiJobs, new RepaymentReceived(LoanA, Guid.NewGuid(), "01", Lb, "job-creation", 50_000_000, D(2026, 4, 1))),
        new(HaNoiPoor, new RepaymentReceived(LoanB, Guid.NewGuid(), "01", Lb, "poor-households", 20_000_000, D(2026, 5, 1))),
    ];

    private static readonly DateOnly AsOf = D(2026, 12, 31);

    private static EntrustedFundsStatement Statement(int? year, IReadOnlyList<StreamEvent> events) =>
        EntrustedFundsStatement.From("01", "Thành phố Hà Nội", AsOf, year, events, p => $"name of {p}");

    private static EntrustedFundsFigures All(long entrusted, long lent, long repaid, long outstanding, long available) =>
        new(entrusted * 1_000_000, lent * 1_000_000, repaid * 1_000_000, outstanding * 1_000_000, available * 1_000_000);

    private static EntrustedFundsFigures Totals(EntrustedFundsStatement s) =>
        new(s.EntrustedVnd, s.LentVnd, s.RepaidVnd, s.OutstandingVnd, s.AvailableVnd);

    private static EntrustedFundsProgrammeLine Programme(string programme, long entrusted, long lent, long repaid, long outstanding, long available) =>
        new(programme, $"name of {programme}", entrusted * 1_000_000, lent * 1_000_000, repaid * 1_000_000, outstanding * 1_000_000, available * 1_000_000);

    private static EntrustedFundsYearLine Year(
        int year, long entrustedInYear, long lentInYear, long repaidInYear, long outstandingAtYearEnd, long availableAtYearEnd) =>
        new(year, entrustedInYear * 1_000_000, lentInYear * 1_000_000, repaidInYear * 1_000_000,
            outstandingAtYearEnd * 1_000_000, availableAtYearEnd * 1_000_000);

    [Fact]
    public void Over_all_years_entrusted_is_the_top_ups_less_the_reversed_one_and_available_is_entrusted_less_outstanding()
    {
        var statement = Statement(null, History());

        Assert.Equal("01", statement.Locality);
        Assert.Null(statement.Year);
        Assert.Equal(All(entrusted: 1_900, lent: 590, repaid: 170, outstanding: 420, available: 1_480), Totals(statement));
    }

    [Fact]
    public void By_programme_each_programme_has_its_own_entrusted_lent_repaid_and_balances_over_the_subtree()
    {
        var statement = Statement(null, History());

        Assert.Equal(
            [
                Programme("job-creation", entrusted: 1_500, lent: 540, repaid: 150, outstanding: 390, available: 1_110),
                Programme("poor-households", entrusted: 400, lent: 50, repaid: 20, outstanding: 30, available: 370),
            ],
            statement.ByProgramme);
    }

    [Fact]
    public void By_year_each_year_counts_its_own_flows_and_its_balances_at_its_end()
    {
        var statement = Statement(null, History());

        Assert.Equal(
            [
                Year(2025, entrustedInYear: 1_400, lentInYear: 390, repaidInYear: 100, outstandingAtYearEnd: 290, availableAtYearEnd: 1_110),
                Year(2026, entrustedInYear: 500, lentInYear: 200, repaidInYear: 70, outstandingAtYearEnd: 420, availableAtYearEnd: 1_480),
            ],
            statement.ByYear);
    }

    [Fact]
    public void For_2025_only_that_years_row_is_listed_and_the_flows_are_those_of_2025_only_and_the_balances_are_as_of_31_December_2025()
    {
        var statement = Statement(2025, History());

        Assert.Equal(2025, statement.Year);
        Assert.Equal(All(entrusted: 1_400, lent: 390, repaid: 100, outstanding: 290, available: 1_110), Totals(statement));
        Assert.Equal(
            [
                Programme("job-creation", entrusted: 1_000, lent: 340, repaid: 100, outstanding: 240, available: 760),
                Programme("poor-households", entrusted: 400, lent: 50, repaid: 0, outstanding: 50, available: 350),
            ],
            statement.ByProgramme);
        Assert.Equal(
            [Year(2025, entrustedInYear: 1_400, lentInYear: 390, repaidInYear: 100, outstandingAtYearEnd: 290, availableAtYearEnd: 1_110)],
            statement.ByYear);
    }

    [Fact]
    public void A_reversed_drawdown_and_a_reversed_repayment_count_for_nothing()
    {
        var repayment = Guid.NewGuid();
        List<StreamEvent> events =
        [
            new(HaNoiJobs, new LocalBudgetToppedUp("01", "job-creation", 1_000_000_000, "NQ-2025/1", D(2025, 3, 1))),
            new(HaNoiJobs, new CapitalLent(LoanA, "01", Lb, "job-creation", 300_000_000, D(2025, 5, 10))),
            new(HaNoiJobs, new CapitalLent(LoanB, "01", Lb, "job-creation", 200_000_000, D(2025, 5, 11))),
            new(HaNoiJobs, new LendingReversed(Guid.NewGuid(), LoanB, 200_000_000, "Entered twice", D(2025, 5, 12))),
            new(HaNoiJobs, new RepaymentReceived(LoanA, repayment, "01", Lb, "job-creation", 100_000_000, D(2025, 6, 1))),
            new(HaNoiJobs, new RepaymentReversed(repayment, LoanA, 100_000_000, "Cheque bounced", D(2025, 6, 2))),
        ];

        var statement = Statement(null, events);

        Assert.Equal(All(entrusted: 1_000, lent: 300, repaid: 0, outstanding: 300, available: 700), Totals(statement));
    }

    [Fact]
    public void With_no_local_budget_the_statement_is_all_zero_with_no_programme_lines_and_the_years_row_at_zero()
    {
        var statement = Statement(2025, []);

        Assert.Equal(All(0, 0, 0, 0, 0), Totals(statement));
        Assert.Empty(statement.ByProgramme);
        Assert.Equal([Year(2025, 0, 0, 0, 0, 0)], statement.ByYear);
    }
}
