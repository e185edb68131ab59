using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Plans.SettingCreditPlans;

/// <summary>
/// Sets, or adjusts when one is set already, the credit plan of a year, locality and programme: the target for loans
/// outstanding at the end of the year and for new lending during it. Head office plans the nation and the
/// provinces, a branch its province's communes.
/// </summary>
public sealed record SetCreditPlan(
    Guid? CommandId, int? Year, string? Locality, string? Programme, long? OutstandingTargetVnd, long? DisbursementTargetVnd, string? DecisionRef);

public static class SetCreditPlanEndpoint
{
    public static ProblemDetails Validate(
        SetCreditPlan command, ClaimsPrincipal user, LocalityDirectory localities, ProgrammeCatalogue programmes, TimeProvider clock)
    {
        var today = VietnamCalendar.Today(clock);
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        PlanYear.Check(errors, command.Year, today);
        errors.Locality(command.Locality, "locality", localities);
        errors.Programme(command.Programme, "programme", programmes);
        if (command.Programme == Programme.General)
            errors.Add("programme", "programme 'general' is capital not yet earmarked, which is never lent: plan a lending programme.");
        PlanYear.Target(errors, command.OutstandingTargetVnd, "outstandingTargetVnd");
        PlanYear.Target(errors, command.DisbursementTargetVnd, "disbursementTargetVnd");
        errors.Text(command.DecisionRef, "decisionRef", required: true);
        return errors.ToProblem()
            ?? RefuseOutOfScope(Caller.From(user), command.Locality!, PlanYear.StructureDate(command.Year!.Value, today), localities)
            ?? WolverineContinue.NoProblems;
    }

    /// <summary>Central finance plans any locality; a branch officer only the communes within its province.</summary>
    public static ProblemDetails? RefuseOutOfScope(Caller caller, string locality, DateOnly date, LocalityDirectory localities) =>
        caller.Role == Roles.BranchOfficer && localities.Find(locality)?.Level != LocalityLevel.Commune
            ? Problems.Forbidden($"A branch officer plans the communes of its province; {locality} is not a commune. Central finance plans the nation and the provinces.")
            : Scope.Refuse(caller, date, localities, locality);

    [WolverinePost("/api/credit-plans")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer}")]
    public static Task<IResult> Post(SetCreditPlan command, HttpContext http, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        var today = VietnamCalendar.Today(clock);
        var date = PlanYear.StructureDate(command.Year!.Value, today);
        // Planned under the structure lock: the parent and the children are those of the structure the database holds.
        return recorder.RecordAsync(http, command.CommandId!.Value, today,
            (_, _) => Task.FromResult(TouchesOf(command, date, localities)),
            state => Decide(command, today, date, localities, key => state.Streams.GetValueOrDefault(key) ?? []));
    }

    /// <summary>
    /// Invariant 12 under concurrency: the command locks its own plan and its parent's. A sibling's plan is only
    /// written under the same parent's lock, a child's under this plan's lock, so the sums it reads cannot change
    /// before it commits.
    /// </summary>
    public static Touches TouchesOf(SetCreditPlan command, DateOnly date, LocalityDirectory localities)
    {
        var (year, locality, programme) = (command.Year!.Value, command.Locality!, command.Programme!);
        var parent = ParentOf(locality, date, localities);
        var locked = parent is null ? [locality] : new[] { locality, parent };
        var read = ChildrenOf(locality, date, localities).Concat(parent is null ? [] : ChildrenOf(parent, date, localities));
        return new Touches([], [], [])
        {
            Streams = locked.Select(l => CreditPlan.StreamKey(year, l, programme)).ToList(),
            Reads = read.Select(l => CreditPlan.StreamKey(year, l, programme)).ToList(),
        };
    }

    public static Decision Decide(
        SetCreditPlan command, DateOnly today, DateOnly date, LocalityDirectory localities, Func<string, IEnumerable<object>> stream)
    {
        var (year, locality, programme) = (command.Year!.Value, command.Locality!, command.Programme!);
        var outstanding = command.OutstandingTargetVnd!.Value;
        var disbursement = command.DisbursementTargetVnd!.Value;
        if (LocalityRules.RefuseIfNotOpen(localities, date, locality) is { } closed) return closed;
        CreditPlan? PlanOf(string code) => CreditPlan.Fold(stream(CreditPlan.StreamKey(year, code, programme)));

        // Lowered below what its children already plan.
        var children = ChildrenOf(locality, date, localities).Select(PlanOf).OfType<CreditPlan>().ToList();
        var (childrenOutstanding, childrenDisbursement) = (Sum(children, p => p.OutstandingTargetVnd), Sum(children, p => p.DisbursementTargetVnd));
        if (childrenOutstanding > outstanding || childrenDisbursement > disbursement)
            return ExceedsParent(
                $"The plans of {locality}'s children for {year} and {programme} add up to {childrenOutstanding} VND outstanding and " +
                $"{childrenDisbursement} VND new lending; {locality}'s plan ({outstanding}, {disbursement}) may not be lower.");

        // Raised above what its parent leaves it.
        if (ParentOf(locality, date, localities) is { } parent && PlanOf(parent) is { } parentPlan)
        {
            var siblings = ChildrenOf(parent, date, localities).Where(c => c != locality).Select(PlanOf).OfType<CreditPlan>().ToList();
            var (siblingsOutstanding, siblingsDisbursement) = (Sum(siblings, p => p.OutstandingTargetVnd), Sum(siblings, p => p.DisbursementTargetVnd));
            if (siblingsOutstanding + outstanding > parentPlan.OutstandingTargetVnd || siblingsDisbursement + disbursement > parentPlan.DisbursementTargetVnd)
                return ExceedsParent(
                    $"{parent} plans {parentPlan.OutstandingTargetVnd} VND outstanding and {parentPlan.DisbursementTargetVnd} VND new lending for {year} " +
                    $"and {programme}; its other children plan {siblingsOutstanding} and {siblingsDisbursement}, which leaves " +
                    $"{parentPlan.OutstandingTargetVnd - siblingsOutstanding} and {parentPlan.DisbursementTargetVnd - siblingsDisbursement} for {locality}.");
        }

        var key = CreditPlan.StreamKey(year, locality, programme);
        object @event = PlanOf(locality) is { } previous
            ? new CreditPlanAdjusted(year, locality, programme, outstanding, disbursement, command.DecisionRef!,
                previous.OutstandingTargetVnd, previous.DisbursementTargetVnd, today)
            : new CreditPlanSet(year, locality, programme, outstanding, disbursement, command.DecisionRef!, today);
        return Decision.Append(new StreamEvent(key, @event));
    }

    private static ProblemDetails ExceedsParent(string detail) => Problems.Create("plan-exceeds-parent", detail);

    /// <summary>Targets are at most 10^15 each, so a sum over the children of one locality fits a long many times over.</summary>
    private static long Sum(IEnumerable<CreditPlan> plans, Func<CreditPlan, long> target) => plans.Sum(target);

    private static string? ParentOf(string locality, DateOnly date, LocalityDirectory localities) =>
        locality == LocalityDirectory.Nation ? null : localities.Find(locality)?.ParentOn(date);

    private static IEnumerable<string> ChildrenOf(string locality, DateOnly date, LocalityDirectory localities) =>
        localities.ChildrenOn(locality, date).Where(c => c.IsOpenOn(date)).Select(c => c.Code);
}
