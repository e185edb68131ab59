using CapitalFlows.Funds;
using CapitalFlows.Plans;
using CapitalFlows.Plans.ReadingPlans;

namespace CapitalFlows.Tests;

/// <summary>Actual against plan, from a subtree's funds on the date and at the end of the previous year.</summary>
public sealed class PlanFiguresTests
{
    private static readonly DateOnly LastDecember = new(2025, 12, 1);
    private static readonly DateOnly March = new(2026, 3, 1);
    private static readonly Guid Loan = Guid.NewGuid();

    private static Fund Lent(string key, long lentVnd, long repaidVnd, DateOnly on) =>
        Given.Fund(key, new CapitalLent(Loan, FundKey.Parse(key).Locality, "central-budget", FundKey.Parse(key).Programme, lentVnd, on),
            new RepaymentReceived(Loan, Guid.NewGuid(), FundKey.Parse(key).Locality, "central-budget", FundKey.Parse(key).Programme, repaidVnd, on));

    private static readonly Dictionary<string, CreditPlan> Plans = new()
    {
        ["poor-households"] = new CreditPlan(2026, "01", "poor-households", 400, 100, "QĐ"),
    };

    [Fact]
    public void Outstanding_is_lent_less_repaid_on_the_date_and_disbursement_what_was_lent_since_the_year_began()
    {
        var atYearStart = new[] { Lent("00004/central-budget/poor-households", 100, 0, LastDecember) };
        var atDate = new[] { Lent("00004/central-budget/poor-households", 180, 30, March) };

        var row = Assert.Single(PlanFigures.ByProgramme(atDate, atYearStart, Plans, p => p));

        Assert.Equal(Achievement.Of(400, 150), row.Outstanding);
        Assert.Equal(37.5, row.Outstanding.Pct);
        Assert.Equal(Achievement.Of(100, 80), row.Disbursement);
    }

    [Fact]
    public void A_merge_within_the_subtree_moves_lent_principal_without_counting_as_new_lending()
    {
        // 04's 100 lent last year moved to 01 on a merge this year: 04's fund ends at zero, 01's carries it.
        var before = new[] { Lent("04/central-budget/poor-households", 100, 0, LastDecember), Given.Fund("01/central-budget/poor-households") };
        var after = new[]
        {
            Given.Fund("04/central-budget/poor-households",
                new CapitalLent(Loan, "04", "central-budget", "poor-households", 100, LastDecember),
                new FundMergedOut("04", "01", "central-budget", "poor-households", 0, 100, 0, March)),
            Given.Fund("01/central-budget/poor-households", new FundMergedIn("01", "04", "central-budget", "poor-households", 0, 100, 0, March)),
        };

        var row = Assert.Single(PlanFigures.ByProgramme(after, before, Plans, p => p));

        Assert.Equal(100, row.Outstanding.ActualVnd);
        Assert.Equal(0, row.Disbursement.ActualVnd);
    }

    [Fact]
    public void Without_a_target_there_is_no_percentage_and_the_total_counts_every_programme()
    {
        var atDate = new[] { Lent("01/central-budget/poor-households", 200, 0, March), Lent("01/central-budget/students", 50, 0, March) };

        var rows = PlanFigures.ByProgramme(atDate, [], Plans, p => p);
        var (outstanding, _) = PlanFigures.Total(rows);

        Assert.Null(rows.Single(r => r.Programme == "students").Outstanding.Pct);
        Assert.Equal(Achievement.Of(400, 250), outstanding);
        Assert.Equal(62.5, outstanding.Pct);
        Assert.Null(Achievement.Of(0, 10).Pct);
    }

    [Fact]
    public void Local_capital_entrusted_is_the_localitys_own_local_budget_inflows_in_the_year_net_of_reversals()
    {
        var atYearStart = new[] { Given.Fund("01/local-budget/general", new LocalBudgetToppedUp("01", "general", 1_000, "NQ", LastDecember)) };
        var atDate = new[]
        {
            Given.Fund("01/local-budget/general",
                new LocalBudgetToppedUp("01", "general", 1_000, "NQ", LastDecember),
                new LocalBudgetToppedUp("01", "general", 5_000, "NQ", March),
                new InflowReversed(Guid.NewGuid(), "01", "local-budget", "general", 500, "error", March)),
            Given.Fund("00004/local-budget/general", new LocalBudgetToppedUp("00004", "general", 700, "NQ", March)),
            Given.Fund("01/central-budget/general", new CentralBudgetEntrusted("general", 900, "QĐ", March)),
        };

        Assert.Equal(4_500, PlanFigures.LocalBudgetEntrusted("01", atDate, atYearStart));
    }
}
