using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Plans;
using CapitalFlows.Plans.SettingCreditPlans;
using CapitalFlows.Plans.SettingLocalCapitalPlans;

namespace CapitalFlows.Tests;

/// <summary>
/// Credit plans: set once, adjusted afterwards with the previous targets kept, and invariant 12: a plan's children
/// never add up to more than the plan, whether a child is raised or the parent lowered.
/// </summary>
public sealed class CreditPlanTests
{
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();
    private static readonly DateOnly Today = new(2026, 3, 10);
    private const string Programme = "poor-households";
    private const string Hanoi = "01";
    private const string BaDinh = "00004";
    private const string NgocHa = "00008";

    private static SetCreditPlan Plan(string locality, long outstanding, long disbursement, int year = 2026) =>
        new(Guid.NewGuid(), year, locality, Programme, outstanding, disbursement, "QD-KH-1");

    private static CreditPlanSet Set(string locality, long outstanding, long disbursement) =>
        new(2026, locality, Programme, outstanding, disbursement, "QD-KH-0", Today);

    /// <summary>The decision on the plans already set (each stream as the recorder would read it).</summary>
    private static Decision Decide(SetCreditPlan command, params CreditPlanSet[] existing)
    {
        var streams = existing.GroupBy(e => CreditPlan.StreamKey(e.Year, e.Locality, e.Programme)).ToDictionary(g => g.Key, g => g.Cast<object>().ToList());
        return SetCreditPlanEndpoint.Decide(command, Today, PlanYear.StructureDate(command.Year!.Value, Today), Localities,
            key => streams.GetValueOrDefault(key) ?? []);
    }

    [Fact]
    public void A_first_plan_is_set_with_both_targets()
    {
        var decision = Decide(Plan(Hanoi, 500, 200));

        var set = Assert.IsType<CreditPlanSet>(Assert.Single(decision.Events).Event);
        Assert.Equal(new CreditPlanSet(2026, Hanoi, Programme, 500, 200, "QD-KH-1", Today), set);
        Assert.Equal("credit-plan:2026:01:poor-households", decision.Events[0].StreamKey);
    }

    [Fact]
    public void Sending_it_again_adjusts_the_plan_and_keeps_the_previous_targets()
    {
        var decision = Decide(Plan(Hanoi, 400, 150), Set(Hanoi, 500, 200));

        var adjusted = Assert.IsType<CreditPlanAdjusted>(Assert.Single(decision.Events).Event);
        Assert.Equal((400L, 150L, 500L, 200L),
            (adjusted.OutstandingTargetVnd, adjusted.DisbursementTargetVnd, adjusted.PreviousOutstandingTargetVnd, adjusted.PreviousDisbursementTargetVnd));
        Assert.Equal(new CreditPlan(2026, Hanoi, Programme, 400, 150, "QD-KH-1"),
            CreditPlan.Fold([Set(Hanoi, 500, 200), adjusted]));
    }

    [Fact]
    public void A_child_may_take_exactly_what_its_parent_leaves()
    {
        var decision = Decide(Plan(NgocHa, 400, 100), Set(Hanoi, 1_000, 300), Set(BaDinh, 600, 200));

        Assert.Null(decision.Refusal);
    }

    [Theory]
    [InlineData(401, 100)]
    [InlineData(400, 101)]
    public void A_child_above_what_its_parent_leaves_is_refused_as_plan_exceeds_parent(long outstanding, long disbursement)
    {
        var decision = Decide(Plan(NgocHa, outstanding, disbursement), Set(Hanoi, 1_000, 300), Set(BaDinh, 600, 200));

        Assert.Equal("/problems/plan-exceeds-parent", decision.Refusal?.Type);
        Assert.Equal(409, decision.Refusal!.Status);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void A_child_adjusted_upwards_is_judged_without_its_own_previous_plan()
    {
        // Ba Đình had 600 of Hà Nội's 1,000; raising it to 1,000 replaces the 600, it does not add to it.
        Assert.Null(Decide(Plan(BaDinh, 1_000, 300), Set(Hanoi, 1_000, 300), Set(BaDinh, 600, 200)).Refusal);
        Assert.Equal("/problems/plan-exceeds-parent",
            Decide(Plan(BaDinh, 1_000, 300), Set(Hanoi, 1_000, 300), Set(BaDinh, 600, 200), Set(NgocHa, 1, 0)).Refusal?.Type);
    }

    [Theory]
    [InlineData(799, 300)]
    [InlineData(800, 299)]
    public void A_parent_lowered_below_its_childrens_sum_is_refused(long outstanding, long disbursement)
    {
        var decision = Decide(Plan(Hanoi, outstanding, disbursement), Set(Hanoi, 1_000, 400), Set(BaDinh, 600, 200), Set(NgocHa, 200, 100));

        Assert.Equal("/problems/plan-exceeds-parent", decision.Refusal?.Type);
    }

    [Fact]
    public void A_parent_lowered_to_exactly_its_childrens_sum_is_adjusted()
    {
        var decision = Decide(Plan(Hanoi, 800, 300), Set(Hanoi, 1_000, 400), Set(BaDinh, 600, 200), Set(NgocHa, 200, 100));

        Assert.IsType<CreditPlanAdjusted>(Assert.Single(decision.Events).Event);
    }

    [Fact]
    public void A_province_is_held_to_the_nations_plan_too()
    {
        Assert.Equal("/problems/plan-exceeds-parent",
            Decide(Plan(Hanoi, 1_001, 0), Set(LocalityDirectory.Nation, 1_000, 1_000)).Refusal?.Type);
        Assert.Null(Decide(Plan(Hanoi, 1_000, 0), Set(LocalityDirectory.Nation, 1_000, 1_000)).Refusal);
    }

    [Fact]
    public void A_child_whose_parent_has_no_plan_is_not_limited()
    {
        Assert.Null(Decide(Plan(BaDinh, 1_000_000, 1_000_000)).Refusal);
    }

    [Fact]
    public void Other_programmes_and_other_years_do_not_count()
    {
        var otherYear = new CreditPlanSet(2025, BaDinh, Programme, 900, 900, "QD", Today);
        var otherProgramme = new CreditPlanSet(2026, BaDinh, "students", 900, 900, "QD", Today);
        Assert.Null(Decide(Plan(NgocHa, 1_000, 300), Set(Hanoi, 1_000, 300), otherYear, otherProgramme).Refusal);
    }

    [Fact]
    public void A_plan_for_a_merged_province_is_refused_as_locality_closed()
    {
        // 02 Hà Giang was merged into 08 Tuyên Quang on 2025-07-01.
        var decision = Decide(Plan("02", 1, 1));

        Assert.Equal("/problems/locality-closed", decision.Refusal?.Type);
    }

    [Fact]
    public void A_commune_plan_for_a_year_before_communes_existed_is_refused_as_locality_closed()
    {
        Assert.Equal("/problems/locality-closed", Decide(Plan(BaDinh, 1, 1, year: 2024)).Refusal?.Type);
    }

    [Fact]
    public void The_command_locks_its_own_plan_and_its_parents_and_reads_the_siblings_and_children()
    {
        var touches = SetCreditPlanEndpoint.TouchesOf(Plan(Hanoi, 1, 1), Today, Localities);

        Assert.Equal(["credit-plan:2026:01:poor-households", "credit-plan:2026:VN:poor-households"], touches.Streams.Order());
        Assert.Contains("credit-plan:2026:00004:poor-households", touches.Reads);
        Assert.Contains("credit-plan:2026:79:poor-households", touches.Reads);
    }

    [Fact]
    public void A_local_capital_plan_is_set_then_adjusted_with_the_previous_amount()
    {
        var command = new SetLocalCapitalPlan(Guid.NewGuid(), 2026, Hanoi, 50_000, "NQ-HDND-12");
        var set = Assert.IsType<LocalCapitalPlanSet>(Assert.Single(SetLocalCapitalPlanEndpoint.Decide(command, Today, Localities, []).Events).Event);
        var adjusted = Assert.IsType<LocalCapitalPlanAdjusted>(Assert.Single(
            SetLocalCapitalPlanEndpoint.Decide(command with { AmountVnd = 70_000 }, Today, Localities, [set]).Events).Event);

        Assert.Equal(50_000, adjusted.PreviousAmountVnd);
        Assert.Equal(70_000, LocalCapitalPlan.Fold([set, adjusted])!.AmountVnd);
    }
}
