using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Localities;
using CapitalFlows.Localities.Merging;

namespace CapitalFlows.Tests;

/// <summary>
/// The merge decision (DOMAIN.md invariants 2, 4 and 8; API.md "Merges") and the locality structure it changes:
/// every fund of a closing province moves to the successor's fund of the same source and programme with
/// events on both sides, every loan moves with it, nothing changes any total, and the structure built from the
/// merges closes the provinces, re-parents their communes and renames the successor from the merge's date.
/// </summary>
public sealed class MergingTests
{
    private const string Cb = Sources.CentralBudget;
    private static readonly DateOnly Allocated = new(2025, 10, 2);
    private static readonly DateOnly MergeDate = new(2026, 1, 1);
    private static readonly Guid LoanId = Guid.Parse("5a0e9b2c-7d41-4f3a-b6c8-9e1d2f3a4b5c");

    private static readonly FundKey CaoBangGeneral = new("04", Cb, "general");
    private static readonly FundKey CaoBangPoor = new("04", Cb, "poor-households");
    private static readonly FundKey TuyenQuangGeneral = new("08", Cb, "general");

    private static readonly LoanDrawnDown Drawdown = new(LoanId, "04", Cb, "poor-households", 100, "HH-1", "womens-union", null, 60, Allocated);

    private static LedgerState CaoBangWithALoan() => Given.Ledger(
        Given.States(
            Given.Fund(CaoBangGeneral, new AllocationReceived("VN", "04", Cb, "general", "general", 1_100, null, Allocated)),
            Given.Fund(CaoBangPoor,
                new AllocationReceived("VN", "04", Cb, "general", "poor-households", 500, null, Allocated),
                new CapitalLent(LoanId, "04", Cb, "poor-households", 100, Allocated),
                new RepaymentReceived(LoanId, Guid.NewGuid(), "04", Cb, "poor-households", 30, Allocated)),
            Given.Fund(TuyenQuangGeneral, new AllocationReceived("VN", "08", Cb, "general", "general", 50, null, Allocated))),
        [Given.Then(Given.Loan(Drawdown), new LoanRepaid(LoanId, Guid.NewGuid(), 30, Allocated))]);

    private static MergeLocalities Merge(string[] merged, string into, string? name = null) =>
        new(Guid.NewGuid(), merged, into, name, "2026-01-01");

    private static Decision Decide(LedgerState state, MergeLocalities merge, LocalityDirectory? localities = null) =>
        MergeLocalitiesEndpoint.Decide(merge, state, MergeDate, localities ?? LocalityDirectory.LoadEmbedded());

    [Fact]
    public void Every_fund_of_the_closing_province_moves_to_the_successors_fund_of_the_same_source_and_programme()
    {
        var state = CaoBangWithALoan();

        var decision = Decide(state, Merge(["04", "08"], "08"));

        Assert.Null(decision.Refusal);
        var after = Apply(state.Funds, decision.Events);
        Assert.Equal((0, 0), (after[CaoBangGeneral].AvailableVnd, after[CaoBangGeneral].LoansOutstandingVnd));
        Assert.Equal((0, 0), (after[CaoBangPoor].AvailableVnd, after[CaoBangPoor].LoansOutstandingVnd));
        Assert.Equal(1_150, after[TuyenQuangGeneral].AvailableVnd);
        var poor = after[new FundKey("08", Cb, "poor-households")];
        Assert.Equal((430, 70), (poor.AvailableVnd, poor.LoansOutstandingVnd));
        Assert.Equal((100, 30), (poor.LentVnd, poor.RepaidVnd));
        // Available = received − passed down − lent + repaid still holds on both sides.
        Assert.All(after.Values, f => Assert.Equal(f.ReceivedVnd - f.PassedDownVnd - f.LentVnd + f.RepaidVnd, f.AvailableVnd));
    }

    [Fact]
    public void A_merge_changes_no_total_by_source_and_programme_and_no_inflow()
    {
        var state = CaoBangWithALoan();

        var decision = Decide(state, Merge(["04", "08"], "08"));

        var before = state.Funds.All.ToList();
        var after = Apply(state.Funds, decision.Events).Values.ToList();
        foreach (var programme in new[] { "general", "poor-households" })
            Assert.Equal(
                before.Where(f => f.Programme == programme).Sum(f => f.AvailableVnd + f.LoansOutstandingVnd),
                after.Where(f => f.Programme == programme).Sum(f => f.AvailableVnd + f.LoansOutstandingVnd));
        Assert.Equal(before.Sum(f => f.InflowsVnd), after.Sum(f => f.InflowsVnd));
    }

    [Fact]
    public void The_merge_records_the_structure_change_each_side_of_each_fund_and_each_loan_moving()
    {
        var decision = Decide(CaoBangWithALoan(), Merge(["04", "08"], "08", "Tỉnh Tuyên Quang – Cao Bằng"));

        var structure = Assert.IsType<LocalitiesMerged>(decision.Events[0].Event);
        Assert.Equal(LocalityDirectory.StructureStream, decision.Events[0].StreamKey);
        Assert.Equal(["04", "08"], structure.Merged);
        Assert.Equal(("08", "Tỉnh Tuyên Quang – Cao Bằng", MergeDate, false),
            (structure.Into, structure.Name, structure.EffectiveOn, structure.FromReferenceData));
        Assert.Equal(2, decision.Events.Count(e => e.Event is FundMergedOut));
        Assert.Equal(2, decision.Events.Count(e => e.Event is FundMergedIn));
        var transfer = Assert.IsType<LoanTransferred>(Assert.Single(decision.Events, e => e.Event is LoanTransferred).Event);
        Assert.Equal((LoanId, "04", "08"), (transfer.LoanId, transfer.From, transfer.To));
        Assert.Equal("08", Given.Then(Given.Loan(Drawdown), transfer).Locality);
    }

    [Fact]
    public void The_successors_own_funds_do_not_move()
    {
        var decision = Decide(CaoBangWithALoan(), Merge(["04", "08"], "08"));

        Assert.DoesNotContain(decision.Events, e => e.Event is FundMergedOut { Locality: "08" });
    }

    [Theory]
    [InlineData("10", "15")]
    [InlineData("04", "10")]
    public void A_province_already_merged_is_refused_naming_its_successor(string merged, string into)
    {
        var decision = Decide(Given.Ledger(Given.States()), Merge([merged, into], into));

        Assert.Equal("/problems/locality-closed", decision.Refusal?.Type);
        Assert.Equal("15", decision.Refusal!.Extensions["successor"]);
        Assert.Empty(decision.Events);
    }

    [Theory]
    [InlineData(new[] { "04", "08" }, "00004", "invalid-merge")]
    [InlineData(new[] { "04", "00004" }, "08", "invalid-merge")]
    [InlineData(new[] { "VN", "04" }, "08", "invalid-merge")]
    [InlineData(new[] { "08" }, "08", "invalid-merge")]
    [InlineData(new[] { "04", "04" }, "08", "invalid-merge")]
    [InlineData(new[] { "04", "98" }, "08", "invalid-merge")]
    [InlineData(new[] { "04", "08" }, "98", "invalid-merge")]
    public void A_merge_of_anything_but_known_provinces_into_a_province_is_not_valid(string[] merged, string into, string problem)
    {
        var answer = MergeLocalitiesEndpoint.Validate(Merge(merged, into), LocalityDirectory.LoadEmbedded(), TimeProvider.System);

        Assert.Equal($"/problems/{problem}", answer.Type);
    }

    [Fact]
    public void The_2025_reorganisation_is_23_merges_closing_29_provinces_into_34()
    {
        var merges = LocalityDirectory.Reorganisation2025();

        Assert.Equal(23, merges.Count);
        Assert.Equal(29, merges.Sum(m => m.Closing.Count()));
        Assert.All(merges, m => Assert.Contains(m.Into, m.Merged));
        Assert.Equal("Tỉnh Lào Cai", merges.Single(m => m.Into == "15").Name);
    }

    [Fact]
    public void Before_any_merge_the_63_provinces_stay_open_after_2025_and_the_communes_sit_under_their_2025_codes()
    {
        var localities = LocalityDirectory.Before2025();
        var today = new DateOnly(2026, 11, 1);

        Assert.Equal(63, localities.All.Count(l => l.Level == LocalityLevel.Province && l.IsOpenOn(today)));
        Assert.Equal("Tỉnh Yên Bái", localities.Find("15")!.NameOn(today));
        Assert.True(localities.Find("10")!.IsOpenOn(today));
        Assert.Equal("01", localities.ProvinceOf("00004", today));
    }

    [Fact]
    public void Applying_the_reorganisation_gives_the_structure_a_fresh_store_starts_with()
    {
        var localities = LocalityDirectory.Before2025();

        localities.Apply(LocalityDirectory.Reorganisation2025().Select(m => new RecordedMerge(m with { FromReferenceData = false }, DateTimeOffset.UnixEpoch)));

        var fresh = LocalityDirectory.LoadEmbedded();
        var day = new DateOnly(2026, 5, 1);
        Assert.Equal(fresh.All.Select(l => (l.Code, l.NameOn(day), l.ParentOn(day), l.StatusOn(day), l.Successor)),
            localities.All.Select(l => (l.Code, l.NameOn(day), l.ParentOn(day), l.StatusOn(day), l.Successor)));
    }

    [Fact]
    public void A_merge_re_parents_the_communes_of_the_closing_province_from_its_date()
    {
        var localities = LocalityDirectory.LoadEmbedded();
        var recordedAt = new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero);

        localities.Apply([new RecordedMerge(new LocalitiesMerged(["04", "08"], "08", "Tỉnh Mới", MergeDate, false), recordedAt)]);

        Assert.Equal("04", localities.Find("01273")!.ParentOn(MergeDate.AddDays(-1)));
        Assert.Equal("08", localities.Find("01273")!.ParentOn(MergeDate));
        Assert.Equal("Tỉnh Mới", localities.Find("08")!.NameOn(MergeDate));
        Assert.Equal("Tỉnh Tuyên Quang", localities.Find("08")!.NameOn(MergeDate.AddDays(-1)));
        Assert.Equal("08", localities.HolderOf("04"));
        Assert.Equal("08", localities.HolderOf("02"));
        Assert.Contains("04", localities.WithMergedInto(["08"]));

        var knownBefore = localities.KnownAt(recordedAt.AddTicks(-1));
        Assert.Equal("active", knownBefore.Find("04")!.StatusOn(MergeDate));
        Assert.Equal("merged", knownBefore.Find("02")!.StatusOn(MergeDate));
    }

    private static Dictionary<FundKey, Fund> Apply(FundStates funds, IEnumerable<StreamEvent> events)
    {
        var after = funds.All.ToDictionary(f => f.Key);
        foreach (var e in events.Where(e => e.StreamKey.Contains('/', StringComparison.Ordinal)))
        {
            var key = FundKey.Parse(e.StreamKey);
            after[key] = (after.TryGetValue(key, out var fund) ? fund : Fund.Empty(key)).Evolve(e.Event);
        }
        return after;
    }
}
