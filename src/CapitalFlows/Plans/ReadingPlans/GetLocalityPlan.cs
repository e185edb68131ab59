using System.Globalization;
using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Reading;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Plans.ReadingPlans;

public static class GetLocalityPlanEndpoint
{
    /// <summary>
    /// A locality's credit plans for the year, per programme and in total, beside its actuals: loans outstanding at
    /// the end of the year (or on <c>asOf</c> if earlier) and new lending in the year up to then; and its People's
    /// Committee's local capital plan beside the local budget it entrusted in the year. Plans as known at <c>knownAt</c>.
    /// </summary>
    [WolverineGet("/api/localities/{code}/plan")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer},{Roles.PeopleCommittee},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string code, string? year, string? asOf, string? knownAt, ClaimsPrincipal user,
        IQuerySession session, LocalityDirectory localities, ProgrammeCatalogue programmes, TimeProvider clock, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var (reading, dateProblem) = ReadDates.Reading(asOf, knownAt, clock);
        errors.Include(dateProblem);
        var planYear = YearOf(year, reading.AsOf, VietnamCalendar.Today(clock), errors);
        if (errors.ToProblem() is { } invalid) return invalid.ToResult();
        var (_, problem) = LocalityRead.Check(code, asOf, knownAt, user, localities, clock);
        if (problem is not null) return problem.ToResult();

        var date = PlanQueries.ActualsDate(planYear, reading.AsOf);
        var structure = localities.KnownAt(reading.KnownAt);
        var codes = code == LocalityDirectory.Nation ? null : structure.WithMergedInto(structure.SubtreeOn(code, date));
        var (atDate, atYearStart) = await PlanQueries.FundsAsync(session, codes, planYear, reading with { AsOf = date }, ct);

        var creditKeys = programmes.All.Where(p => p.Code != Programme.General)
            .ToDictionary(p => p.Code, p => CreditPlan.StreamKey(planYear, code, p.Code), StringComparer.Ordinal);
        var localKey = LocalCapitalPlan.StreamKey(planYear, code);
        var streams = await PlanQueries.StreamsAsync(session, [.. creditKeys.Values, localKey], reading.KnownAt, ct);
        var plans = creditKeys
            .Select(k => (k.Key, Plan: CreditPlan.Fold(streams[k.Value])))
            .Where(p => p.Plan is not null)
            .ToDictionary(p => p.Key, p => p.Plan!, StringComparer.Ordinal);

        var rows = PlanFigures.ByProgramme(atDate, atYearStart, plans, programmes.NameOf);
        var (outstanding, disbursement) = PlanFigures.Total(rows);
        var localCapital = LocalCapitalAchievement.Of(
            LocalCapitalPlan.Fold(streams[localKey])?.AmountVnd, PlanFigures.LocalBudgetEntrusted(code, atDate, atYearStart));
        return Results.Ok(new LocalityPlan(code, structure.Find(code)!.NameOn(date), planYear, date, reading.KnownAt,
            rows, new PlanTotal(outstanding, disbursement), localCapital));
    }

    /// <summary>The <c>year</c> of a plan read: a whole number from 2000 to next year; the year of <c>asOf</c> when omitted.</summary>
    public static int YearOf(string? year, DateOnly asOf, DateOnly today, FieldErrors errors)
    {
        if (year is null) return asOf.Year;
        if (!int.TryParse(year, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            errors.Add("year", $"year must be a whole number from {PlanYear.First} to {PlanYear.Last(today)}.");
            return asOf.Year;
        }
        PlanYear.Check(errors, parsed, today);
        return parsed is >= PlanYear.First && parsed <= 9999 ? parsed : asOf.Year;
    }
}
