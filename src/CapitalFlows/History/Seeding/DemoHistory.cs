using System.Globalization;
using System.Security.Claims;
using CapitalFlows.Commands;
using CapitalFlows.Funds;
using CapitalFlows.Funds.Allocating;
using CapitalFlows.Funds.EntrustingCentralBudget;
using CapitalFlows.Funds.Recalling;
using CapitalFlows.Funds.ReceivingCharityDonations;
using CapitalFlows.Funds.ReceivingMobilisedCapital;
using CapitalFlows.Funds.ToppingUpLocalBudget;
using CapitalFlows.Loans;
using CapitalFlows.Loans.DrawingDown;
using CapitalFlows.Loans.Repaying;
using CapitalFlows.Localities;
using CapitalFlows.Localities.Merging;
using CapitalFlows.Programmes;
using CapitalFlows.ReferenceData;
using CapitalFlows.Reversals;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.History.Seeding;

/// <summary>
/// A realistic, deterministic history of the bank, simulated day by day from <see cref="DemoHistoryOptions.From"/>,
/// in the 63-province structure until the 2025 reorganisation, which it records through the merge command on
/// 1 July 2025. Every command is one the API would accept from central finance: it is valid (its endpoint's
/// <c>Validate</c> passes) and decided by its own <c>Decide</c> on the state the recorder would read
/// (<see cref="DemoLedger"/>), so every invariant holds at every point; a refused command is skipped and counted.
/// <list type="bullet">
/// <item>Capital: an opening balance of about 250 trillion VND on the first day, then monthly central-budget
/// entrustments, mobilised capital (deposits weekly, bonds quarterly, ODA twice a year, other monthly), local-budget
/// top-ups by provinces (and, from July 2025, communes) rising to about 15 % of capital, and charity, growing the
/// total to about 426 trillion VND by the end of 2025 and on at the same pace.</item>
/// <item>Allocation: on the first working day of each month the nation passes most of its new capital down to the
/// provinces, earmarking general capital for programmes; from July 2025 provinces allocate to their communes (a first
/// round in the first two weeks, then quarterly).</item>
/// <item>Lending: drawdowns of about 60 million VND on average through the four entrusted organisations, within each
/// programme's caps, at provinces before the reorganisation and mostly at communes after it; repayments every 6 or
/// 12 months and the rest at maturity; a few hundred reversals and a few recalls.</item>
/// </list>
/// The number of drawdowns a day is paced so that the history ends with at least
/// <see cref="DemoHistoryOptions.TargetEvents"/> events: the events already written, and the repayments the loans
/// drawn so far will still append, are subtracted from the target and the rest spread over the remaining days.
/// </summary>
public sealed class DemoHistory
{
    public const string UserSub = "seed-demo";
    public const string UserName = "Demo history";

    /// <summary>Who records the demo history: central finance may send every command it holds.</summary>
    public static readonly ClaimsPrincipal User = new(new ClaimsIdentity(
        [new Claim("sub", UserSub), new Claim("name", UserName), new Claim("role", Roles.CentralFinance)], "seed-demo"));

    private const long Million = 1_000_000;
    private const long Billion = 1_000_000_000;
    private const double Trillion = 1e12;
    private const int ReversalCandidates = 100;
    private const string Nation = LocalityDirectory.Nation;

    private static readonly DateOnly CurveStart = new(2021, 1, 1);
    private static readonly DateOnly CurveEnd = new(2025, 12, 31);
    private static readonly DateOnly Merger = LocalityDirectory.Reorganisation2025Date;

    private static readonly string[] ReversalReasons =
    [
        "Entered twice in error", "Amount keyed incorrectly", "Wrong programme: to be recorded again",
        "Decision withdrawn by the issuing authority", "Borrower withdrew before disbursement",
    ];

    private static readonly string[] OdaLenders = ["ADB", "WB", "KfW", "JICA", "IFAD"];

    private static readonly string[] Donors =
    [
        "Quỹ Vì người nghèo Trung ương", "Ủy ban Mặt trận Tổ quốc", "Doanh nghiệp ủng hộ", "Kiều bào ủng hộ",
    ];

    private readonly DemoHistoryOptions _options;
    private readonly ProgrammeCatalogue _programmes;
    private readonly TimeProvider _clock;
    private readonly Random _random;
    private readonly double _scale;
    private readonly IReadOnlyList<LendingProfile> _profiles;
    private readonly Dictionary<string, LendingProfile> _profileOf;

    // Pacing: the days, their weights, and what remains of them.
    private readonly DateOnly[] _days;
    private readonly double[] _weights;
    private readonly double[] _weightSuffix;
    private readonly double[] _lendingSuffix;
    private readonly double _priorOtherRate;
    private double _weightElapsed;
    private double _loanCarry;
    private double _reversalCarry;
    private double _recallCarry;
    private long _eventsAccepted;
    private long _futureRepaymentEvents;
    private long _routineOtherEvents;
    private bool _oneOff;
    private long _loansInClosingProvinces;
    private long _firstCommuneRoundEvents;
    private readonly IReadOnlyList<LocalitiesMerged> _merges2025 = LocalityDirectory.Reorganisation2025();
    private readonly HashSet<string> _closing2025;
    private readonly int[] _communeRoundsSuffix;
    private readonly int _expectedActiveCommunes;

    // The ledger beyond the funds and loans: repayment plans, reversible movements, net capital by source.
    private readonly PriorityQueue<LoanPlan, DateOnly> _dues = new();
    private readonly Dictionary<string, LoanPlan> _plans = new(StringComparer.Ordinal);
    private readonly Dictionary<Reversible, List<Candidate>> _candidates = Enum.GetValues<Reversible>().ToDictionary(k => k, _ => new List<Candidate>());
    private readonly Dictionary<string, long> _netBySource = Sources.All.ToDictionary(s => s, _ => 0L, StringComparer.Ordinal);
    private readonly Dictionary<string, int> _accepted = new(StringComparer.Ordinal);
    private readonly List<(DateOnly Day, Action Record)> _plannedInflows = [];
    private readonly List<SeededCommand> _today = [];
    private long _borrowers;

    // The localities lending and allocation choose from.
    private readonly IReadOnlyList<(string Code, double Weight)> _provincesBefore2025;
    private IReadOnlyList<(string Code, double Weight)> _provinces2025 = [];
    private List<string> _activeCommunes = [];
    private Dictionary<string, int> _activeCommunesIn = [];
    private readonly Dictionary<DateOnly, List<string>> _firstCommuneRound = [];

    /// <summary>When communes first get capital: the reorganisation, or the history's first day when it starts later.</summary>
    private readonly DateOnly _communesFrom;

    public DemoHistory(DemoHistoryOptions options, ProgrammeCatalogue programmes, TimeProvider clock)
    {
        if (options.From > options.To) throw new ArgumentException($"The history starts on {options.From:yyyy-MM-dd}, after its last day {options.To:yyyy-MM-dd}.", nameof(options));
        _options = options;
        _programmes = programmes;
        _clock = clock;
        _random = new Random(options.Seed);
        _scale = Math.Clamp(options.TargetEvents / 1_000_000.0, 0.01, 10);
        _profiles = LendingProfile.For(programmes);
        _profileOf = _profiles.ToDictionary(p => p.Programme, StringComparer.Ordinal);
        Localities = LocalityDirectory.Before2025();
        Ledger = new DemoLedger(clock, Localities);
        _provincesBefore2025 = Csv.ReadEmbedded("provinces-pre2025.csv")
            .Select(r => (r["old_code"], double.Parse(r["old_commune_units_2025_03_01"], CultureInfo.InvariantCulture)))
            .ToList();

        _communesFrom = options.From > Merger ? options.From : Merger;
        _closing2025 = _merges2025.SelectMany(m => m.Closing).ToHashSet(StringComparer.Ordinal);
        _expectedActiveCommunes = Localities.All
            .Where(l => l.Level == LocalityLevel.Province && !_closing2025.Contains(l.Code))
            .Sum(p => Math.Max(2, (int)Math.Round(Localities.ChildrenOn(p.Code, Merger).Count() * Math.Min(1, _scale))));

        _days = Enumerable.Range(0, options.To.DayNumber - options.From.DayNumber + 1).Select(options.From.AddDays).ToArray();
        _weights = _days.Select(Weight).ToArray();
        var eventsPerLoan = EventsPerLoan();
        _weightSuffix = new double[_days.Length + 1];
        _lendingSuffix = new double[_days.Length + 1];
        _communeRoundsSuffix = new int[_days.Length + 1];
        for (var i = _days.Length - 1; i >= 0; i--)
        {
            _communeRoundsSuffix[i] = _communeRoundsSuffix[i + 1] + (IsQuarterlyCommuneRound(_days[i]) ? 1 : 0);
            _weightSuffix[i] = _weightSuffix[i + 1] + _weights[i];
            _lendingSuffix[i] = _lendingSuffix[i + 1] + _weights[i] * eventsPerLoan[i];
        }
        // Before any day has passed, expect a few hundredths of the events to be inflows, national allocations and the like.
        _priorOtherRate = 0.03 * options.TargetEvents / _weightSuffix[0];
    }

    /// <summary>The locality structure as the history has recorded it so far (the 63 provinces, then the 34).</summary>
    public LocalityDirectory Localities { get; }

    public DemoHistoryOptions Options => _options;

    /// <summary>The instant between the base history and its back-dated corrections; null until the corrections start.</summary>
    public DateTimeOffset? CorrectionsRecordedAfter { get; private set; }

    /// <summary>Every fund and loan as the history has left them so far.</summary>
    public DemoLedger Ledger { get; }

    /// <summary>Events of the accepted commands so far.</summary>
    public long Events => _eventsAccepted;

    /// <summary>Accepted commands so far, by command.</summary>
    public IReadOnlyDictionary<string, int> Accepted => _accepted;

    /// <summary>Refused commands so far, by command and problem type.</summary>
    public IReadOnlyDictionary<string, int> Refusals => Ledger.Refusals;

    /// <summary>Inflows less reversed inflows so far, by source.</summary>
    public IReadOnlyDictionary<string, long> NetCapitalBySource => _netBySource;

    /// <summary>The accepted commands, in the order they are recorded, day by day.</summary>
    public IEnumerable<SeededCommand> Commands()
    {
        for (var i = 0; i < _days.Length; i++)
        {
            var day = _days[i];
            _today.Clear();
            if ((i == 0 && day > Merger) || day == Merger) ReorganiseProvinces();
            if (i == 0) OpeningBalance(day);
            if (i == 0 || day.Day == 1) PlanInflows(day);
            RecordPlannedInflows(day);
            if (i == 0 || IsFirstWorkingDayOfMonth(day)) NationalAllocations(day, opening: i == 0);
            CommuneAllocations(day);
            Recalls(i, day);
            Repayments(day);
            Drawdowns(i, day);
            Reversals(i, day);
            if (i == _days.Length - 1) ReachTarget(day);
            _weightElapsed += _weights[i];
            foreach (var command in _today.ToList()) yield return command;
        }
    }

    // ---- Capital coming in ----

    /// <summary>The bank's total capital on a date: 250 trillion VND on 2021-01-01, 426 trillion by 2025-12-31, on a straight line.</summary>
    public static double CapitalOn(DateOnly day) => 250 * Trillion + 176 * Trillion * CurveFraction(day);

    /// <summary>The share of each source in the capital on a date: local budget from 8 % to 15 % by the end of 2025.</summary>
    public static double ShareOn(string source, DateOnly day)
    {
        var f = CurveFraction(day);
        var local = Math.Clamp(0.08 + 0.07 * f, 0.04, 0.16);
        const double charity = 0.008;
        var central = Math.Clamp(0.44 - 0.06 * f, 0.30, 0.50);
        return source switch
        {
            Sources.LocalBudget => local,
            Sources.Charity => charity,
            Sources.CentralBudget => central,
            _ => 1 - local - charity - central,
        };
    }

    private static double CurveFraction(DateOnly day) =>
        (day.DayNumber - CurveStart.DayNumber) / (double)(CurveEnd.DayNumber - CurveStart.DayNumber);

    private double Target(string source, DateOnly day) => ShareOn(source, day) * CapitalOn(day) / _options.SampleFactor;

    /// <summary>The capital the bank already held when the history starts, received on its first day.</summary>
    private void OpeningBalance(DateOnly day)
    {
        _oneOff = true;
        var year = day.Year;
        var central = Target(Sources.CentralBudget, day);
        Entrust(day, central * 0.85, null, $"QD-TTg-{year}-OPENING");
        Entrust(day, central * 0.07, "students", $"QD-TTg-{year}-OPENING-HSSV");
        Entrust(day, central * 0.08, "poor-households", $"QD-TTg-{year}-OPENING-HN");

        var mobilised = Target(Sources.Mobilised, day);
        Mobilise(day, mobilised * 0.55, "deposits", $"DEP-OPENING-{year}");
        Mobilise(day, mobilised * 0.35, "bonds", $"BOND-VBSP-OPENING-{year}");
        Mobilise(day, mobilised * 0.10, "other", $"OTH-OPENING-{year}");

        var provinces = OpenProvinces(day);
        var weights = provinces.Sum(p => p.Weight);
        var local = Target(Sources.LocalBudget, day);
        foreach (var (code, weight) in provinces)
            TopUp(day, code, local * weight / weights, LocalProgramme(), $"NQ-HDND-{code}-{year}-OPENING");

        var charity = Target(Sources.Charity, day);
        Donate(day, Nation, charity * 0.6, null, Donors[0], null);
        Donate(day, Nation, charity * 0.4, "poor-households", Donors[0], null);
        _oneOff = false;
    }

    /// <summary>
    /// On the first day of each month, the inflows of the month: what keeps each source on its share of the capital
    /// curve by the month's end, split over the month's working days.
    /// </summary>
    private void PlanInflows(DateOnly day)
    {
        _plannedInflows.Clear();
        var monthEnd = new DateOnly(day.Year, day.Month, DateTime.DaysInMonth(day.Year, day.Month));
        if (monthEnd > _options.To) monthEnd = _options.To;
        var workdays = Enumerable.Range(0, monthEnd.DayNumber - day.DayNumber + 1).Select(day.AddDays).Where(IsWorkingDay).ToList();
        if (workdays.Count == 0) workdays = [day];
        var (year, month) = (day.Year, day.Month);
        DateOnly AnyWorkday() => workdays[_random.Next(workdays.Count)];

        var central = Target(Sources.CentralBudget, monthEnd) - _netBySource[Sources.CentralBudget];
        if (central > Billion)
        {
            var earmarked = Chance(0.5) ? central * 0.2 : 0;
            var number = _random.Next(1, 400);
            var on = AnyWorkday();
            _plannedInflows.Add((on, () => Entrust(on, central - earmarked, null, $"QD-TTg-{year}-{number:D4}")));
            if (earmarked > 0)
            {
                var programme = Pick(["students", "poor-households", "near-poor-households", "ethnic-minority"]);
                var earmarkedOn = AnyWorkday();
                _plannedInflows.Add((earmarkedOn, () => Entrust(earmarkedOn, earmarked, programme, $"QD-TTg-{year}-{number + 1:D4}")));
            }
        }

        var mobilised = Target(Sources.Mobilised, monthEnd) - _netBySource[Sources.Mobilised];
        if (mobilised > Billion)
        {
            var parts = new List<(string Instrument, double Weight, string Reference)>();
            for (var week = 0; week < 4; week++)
                parts.Add(("deposits", 0.45 / 4, $"DEP-{year}-{month:D2}-W{week + 1}"));
            parts.Add(("other", 0.10, $"OTH-{year}-{month:D2}"));
            if (month % 3 == 0) parts.Add(("bonds", 0.35, $"BOND-VBSP-{year}-Q{month / 3}"));
            if (month is 6 or 12) parts.Add(("oda", 0.10, $"ODA-{Pick(OdaLenders)}-{year}-{month / 6}"));
            var total = parts.Sum(p => p.Weight);
            for (var k = 0; k < parts.Count; k++)
            {
                var (instrument, weight, reference) = parts[k];
                var on = instrument == "deposits" ? workdays[Math.Min(workdays.Count - 1, k * workdays.Count / 4)] : AnyWorkday();
                var amount = mobilised * weight / total;
                _plannedInflows.Add((on, () => Mobilise(on, amount, instrument, reference)));
            }
        }

        var local = Target(Sources.LocalBudget, monthEnd) - _netBySource[Sources.LocalBudget];
        if (local > Billion)
        {
            var communes = monthEnd >= Merger && _activeCommunes.Count > 0;
            var count = Count(40, 2);
            var byCommunes = communes ? Math.Max(1, (int)Math.Round(count * 0.3)) : 0;
            var byProvinces = SampleWeighted(OpenProvinces(day), p => p.Weight, Math.Max(1, count - byCommunes));
            var weights = byProvinces.Sum(p => p.Weight);
            foreach (var (code, weight) in byProvinces)
            {
                var on = AnyWorkday();
                var amount = local * (communes ? 0.9 : 1) * weight / weights * Between(0.8, 1.2);
                var programme = LocalProgramme();
                var number = _random.Next(1, 1000);
                _plannedInflows.Add((on, () => TopUp(on, code, amount, programme, $"NQ-HDND-{code}-{year}-{number:D3}")));
            }
            if (communes)
            {
                for (var k = 0; k < byCommunes; k++)
                {
                    var code = Pick(_activeCommunes);
                    var on = AnyWorkday();
                    var amount = local * 0.1 / byCommunes * Between(0.8, 1.2);
                    var programme = PickWeighted(_profiles, p => p.MoneyWeight).Programme;
                    var number = _random.Next(1, 100);
                    _plannedInflows.Add((on, () => TopUp(on, code, amount, programme, $"NQ-HDND-{code}-{year}-{number:D3}")));
                }
            }
        }

        var charity = Target(Sources.Charity, monthEnd) - _netBySource[Sources.Charity];
        if (charity > 100 * Million)
        {
            var count = Count(6, 1);
            for (var k = 0; k < count; k++)
            {
                var on = AnyWorkday();
                var locality = Chance(0.3) ? Nation : PickWeighted(OpenProvinces(day), p => p.Weight).Code;
                var programme = Chance(0.6) ? "poor-households" : null;
                var donor = Pick(Donors);
                var campaign = Chance(0.5) ? (month is 1 or 2 ? $"Tết vì người nghèo {year}" : $"Tháng cao điểm vì người nghèo {year}") : null;
                var amount = charity / count * Between(0.7, 1.3);
                _plannedInflows.Add((on, () => Donate(on, locality, amount, programme, donor, campaign)));
            }
        }
    }

    private void RecordPlannedInflows(DateOnly day)
    {
        foreach (var (_, record) in _plannedInflows.Where(p => p.Day == day).ToList()) record();
    }

    /// <summary>Local budget is mostly entrusted for a programme; a fifth comes unearmarked.</summary>
    private string? LocalProgramme() => Chance(0.2) ? null : PickWeighted(_profiles, p => p.MoneyWeight).Programme;

    private void Entrust(DateOnly day, double amount, string? programme, string decisionRef)
    {
        var command = new EntrustCentralBudget(NextId(), Vnd(amount), programme, decisionRef, Date(day));
        Valid(EntrustCentralBudgetEndpoint.Validate(command, _programmes, _clock), command);
        Emit(Ledger.Record("/api/capital/central-entrustments", command, command.CommandId!.Value, day,
            Funds(EntrustCentralBudgetEndpoint.Fund(command)), _ => EntrustCentralBudgetEndpoint.Decide(command, day)), Reversible.Inflow);
    }

    private void Mobilise(DateOnly day, double amount, string instrument, string reference)
    {
        var command = new ReceiveMobilisedCapital(NextId(), Vnd(amount), null, instrument, reference, Date(day));
        Valid(ReceiveMobilisedCapitalEndpoint.Validate(command, _programmes, _clock), command);
        Emit(Ledger.Record("/api/capital/mobilisations", command, command.CommandId!.Value, day,
            Funds(ReceiveMobilisedCapitalEndpoint.Fund(command)), _ => ReceiveMobilisedCapitalEndpoint.Decide(command, day)), Reversible.Inflow);
    }

    private void TopUp(DateOnly day, string locality, double amount, string? programme, string decisionRef)
    {
        var command = new TopUpLocalBudget(NextId(), locality, Vnd(amount), programme, decisionRef, Date(day));
        Valid(TopUpLocalBudgetEndpoint.Validate(command, User, Localities, _programmes, _clock), command);
        Emit(Ledger.Record("/api/capital/local-budget-top-ups", command, command.CommandId!.Value, day,
            Funds(TopUpLocalBudgetEndpoint.Fund(command)), _ => TopUpLocalBudgetEndpoint.Decide(command, day, Localities)), Reversible.Inflow);
    }

    private void Donate(DateOnly day, string locality, double amount, string? programme, string? donor, string? campaign)
    {
        var command = new ReceiveCharityDonation(NextId(), locality == Nation ? null : locality, Vnd(amount), programme, donor, campaign, Date(day));
        Valid(ReceiveCharityDonationEndpoint.Validate(command, User, Localities, _programmes, _clock), command);
        Emit(Ledger.Record("/api/capital/charity-donations", command, command.CommandId!.Value, day,
            Funds(ReceiveCharityDonationEndpoint.Fund(command)), _ => ReceiveCharityDonationEndpoint.Decide(command, day, Localities)), Reversible.Inflow);
    }

    // ---- Capital going down the tree ----

    /// <summary>
    /// The monthly credit plan: most of what the nation holds (of central budget, mobilised capital and charity)
    /// goes to the provinces in proportion to their size, general capital earmarked for programmes on the way.
    /// </summary>
    private void NationalAllocations(DateOnly day, bool opening)
    {
        _oneOff = opening;
        var provinces = OpenProvinces(day);
        var funds = Ledger.FundsAt(Nation)
            .Where(k => k.Source != Sources.LocalBudget)
            .Select(k => (Key: k, Available: Ledger.Fund(k)!.AvailableVnd))
            .Where(f => f.Available >= Billion)
            .ToList();
        var pools = funds.Sum(f => (double)f.Available);
        var budget = opening ? Math.Max(Count(300, 6), provinces.Count * 4) : Count(300, 6);
        foreach (var (key, available) in funds)
        {
            var general = key.Programme == Programme.General;
            var count = Math.Max(2, (int)Math.Round(budget * available / pools));
            var programmesEach = general && count >= provinces.Count * 2 ? 2 : 1;
            var chosen = count / programmesEach >= provinces.Count
                ? provinces
                : SampleWeighted(provinces, p => p.Weight, Math.Max(1, count / programmesEach));
            var weights = chosen.Sum(p => p.Weight);
            var month = day.Month;
            foreach (var (code, weight) in chosen)
            {
                var programmes = general ? SampleWeighted(_profiles, p => p.MoneyWeight, programmesEach).Select(p => p.Programme).ToList() : [key.Programme];
                foreach (var programme in programmes)
                {
                    var amount = available * 0.85 * weight / weights / programmes.Count * Between(0.85, 1.15);
                    Allocate(day, Nation, code, key.Source, key.Programme, general ? programme : null, amount, $"KH-TD-{day.Year}-{month:D2}");
                }
            }
        }
        _oneOff = false;
    }

    /// <summary>
    /// From July 2025 provinces allocate to their communes: every active commune gets its first funds in the first
    /// two weeks, then about half of them get more on the first working day of each quarter.
    /// </summary>
    private void CommuneAllocations(DateOnly day)
    {
        if (_firstCommuneRound.TryGetValue(day, out var communes))
        {
            _oneOff = true;
            var before = _eventsAccepted;
            foreach (var commune in communes) AllocateToCommune(day, commune, CommuneFundsEach);
            _firstCommuneRoundEvents += _eventsAccepted - before;
            _oneOff = false;
        }
        else if (IsQuarterlyCommuneRound(day))
        {
            _oneOff = true;
            foreach (var commune in _activeCommunes)
                if (Chance(0.5)) AllocateToCommune(day, commune, 1);
            _oneOff = false;
        }
    }

    private int CommuneFundsEach => _scale >= 0.5 ? 3 : 2;

    private bool IsQuarterlyCommuneRound(DateOnly day) => day > _communesFrom.AddDays(31) && day.Month % 3 == 1 && IsFirstWorkingDayOfMonth(day);

    /// <summary>
    /// The events still to come that are not lending and not yet committed: the first commune round, the quarterly
    /// commune rounds, and the routine inflows, national allocations, recalls and reversals at their rate so far.
    /// The merger's transfers are counted as the loans and funds they will move are made.
    /// </summary>
    private double OtherEventsToCome(int i)
    {
        var communeRounds = _communeRoundsSuffix[i] * _expectedActiveCommunes * 0.5 * 2;
        var firstRound = _days[^1] >= Merger ? Math.Max(0, 2.0 * _expectedActiveCommunes * CommuneFundsEach - _firstCommuneRoundEvents) : 0;
        var routineRate = (_routineOtherEvents + _priorOtherRate * 20) / (_weightElapsed + 20);
        return communeRounds + firstRound + routineRate * _weightSuffix[i];
    }

    /// <summary>The merge's events still to come: a transfer for each loan drawn in a closing province, two per fund moved.</summary>
    private long MergerEventsToCome(DateOnly day) =>
        day >= Merger || _days[^1] < Merger
            ? 0
            : _loansInClosingProvinces + 2L * _closing2025.Sum(p => Ledger.FundsAt(p).Count) + _merges2025.Count;

    private void AllocateToCommune(DateOnly day, string commune, int fundsEach)
    {
        var province = Localities.Find(commune)!.ParentOn(day)!;
        var funds = Ledger.FundsAt(province)
            .Select(k => (Key: k, Available: Ledger.Fund(k)!.AvailableVnd))
            .Where(f => f.Available >= Billion)
            .ToList();
        var year = day.Year;
        foreach (var (key, available) in SampleWeighted(funds, f => f.Available, fundsEach))
        {
            var amount = Math.Max(50 * Million, available * 0.5 / _activeCommunesIn[province] * Between(0.6, 1.4));
            var toProgramme = key.Programme == Programme.General ? PickWeighted(_profiles, p => p.MoneyWeight).Programme : null;
            Allocate(day, province, commune, key.Source, key.Programme, toProgramme, amount, $"QD-{province}-{year}-{day.Month:D2}");
        }
    }

    private void Allocate(DateOnly day, string from, string to, string source, string programme, string? toProgramme, double amount, string? decisionRef)
    {
        if (amount < Million) return;
        var command = new Allocate(NextId(), from, to, source, programme, toProgramme, Vnd(amount), decisionRef, Date(day));
        Valid(AllocateEndpoint.Validate(command, User, Localities, _programmes, _clock), command);
        var (fromFund, toFund) = AllocateEndpoint.Funds(command);
        Emit(Ledger.Record("/api/allocations", command, command.CommandId!.Value, day,
            Funds(fromFund, toFund), state => AllocateEndpoint.Decide(command, state.Funds, day, Localities)), Reversible.Allocation);
    }

    /// <summary>A few recalls: part of a province's fund back to the nation, or, from July 2025, of a commune's to its province.</summary>
    private void Recalls(int i, DateOnly day)
    {
        _recallCarry += Count(30, 4) * _weights[i] / _weightSuffix[0];
        for (; _recallCarry >= 1; _recallCarry--)
        {
            var fromCommune = day >= Merger && Chance(0.5);
            var child = fromCommune ? Pick(_activeCommunes) : PickWeighted(OpenProvinces(day), p => p.Weight).Code;
            var parent = fromCommune ? Localities.Find(child)!.ParentOn(day)! : Nation;
            var minimum = fromCommune ? 100 * Million : 10 * Billion;
            var funds = Ledger.FundsAt(child)
                .Select(k => (Key: k, Available: Ledger.Fund(k)!.AvailableVnd))
                .Where(f => f.Available >= minimum)
                .ToList();
            if (funds.Count == 0) continue;
            var (key, available) = PickWeighted(funds, f => f.Available);
            var command = new Recall(NextId(), child, parent, key.Source, key.Programme, Vnd(available * Between(0.05, 0.2)),
                "Credit plan revised: unused capital returned", Date(day));
            Valid(RecallEndpoint.Validate(command, User, Localities, _programmes, _clock), command);
            var (childFund, parentFund) = RecallEndpoint.Funds(command);
            Emit(Ledger.Record("/api/recalls", command, command.CommandId!.Value, day,
                Funds(childFund, parentFund), state => RecallEndpoint.Decide(command, state.Funds, day, Localities)));
        }
    }

    // ---- The 2025 reorganisation ----

    /// <summary>
    /// The 23 merges of 1 July 2025 through the merge command, each reading every fund and loan of its closing
    /// provinces and the successor's matching funds (as <c>MergeLocalitiesEndpoint.TouchesAsync</c> reads them);
    /// each accepted merge is applied to the structure before the next is decided. Then the communes that will be
    /// active are chosen and given a day of the first allocation round.
    /// </summary>
    private void ReorganiseProvinces()
    {
        _oneOff = true;
        foreach (var merge in _merges2025)
        {
            var command = new MergeLocalities(NextId(), merge.Merged, merge.Into, merge.Name, Date(Merger));
            Valid(MergeLocalitiesEndpoint.Validate(command, Localities, _clock), command);
            var closing = merge.Closing.ToHashSet(StringComparer.Ordinal);
            var moved = closing.SelectMany(Ledger.FundsAt).ToList();
            var loans = Ledger.Loans.Values.Where(l => closing.Contains(l.Locality)).Select(l => l.Id).ToList();
            var touches = new Touches([.. moved, .. moved.Select(k => k with { Locality = merge.Into })], loans, []);
            var merged = Emit(Ledger.Record("/api/localities/merges", command, command.CommandId!.Value, Merger, touches,
                state => MergeLocalitiesEndpoint.Decide(command, state, Merger, Localities)));
            if (merged is not null)
                Localities.Apply([new RecordedMerge((LocalitiesMerged)merged.Events[0].Data, merged.RecordedAt)]);
        }
        // Nothing recorded before the reorganisation is reversed after it: the closed provinces are frozen.
        foreach (var candidates in _candidates.Values)
        {
            foreach (var candidate in candidates) Ledger.Forget(candidate.Id);
            candidates.Clear();
        }
        _oneOff = false;

        _provinces2025 = Localities.All
            .Where(l => l.Level == LocalityLevel.Province && l.IsOpenOn(Merger))
            .Select(p => (p.Code, (double)Localities.ChildrenOn(p.Code, Merger).Count()))
            .ToList();
        var share = Math.Min(1, _scale);
        var active = new List<string>();
        foreach (var (province, communes) in _provinces2025)
        {
            var all = Localities.ChildrenOn(province, Merger).Select(c => c.Code).ToList();
            active.AddRange(SampleWeighted(all, _ => 1, Math.Max(2, (int)Math.Round(communes * share))));
        }
        _activeCommunes = active;
        _activeCommunesIn = active.GroupBy(c => Localities.Find(c)!.ParentOn(Merger)!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var firstDays = Enumerable.Range(0, 21).Select(_communesFrom.AddDays).Where(IsWorkingDay).Take(10).Where(d => d <= _options.To).ToList();
        foreach (var commune in firstDays.Count == 0 ? [] : active)
        {
            var on = firstDays[_random.Next(firstDays.Count)];
            if (!_firstCommuneRound.TryGetValue(on, out var list)) _firstCommuneRound[on] = list = [];
            list.Add(commune);
        }
    }

    private IReadOnlyList<(string Code, double Weight)> OpenProvinces(DateOnly day) => day < Merger ? _provincesBefore2025 : _provinces2025;

    // ---- Lending ----

    private void Drawdowns(int i, DateOnly day)
    {
        var budget = _options.TargetEvents - _eventsAccepted - _futureRepaymentEvents - MergerEventsToCome(day) - OtherEventsToCome(i);
        _loanCarry += Math.Max(0, budget) * _weights[i] / _lendingSuffix[i];
        for (; _loanCarry >= 1; _loanCarry--) DrawDown(day);
    }

    /// <summary>On the last day, more drawdowns if the history is still short of the events asked for.</summary>
    private void ReachTarget(DateOnly day)
    {
        for (var attempts = 0; _eventsAccepted < _options.TargetEvents && attempts < 1_000_000; attempts++) DrawDown(day);
    }

    /// <summary>
    /// One loan: a locality where lending happens on that day (a province before July 2025; after it mostly a commune),
    /// a programme fund there, a principal and term within the programme's caps, an entrusted organisation.
    /// </summary>
    private void DrawDown(DateOnly day)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var locality = day < Merger || _activeCommunes.Count == 0 || Chance(0.15)
                ? PickWeighted(OpenProvinces(day), p => p.Weight).Code
                : Pick(_activeCommunes);
            var funds = Ledger.FundsAt(locality)
                .Where(k => k.Programme != Programme.General && _profileOf.ContainsKey(k.Programme) && Ledger.Fund(k)!.AvailableVnd > 0)
                .ToList();
            if (funds.Count == 0) continue;

            var programme = PickWeighted(funds.Select(k => k.Programme).Distinct(StringComparer.Ordinal).ToList(), p => _profileOf[p].CountWeight);
            var key = PickWeighted(funds.Where(k => k.Programme == programme).ToList(), k => Ledger.Fund(k)!.AvailableVnd);
            var profile = _profileOf[programme];
            // Within the rules in force on the day (a cap raised later does not apply to earlier loans).
            if (_programmes.Find(programme)!.RulesOn(day) is not { } rules) continue;
            var principal = Math.Min(profile.Principal(_random, rules.MaxLoanVnd), rules.MaxLoanVnd);
            var term = Math.Min(profile.Term(_random), rules.MaxTermMonths);
            var organisation = PickWeighted(profile.Organisations, o => o.Weight).Organisation;
            var savingsGroup = Chance(0.9) ? $"TTK-{locality}-{_random.Next(1, 41):D3}" : null;
            var borrower = $"HH-{locality}-{++_borrowers:D7}";
            var id = NextId();
            // The loan's schedule falls due as the history will repay it: every 6 or 12 months (at most its term).
            var interval = InstalmentMonths(_random);
            var command = new DrawDownLoan(id, null, locality, key.Source, programme, principal, borrower, organisation, savingsGroup, term, Date(day))
            {
                RepaymentEveryMonths = Math.Min(interval, term),
            };
            Valid(DrawDownLoanEndpoint.Validate(command, User, Localities, _programmes, _clock), command);
            var drawn = Emit(Ledger.Record("/api/loans", command, id, day,
                new Touches([DrawDownLoanEndpoint.Fund(command)], [id.ToString()], []),
                state => DrawDownLoanEndpoint.Decide(command, id, state, day, Localities), StatusCodes.Status201Created), Reversible.Drawdown, id.ToString());
            if (drawn is null) return;

            if (day < Merger && _closing2025.Contains(locality)) _loansInClosingProvinces++;
            var plan = LoanPlan.For(id.ToString(), principal, term, interval, day, _options.To);
            _plans[plan.LoanId] = plan;
            _futureRepaymentEvents += 2L * plan.RemainingDues;
            if (plan.RemainingDues > 0) _dues.Enqueue(plan, plan.NextDue);
            return;
        }
    }

    /// <summary>The repayments due today: an instalment, or everything outstanding at maturity (and now and then early).</summary>
    private void Repayments(DateOnly day)
    {
        while (_dues.TryPeek(out var plan, out var due) && due <= day)
        {
            _dues.Dequeue();
            if (plan.Ended) continue;
            plan.Take();
            _futureRepaymentEvents -= 2;
            var loan = Ledger.Loan(plan.LoanId);
            if (loan is not { Status: LoanStatus.Active })
            {
                _futureRepaymentEvents -= 2L * plan.End();
                continue;
            }

            var inFull = plan.IsFinal(due) || Chance(0.03);
            var amount = inFull ? loan.OutstandingVnd : Math.Min(plan.InstalmentVnd, loan.OutstandingVnd);
            var command = new RepayLoan(NextId(), amount, Date(day));
            Valid(RepayLoanEndpoint.Validate(command, _clock), command);
            Emit(Ledger.Record($"/api/loans/{loan.Id}/repayments", command, command.CommandId!.Value, day,
                new Touches([RepayLoanEndpoint.FundOf(loan)], [loan.Id], []),
                state => RepayLoanEndpoint.Decide(command, state.Loan(loan.Id)!, state.Funds, day)), Reversible.Repayment, loan.Id);

            if (Ledger.Loan(loan.Id) is { Status: LoanStatus.Active } && plan.ScheduleNext(_options.To))
                _dues.Enqueue(plan, plan.NextDue);
            else
                _futureRepaymentEvents -= 2L * plan.End();
        }
    }

    // ---- Corrections ----

    /// <summary>
    /// A few hundred reversals over the history, each of a recent movement that can still be reversed: an inflow,
    /// an allocation, a drawdown that has no repayments, or a loan's latest repayment.
    /// </summary>
    private void Reversals(int i, DateOnly day)
    {
        _reversalCarry += Count(300, 12) * _weights[i] / _weightSuffix[0];
        for (; _reversalCarry >= 1; _reversalCarry--)
        {
            var first = PickWeighted(Enum.GetValues<Reversible>(), k => k switch
            {
                Reversible.Inflow => 0.2,
                Reversible.Allocation => 0.3,
                _ => 0.25,
            });
            foreach (var kind in Enum.GetValues<Reversible>().OrderBy(k => k == first ? 0 : 1))
            {
                var candidates = _candidates[kind].Where(c => c.EffectiveOn >= day.AddDays(-30) && StillReversible(kind, c)).ToList();
                if (candidates.Count == 0) continue;
                Reverse(day, kind, Pick(candidates));
                break;
            }
        }
    }

    private bool StillReversible(Reversible kind, Candidate candidate)
    {
        if (Ledger.Remembered(candidate.Id) is not { ReversedBy: null }) return false;
        var loan = candidate.LoanId is null ? null : Ledger.Loan(candidate.LoanId);
        return kind switch
        {
            Reversible.Drawdown => loan is { Status: LoanStatus.Active, Repayments.Count: 0 },
            Reversible.Repayment => loan is { Repayments: [.., var latest] } && latest == candidate.Id,
            _ => true,
        };
    }

    private void Reverse(DateOnly day, Reversible kind, Candidate candidate)
    {
        _candidates[kind].Remove(candidate);
        var original = Ledger.Remembered(candidate.Id)!;
        var command = new ReverseMovement(NextId(), original.Id, Pick(ReversalReasons), Date(day));
        Valid(ReverseMovementEndpoint.Validate(command, _clock), command);
        // Reversals follow the money: a fund of a province merged since is now its successor's.
        var touches = ReverseMovementEndpoint.TouchesOf(original, Localities);
        var repaidBefore = candidate.LoanId is not null && Ledger.Loan(candidate.LoanId)!.Status == LoanStatus.Repaid;
        var reversed = Emit(Ledger.Record("/api/reversals", command, command.CommandId!.Value, day, touches, state =>
        {
            var movement = state.Command(original.Id)!;
            return ReverseMovementEndpoint.Decide(command, movement, MovementRecorder.EventsOf(movement), state, day, Localities);
        }));
        Ledger.Forget(original.Id);
        if (reversed is null || candidate.LoanId is null) return;

        var plan = _plans[candidate.LoanId];
        if (kind == Reversible.Drawdown)
            _futureRepaymentEvents -= 2L * plan.End();
        else if (kind == Reversible.Repayment && repaidBefore && plan.Reopen(day, _options.To))
        {
            _futureRepaymentEvents += 2;
            _dues.Enqueue(plan, plan.NextDue);
        }
    }

    // ---- Bookkeeping ----

    /// <summary>Takes an accepted command into the day's output and the counts; a reversible one becomes a candidate.</summary>
    private SeededCommand? Emit(SeededCommand? command, Reversible? reversible = null, string? loanId = null)
    {
        if (command is null) return null;
        _today.Add(command);
        _eventsAccepted += command.Events.Count;
        if (!_oneOff && command.Type is not (nameof(DrawDownLoan) or nameof(RepayLoan)))
            _routineOtherEvents += command.Events.Count;
        _accepted[command.Type] = _accepted.GetValueOrDefault(command.Type) + 1;
        foreach (var e in command.Events)
        {
            var (source, amount) = e.Data switch
            {
                CentralBudgetEntrusted x => (Sources.CentralBudget, x.AmountVnd),
                MobilisedCapitalReceived x => (Sources.Mobilised, x.AmountVnd),
                LocalBudgetToppedUp x => (Sources.LocalBudget, x.AmountVnd),
                CharityDonationReceived x => (Sources.Charity, x.AmountVnd),
                InflowReversed x => (x.Source, -x.AmountVnd),
                _ => (null, 0),
            };
            if (source is not null) _netBySource[source] += amount;
        }

        if (reversible is { } kind)
        {
            var candidates = _candidates[kind];
            Ledger.Remember(command.Processed);
            candidates.Add(new Candidate(command.CommandId, command.EffectiveOn, loanId));
            if (candidates.Count > ReversalCandidates)
            {
                Ledger.Forget(candidates[0].Id);
                candidates.RemoveAt(0);
            }
        }
        return command;
    }

    /// <summary>The simulation only sends valid commands: an invalid one is a bug in it, not a refusal.</summary>
    private static void Valid(ProblemDetails problem, object command)
    {
        if (!ReferenceEquals(problem, WolverineContinue.NoProblems))
            throw new InvalidOperationException($"The demo history built an invalid {command.GetType().Name}: {problem.Detail}");
    }

    private static Touches Funds(params FundKey[] funds) => new(funds, [], []);

    /// <summary>How much of each kind of day's activity a day carries: working days fully, weekends little; growing by 6 % a year.</summary>
    private double Weight(DateOnly day)
    {
        var weekday = day.DayOfWeek switch
        {
            DayOfWeek.Saturday => 0.3,
            DayOfWeek.Sunday => 0.05,
            _ => 1.0,
        };
        var years = (day.DayNumber - _options.From.DayNumber) / 365.25;
        return weekday * (1 + 0.06 * years) * (day >= Merger ? 1.1 : 1);
    }

    /// <summary>
    /// The events one loan drawn on each day brings within the history: its drawdown and the repayments due before
    /// the last day (two events each), estimated per month from a sample of loan plans with a generator of its own.
    /// </summary>
    private double[] EventsPerLoan()
    {
        var sampler = new Random(_options.Seed ^ 0x5EED);
        var byMonth = new Dictionary<(int, int), double>();
        return _days.Select(day =>
        {
            if (byMonth.TryGetValue((day.Year, day.Month), out var events)) return events;
            var dues = Enumerable.Range(0, 64).Average(_ =>
            {
                var profile = PickWeighted(_profiles, p => p.CountWeight, sampler);
                return LoanPlan.For("", 1, profile.Term(sampler), InstalmentMonths(sampler), day, _options.To).RemainingDues;
            });
            return byMonth[(day.Year, day.Month)] = 2 + 2 * dues;
        }).ToArray();
    }

    /// <summary>Most loans repay principal once a year, some every six months.</summary>
    private static int InstalmentMonths(Random random) => random.NextDouble() < 0.3 ? 6 : 12;

    private static bool IsWorkingDay(DateOnly day) => day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    private static bool IsFirstWorkingDayOfMonth(DateOnly day) =>
        IsWorkingDay(day) && Enumerable.Range(1, day.Day - 1).All(d => !IsWorkingDay(new DateOnly(day.Year, day.Month, d)));

    private int Count(int atFullScale, int minimum) => Math.Max(minimum, (int)Math.Round(atFullScale * _scale));

    private static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>An amount in whole millions of đồng (at least one million).</summary>
    private static long Vnd(double amount) => Math.Max(Million, (long)(amount / Million) * Million);

    /// <summary>A random (version 4) UUID from the seeded generator, so that the same seed gives the same ids.</summary>
    private Guid NextId()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private bool Chance(double probability) => _random.NextDouble() < probability;

    private double Between(double low, double high) => low + _random.NextDouble() * (high - low);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private T PickWeighted<T>(IReadOnlyList<T> items, Func<T, double> weight) => PickWeighted(items, weight, _random);

    private static T PickWeighted<T>(IReadOnlyList<T> items, Func<T, double> weight, Random random)
    {
        var total = items.Sum(weight);
        var target = random.NextDouble() * total;
        foreach (var item in items)
        {
            target -= weight(item);
            if (target < 0) return item;
        }
        return items[^1];
    }

    /// <summary>Up to <paramref name="count"/> distinct items, each drawn in proportion to its weight.</summary>
    private List<T> SampleWeighted<T>(IReadOnlyList<T> items, Func<T, double> weight, int count)
    {
        var left = items.ToList();
        var chosen = new List<T>();
        while (chosen.Count < count && left.Count > 0)
        {
            var item = PickWeighted(left, weight);
            chosen.Add(item);
            left.Remove(item);
        }
        return chosen;
    }

    /// <summary>The kinds of movement the history reverses now and then.</summary>
    private enum Reversible
    {
        Inflow,
        Allocation,
        Drawdown,
        Repayment,
    }

    /// <summary>A recent movement that may be reversed: its command, effective date and (for lending) its loan.</summary>
    private sealed record Candidate(Guid Id, DateOnly EffectiveOn, string? LoanId);
}
