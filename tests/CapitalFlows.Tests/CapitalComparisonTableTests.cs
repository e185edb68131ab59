using CapitalFlows.Funds;
using CapitalFlows.Localities;
using CapitalFlows.National.ComparingCapital;
using CapitalFlows.Programmes;

namespace CapitalFlows.Tests;

/// <summary>The comparison table built from each date's funds (GET /api/capital/compare), without a database.</summary>
public sealed class CapitalComparisonTableTests
{
    private static readonly DateOnly Before = new(2024, 12, 31);
    private static readonly DateOnly After = new(2025, 12, 31);
    private static readonly DateOnly Today = new(2026, 12, 5);

    private static Fund Held(string locality, long amountVnd) =>
        Given.Fund($"{locality}/central-budget/general",
            new AllocationReceived("VN", locality, Sources.CentralBudget, "general", "general", amountVnd, null, new DateOnly(2024, 2, 1)));

    /// <summary>Before the merger 74 (Bình Dương) holds 300 and 79 400; after it 79 holds 700 and the nation 50.</summary>
    private static CapitalComparison Build(string by, string structure) =>
        CapitalComparisonTable.Build(by, structure,
            [(Before, [Held("74", 300), Held("79", 400)]), (After, [Held("79", 700), Held("VN", 50)])],
            null, LocalityDirectory.LoadEmbedded(), ProgrammeCatalogue.LoadEmbedded(), Today);

    private static ComparisonRow Row(CapitalComparison table, string code) => table.Rows.Single(r => r.Code == code);

    [Fact]
    public void Restated_on_todays_provinces_a_merged_provinces_capital_counts_under_its_successor()
    {
        var table = Build(CapitalComparisonTable.ByProvince, CapitalComparisonTable.Current);

        Assert.Equal(34, table.Rows.Count);
        Assert.DoesNotContain(table.Rows, r => r.Code == "74");
        Assert.Equal([700L, 700L], Row(table, "79").Values.Select(c => c!.TotalVnd));
        Assert.Equal([0L, 50L], table.HeldNationally!.Select(c => c.TotalVnd));
        Assert.Equal([700L, 750L], table.Totals.Select(c => c.TotalVnd));
        Assert.All(Enumerable.Range(0, 2), i =>
            Assert.Equal(table.Totals[i].TotalVnd, table.Rows.Sum(r => r.Values[i]!.TotalVnd) + table.HeldNationally![i].TotalVnd));
    }

    [Fact]
    public void As_of_each_dates_structure_a_merged_province_has_no_cell_after_it_closed()
    {
        var table = Build(CapitalComparisonTable.ByProvince, CapitalComparisonTable.AsOf);

        Assert.Equal(63, table.Rows.Count);
        Assert.Equal(300, Row(table, "74").Values[0]!.TotalVnd);
        Assert.Null(Row(table, "74").Values[1]);
        Assert.Equal([400L, 700L], Row(table, "79").Values.Select(c => c!.TotalVnd));
    }

    [Fact]
    public void By_source_and_by_programme_every_fund_is_in_a_row_and_no_nation_line_is_needed()
    {
        foreach (var by in new[] { CapitalComparisonTable.BySource, CapitalComparisonTable.ByProgramme })
        {
            var table = Build(by, CapitalComparisonTable.Current);

            Assert.Null(table.HeldNationally);
            Assert.Equal([700L, 750L], Enumerable.Range(0, 2).Select(i => table.Rows.Sum(r => r.Values[i]!.TotalVnd)));
        }
    }
}
