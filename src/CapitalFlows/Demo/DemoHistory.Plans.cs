using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Plans;
using CapitalFlows.Plans.SettingCreditPlans;
using CapitalFlows.Plans.SettingLocalCapitalPlans;

namespace CapitalFlows.Demo;

/// <summary>
/// The plans of each year, set on its first working day (or the history's first day): the credit plan of the
/// nation for each programme (loans outstanding at 96.5 % of the year-end capital, new lending at the year's
/// published count and average size, shared by the programmes' money weights), the provinces' shares of it, and,
/// from July 2025, the communes' shares of their province's; and each province's local capital plan, what its
/// People's Council resolved to entrust, which the top-ups then exceed or miss by up to a fifth.
/// </summary>
public sealed partial class DemoHistory
{
    private bool _communePlansSet;

    private void Plans(DateOnly day)
    {
        var firstOfYear = day == _options.From || (day.Month == 1 && IsFirstWorkingDayOfMonth(day) && day != _options.From);
        if (firstOfYear && !(day == _options.From && day.Month == 12))
        {
            NationalAndProvincePlans(day);
            LocalCapitalPlans(day);
            _communePlansSet = false;
        }
        if (!_communePlansSet && day >= Merger && _activeCommunes.Count > 0 && IsWorkingDay(day) && _plannedYear == day.Year)
        {
            CommunePlans(day);
            _communePlansSet = true;
        }
    }

    private int _plannedYear;

    private void NationalAndProvincePlans(DateOnly day)
    {
        var year = day.Year;
        _plannedYear = year;
        var yearEnd = Min(new DateOnly(year, 12, 31), new DateOnly(2030, 12, 31));
        var outstanding = PublishedFigures.Utilisation * PublishedFigures.CapitalOn(yearEnd) / _k;
        var lending = PublishedFigures.NewLoansPerYear(year) * PublishedFigures.AverageNewLoan(year) / _k;
        var lendable = _profiles.Where(p => _programmes.Find(p.Programme)?.RulesOn(yearEnd) is not null).ToList();
        var money = lendable.Sum(p => p.MoneyWeight);
        var provinces = OpenProvinces(day);
        var weights = provinces.Sum(p => p.Weight);
        foreach (var profile in lendable)
        {
            var share = profile.MoneyWeight / money;
            var (nationOutstanding, nationLending) = (outstanding * share, lending * share);
            SetCreditPlan(day, year, Nation, profile.Programme, nationOutstanding, nationLending, $"QD-TTg-KH-{year}");
            foreach (var (code, weight) in provinces)
            {
                var part = weight / weights * Between(0.9, 0.99);
                SetCreditPlan(day, year, code, profile.Programme, nationOutstanding * part, nationLending * part, $"QD-NHCSXH-KH-{year}-{code}");
            }
        }
    }

    /// <summary>Each active commune plans its share of its province's plan for the two programmes that lend most money.</summary>
    private void CommunePlans(DateOnly day)
    {
        var year = day.Year;
        var date = PlanYear.StructureDate(year, day);
        var programmes = _profiles.OrderByDescending(p => p.MoneyWeight).Take(2).Select(p => p.Programme).ToList();
        foreach (var (province, communes) in _activeCommunesIn)
        {
            foreach (var programme in programmes)
            {
                var stream = Ledger.Stream(CreditPlan.StreamKey(year, province, programme));
                if (CreditPlan.Fold(stream) is not { } plan) continue;
                var all = Localities.ChildrenOn(province, date).Count(c => c.IsOpenOn(date));
                foreach (var commune in communes)
                {
                    var part = 0.9 / Math.Max(all, communes.Count) * Between(0.8, 1.0);
                    SetCreditPlan(day, year, commune, programme, plan.OutstandingTargetVnd * part, plan.DisbursementTargetVnd * part, $"QD-{province}-KH-{year}");
                }
            }
        }
    }

    private void LocalCapitalPlans(DateOnly day)
    {
        var year = day.Year;
        var (start, end) = (new DateOnly(year, 1, 1).AddDays(-1), new DateOnly(year, 12, 31));
        foreach (var (code, _) in OpenProvinces(day))
        {
            var planned = (LocalTarget(code, end) - LocalTarget(code, start)) * Between(0.8, 1.25);
            if (planned < Million) continue;
            var command = new SetLocalCapitalPlan(NextId(), year, code, Vnd(planned), $"NQ-HDND-{code}-{year}-KHV");
            Valid(SetLocalCapitalPlanEndpoint.Validate(command, User, Localities, _clock), command);
            var key = LocalCapitalPlan.StreamKey(year, code);
            Emit(Ledger.Record("/api/local-capital-plans", command, command.CommandId!.Value, day,
                new Touches([], [], []) { Streams = [key] },
                state => SetLocalCapitalPlanEndpoint.Decide(command, day, Localities, state.Streams.GetValueOrDefault(key) ?? [])));
        }
    }

    private void SetCreditPlan(DateOnly day, int year, string locality, string programme, double outstanding, double lending, string decisionRef)
    {
        var command = new SetCreditPlan(NextId(), year, locality, programme, Vnd(outstanding), Vnd(lending), decisionRef);
        Valid(SetCreditPlanEndpoint.Validate(command, User, Localities, _programmes, _clock), command);
        var date = PlanYear.StructureDate(year, day);
        Emit(Ledger.Record("/api/credit-plans", command, command.CommandId!.Value, day,
            SetCreditPlanEndpoint.TouchesOf(command, date, Localities),
            state => SetCreditPlanEndpoint.Decide(command, day, date, Localities, key => state.Streams.GetValueOrDefault(key) ?? [])));
    }
}
