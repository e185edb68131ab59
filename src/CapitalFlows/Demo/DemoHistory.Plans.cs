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
            SetLocalCapitalPlan(day, year, code, Vnd(planned), $"NQ-HDND-{code}-{year}-KHV");
        }
    }

    private void SetLocalCapitalPlan(DateOnly day, int year, string province, long amountVnd, string decisionRef)
    {
        var command = new SetLocalCapitalPlan(NextId(), year, province, amountVnd, decisionRef);
        Valid(SetLocalCapitalPlanEndpoint.Validate(command, User, Localities, _clock), command);
        var key = LocalCapitalPlan.StreamKey(year, province);
        Emit(Ledger.Record("/api/local-capital-plans", command, command.CommandId!.Value, day,
            new Touches([], [], []) { Streams = [key] },
            state => SetLocalCapitalPlanEndpoint.Decide(command, day, Localities, state.Streams.GetValueOrDefault(key) ?? [])));
    }

    /// <summary>
    /// On the day of the 2025 merger, after it: each successor province's plans for the year become the sum of its
    /// predecessors' (its own included), for every programme and for local capital, so that the plan read shows each
    /// of the 34 provinces' actuals (which include its predecessors') against a plan of the same scope.
    /// </summary>
    private void SumPlansOfMergedProvinces(DateOnly day)
    {
        var year = day.Year;
        if (_plannedYear != year) return;
        foreach (var merge in _merges2025)
        {
            var predecessors = merge.Merged.Append(merge.Into).Distinct(StringComparer.Ordinal).ToList();
            var reference = $"QD-NHCSXH-KH-{year}-{merge.Into}-HN";
            foreach (var profile in _profiles)
            {
                var plans = predecessors.Select(code => CreditPlan.Fold(Ledger.Stream(CreditPlan.StreamKey(year, code, profile.Programme))))
                    .OfType<CreditPlan>().ToList();
                if (plans.Count == 0) continue;
                SetCreditPlan(day, year, merge.Into, profile.Programme,
                    plans.Sum(p => p.OutstandingTargetVnd), plans.Sum(p => p.DisbursementTargetVnd), reference);
            }
            var local = predecessors.Select(code => LocalCapitalPlan.Fold(Ledger.Stream(LocalCapitalPlan.StreamKey(year, code)))).OfType<LocalCapitalPlan>().ToList();
            if (local.Count > 0) SetLocalCapitalPlan(day, year, merge.Into, local.Sum(p => p.AmountVnd), $"NQ-HDND-{merge.Into}-{year}-KHV-HN");
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
