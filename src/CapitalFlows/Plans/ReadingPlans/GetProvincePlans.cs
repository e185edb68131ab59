using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Plans.ReadingPlans;

public static class GetProvincePlansEndpoint
{
    /// <summary>One row per province open on the date: its plans for the year in total against its actuals, and its local capital.</summary>
    [WolverineGet("/api/capital/plans")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string? year, string? asOf, string? knownAt,
        IQuerySession session, LocalityDirectory localities, ProgrammeCatalogue programmes, TimeProvider clock, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var (reading, dateProblem) = ReadDates.Reading(asOf, knownAt, clock);
        errors.Include(dateProblem);
        var planYear = GetLocalityPlanEndpoint.YearOf(year, reading.AsOf, VietnamCalendar.Today(clock), errors);
        if (errors.ToProblem() is { } invalid) return invalid.ToResult();
        return Results.Ok(await ReadAsync(planYear, reading, session, localities, programmes, ct));
    }

    /// <summary>The read itself, for a valid year and reading (the endpoint's answer, and the <c>credit-plan</c> report's rows).</summary>
    public static async Task<ProvincePlans> ReadAsync(
        int planYear, BalanceReading reading, IQuerySession session, LocalityDirectory localities, ProgrammeCatalogue programmes, CancellationToken ct)
    {
        var date = PlanQueries.ActualsDate(planYear, reading.AsOf);
        var structure = localities.KnownAt(reading.KnownAt);
        var provinces = structure.ChildrenOn(LocalityDirectory.Nation, date).Where(p => p.IsOpenOn(date))
            .OrderBy(p => p.Code, StringComparer.Ordinal).ToList();
        var provinceOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var province in provinces)
            foreach (var code in structure.WithMergedInto(structure.SubtreeOn(province.Code, date)))
                provinceOf[code] = province.Code;
        var (atDate, atYearStart) = await PlanQueries.FundsAsync(session, null, planYear, reading with { AsOf = date }, ct);
        var byProvince = atDate.Where(f => provinceOf.ContainsKey(f.Locality)).ToLookup(f => provinceOf[f.Locality]);
        var byProvinceAtStart = atYearStart.Where(f => provinceOf.ContainsKey(f.Locality)).ToLookup(f => provinceOf[f.Locality]);

        var lending = programmes.All.Where(p => p.Code != Programme.General).Select(p => p.Code).ToList();
        var keys = provinces.SelectMany(p => lending.Select(l => CreditPlan.StreamKey(planYear, p.Code, l)))
            .Concat(provinces.Select(p => LocalCapitalPlan.StreamKey(planYear, p.Code))).ToList();
        var streams = await PlanQueries.StreamsAsync(session, keys, reading.KnownAt, ct);

        var rows = provinces.Select(p =>
        {
            var plans = lending
                .Select(l => (Programme: l, Plan: CreditPlan.Fold(streams[CreditPlan.StreamKey(planYear, p.Code, l)])))
                .Where(x => x.Plan is not null)
                .ToDictionary(x => x.Programme, x => x.Plan!, StringComparer.Ordinal);
            var (now, start) = (byProvince[p.Code].ToList(), byProvinceAtStart[p.Code].ToList());
            var (outstanding, disbursement) = PlanFigures.Total(PlanFigures.ByProgramme(now, start, plans, programmes.NameOf));
            var localCapital = LocalCapitalAchievement.Of(
                LocalCapitalPlan.Fold(streams[LocalCapitalPlan.StreamKey(planYear, p.Code)])?.AmountVnd,
                PlanFigures.LocalBudgetEntrusted(p.Code, now, start));
            return new ProvincePlan(p.Code, p.NameOn(date), outstanding, disbursement, localCapital);
        }).ToList();
        return new ProvincePlans(planYear, date, reading.KnownAt, rows);
    }
}
