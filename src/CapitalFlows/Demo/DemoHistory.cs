using System.Globalization;
using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Funds.Allocating;
using CapitalFlows.Funds.Recalling;
using CapitalFlows.Localities;
using CapitalFlows.Localities.Merging;
using CapitalFlows.Programmes;
using CapitalFlows.ReferenceData;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Demo;

/// <summary>
/// The bank at 1 : k (<see cref="DemoHistoryOptions.SampleFactor"/>): a deterministic history simulated day by day,
/// in the 63-province structure until the 2025 reorganisation, which it records through the merge command on
/// 1 July 2025. Every command is one the API would accept from central finance: it is valid (its endpoint's
/// <c>Validate</c> passes) and decided by its own <c>Decide</c> on the state the recorder would read
/// (<see cref="BulkLedger"/>), so every invariant holds at every point; a refused command is skipped and counted.
/// <list type="bullet">
/// <item>The opening year (the year before <see cref="DemoHistoryOptions.From"/>): the capital the bank held at
/// <c>From</c> arrives on its first day, and the opening loan book (≈ 6.4 million borrowers ÷ k) is drawn through
/// the year with yearly instalments, so that its dues fall through the first year of the history.</item>
/// <item>Capital (<see cref="PublishedFigures"/>): total capital through each published year-end, the mix of May
/// 2025 (state budget in quarterly tranches, the four state banks' 2 % deposits monthly, bonds quarterly, SBV and
/// foreign loans twice a year, the rest mobilised monthly), local budget by province at the published sizes,
/// rising from about 9 % to 15.5 %.</item>
/// <item>Lending (<c>DemoHistory.Lending.cs</c>): loans outstanding held at 96.5 % of capital, new loans at the
/// year's published average size, repayment schedules with some instalments missed (overdue about 0.55 % of
/// outstanding), extensions and write-offs.</item>
/// <item>Plans (<c>DemoHistory.Plans.cs</c>), and after the base history a phase of back-dated corrections
/// (<c>DemoHistory.Corrections.cs</c>) recorded after <see cref="CorrectionsRecordedAfter"/>.</item>
/// </list>
/// </summary>
public sealed partial class DemoHistory
{
    public const string UserSub = "seed-demo";
    public const string UserName = "Demo history";

    /// <summary>Who records the demo history: central finance may send every command it holds.</summary>
    public static readonly ClaimsPrincipal User = new(new ClaimsIdentity(
        [new Claim("sub", UserSub), new Claim("name", UserName), new Claim("role", Roles.CentralFinance)], "seed-demo"));

    private const long Million = 1_000_000;
    private const long Billion = 1_000_000_000;
    private const int ReversalCandidates = 100;
    private const string Nation = LocalityDirectory.Nation;

    private static readonly DateOnly Merger = LocalityDirectory.Reorganisation2025Date;

    private static readonly string[] ReversalReasons =
    [
        "Entered twice in error", "Amount keyed incorrectly", "Wrong programme: to be recorded again",
        "Decision withdrawn by the issuing authority", "Borrower withdrew before disbursement",
    ];

    private static readonly string[] StateBanks = ["AGRIBANK", "BIDV", "VCB", "VTB"];

    private static readonly string[] OdaLenders = ["SBV", "ADB", "WB", "KfW", "JICA"];

    private static readonly string[] Donors =
    [
        "Quỹ Vì người nghèo Trung ương", "Ủy ban Mặt trận Tổ quốc", "Doanh nghiệp ủng hộ", "Kiều bào ủng hộ",
    ];

    private readonly DemoHistoryOptions _options;
    private readonly ProgrammeCatalogue _programmes;
    private readonly TimeProvider _clock;
    private readonly Random _random;
    private readonly double _k;
    private readonly IReadOnlyList<LendingProfile> _profiles;
    private readonly Dictionary<string, LendingProfile> _profileOf;
    private readonly DateOnly[] _days;

    /// <summary>The first day of the opening year: a year before the history's first day.</summary>
    private readonly DateOnly _start;

    private readonly IReadOnlyList<LocalitiesMerged> _merges2025 = LocalityDirectory.Reorganisation2025();
    private readonly HashSet<string> _closing2025;

    // The ledger beyond the funds and loans: reversible movements, capital by source and instrument, local budget by province.
    private readonly Dictionary<Reversible, List<Candidate>> _candidates = Enum.GetValues<Reversible>().ToDictionary(k => k, _ => new List<Candidate>());
    private readonly Dictionary<string, long> _netBySource = Sources.All.ToDictionary(s => s, _ => 0L, StringComparer.Ordinal);
    private readonly Dictionary<string, long> _netByInstrument = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _localNet = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _accepted = new(StringComparer.Ordinal);
    private readonly List<(DateOnly Day, Action Record)> _plannedInflows = [];
    private readonly List<DecidedCommand> _today = [];
    private long _eventsAccepted;
    private long _borrowers;

    // The localities lending, allocation and local budgets choose from.
    private readonly IReadOnlyList<(string Code, double Weight)> _provincesBefore2025;
    private IReadOnlyList<(string Code, double Weight)> _provinces2025 = [];
    private readonly Dictionary<string, double> _localShare;
    private readonly Dictionary<string, int> _topUpMonth = new(StringComparer.Ordinal);
    private List<string> _activeCommunes = [];
    private Dictionary<string, List<string>> _activeCommunesIn = new(StringComparer.Ordinal);

    public DemoHistory(DemoHistoryOptions options, ProgrammeCatalogue programmes, TimeProvider clock)
    {
        if (options.From > options.To) throw new ArgumentException($"The history starts on {options.From:yyyy-MM-dd}, after its last day {options.To:yyyy-MM-dd}.", nameof(options));
        if (options.SampleFactor < 1) throw new ArgumentException("The sample factor is at least 1.", nameof(options));
        _options = options;
        _programmes = programmes;
        _clock = clock;
        _random = new Random(options.Seed);
        _k = options.SampleFactor;
        _profiles = LendingProfile.For(programmes);
        _profileOf = _profiles.ToDictionary(p => p.Programme, StringComparer.Ordinal);
        Localities = LocalityDirectory.Before2025();
        Ledger = new BulkLedger(clock, Localities);
        _provincesBefore2025 = Csv.ReadEmbedded("provinces-pre2025.csv")
            .Select(r => (r["old_code"], double.Parse(r["old_commune_units_2025_03_01"], CultureInfo.InvariantCulture)))
            .ToList();
        _localShare = new Dictionary<string, double>(PublishedFigures.LocalBudgetShares(_provincesBefore2025), StringComparer.Ordinal);
        _closing2025 = _merges2025.SelectMany(m => m.Closing).ToHashSet(StringComparer.Ordinal);
        _start = options.From.AddYears(-1);
        _days = Enumerable.Range(0, options.To.DayNumber - _start.DayNumber + 1).Select(_start.AddDays).ToArray();
        _principalScale = PrincipalScale();
        Tally = new DemoTally(options.From, options.To);
    }

    public DemoHistoryOptions Options => _options;

    /// <summary>The instant between the base history and its back-dated corrections; null until the corrections start.</summary>
    public DateTimeOffset? CorrectionsRecordedAfter { get; private set; }

    /// <summary>The locality structure as the history has recorded it so far (the 63 provinces, then the 34).</summary>
    public LocalityDirectory Localities { get; }

    /// <summary>Every fund and loan as the history has left them so far.</summary>
    public BulkLedger Ledger { get; }

    /// <summary>What the history lent, repaid and wrote off from its first day (the opening year excluded).</summary>
    public DemoTally Tally { get; }

    /// <summary>Events of the accepted commands so far.</summary>
    public long Events => _eventsAccepted;

    /// <summary>Accepted commands so far, by command.</summary>
    public IReadOnlyDictionary<string, int> Accepted => _accepted;

    /// <summary>Refused commands so far, by command and problem type.</summary>
    public IReadOnlyDictionary<string, int> Refusals => Ledger.Refusals;

    /// <summary>Inflows less reversed inflows so far, by source.</summary>
    public IReadOnlyDictionary<string, long> NetCapitalBySource => _netBySource;

    /// <summary>Inflows of mobilised capital so far, by instrument.</summary>
    public IReadOnlyDictionary<string, long> MobilisedByInstrument => _netByInstrument;

    /// <summary>
    /// The accepted commands in the order they are recorded: the base history day by day from the opening year to
    /// the last day, then the back-dated corrections (recorded after <see cref="CorrectionsRecordedAfter"/>).
    /// </summary>
    public IEnumerable<DecidedCommand> Commands()
    {
        for (var i = 0; i < _days.Length; i++)
        {
            var day = _days[i];
            _idDay = day;
            _today.Clear();
            if ((i == 0 && day > Merger) || day == Merger) ReorganiseProvinces();
            if (i == 0) OpeningBalance(day);
            if (day >= _options.From && (day == _options.From || day.Day == 1)) PlanInflows(day);
            RecordPlannedInflows(day);
            if (day >= _options.From) Plans(day);
            if (i == 0 || IsAllocationDay(day)) NationalAllocations(day);
            CommuneAllocations(day);
            if (day >= _options.From) Recalls(day);
            Repayments(day);
            Drawdowns(day);
            if (day >= _options.From) Reversals(day);
            QuietDonations(day);
            if (IsTallyDay(day)) KeepDayEnd(day);
            foreach (var command in _today.ToList()) yield return command;
        }

        _today.Clear();
        BeginCorrections();
        Corrections();
        foreach (var command in _today.ToList()) yield return command;
    }

    // ---- Capital coming in ----

    /// <summary>The capital of a source or mobilised instrument the history holds on a date, at 1 : k.</summary>
    private double Target(string part, DateOnly day)
    {
        var capital = PublishedFigures.CapitalOn(day);
        var local = PublishedFigures.LocalBudgetOn(day);
        var share = part switch
        {
            Sources.CentralBudget => PublishedFigures.StateBudgetShare,
            Sources.Charity => PublishedFigures.CharityShare,
            "deposits" => PublishedFigures.DepositsShare,
            "bonds" => PublishedFigures.BondsShare,
            "oda" => PublishedFigures.OdaShare,
            "other" => 1 - PublishedFigures.StateBudgetShare - PublishedFigures.CharityShare - PublishedFigures.DepositsShare
                - PublishedFigures.BondsShare - PublishedFigures.OdaShare - local / capital,
            _ => throw new ArgumentOutOfRangeException(nameof(part), part, "not a source or instrument"),
        };
        return share * capital / _k;
    }

    /// <summary>A province's local budget entrusted by a date, at 1 : k: its share of the published total.</summary>
    private double LocalTarget(string province, DateOnly day) =>
        _localShare.GetValueOrDefault(province) * PublishedFigures.LocalBudgetOn(day) / _k;

    /// <summary>The capital the bank held on the history's first day, received on the first day of the opening year.</summary>
    private void OpeningBalance(DateOnly day)
    {
        var from = _options.From;
        var year = day.Year;
        var central = Target(Sources.CentralBudget, from);
        Entrust(day, central * 0.85, null, $"QD-TTg-{year}-OPENING");
        Entrust(day, central * 0.07, "students", $"QD-TTg-{year}-OPENING-HSSV");
        Entrust(day, central * 0.08, "poor-households", $"QD-TTg-{year}-OPENING-HN");
        foreach (var instrument in new[] { "deposits", "bonds", "oda", "other" })
            Mobilise(day, Target(instrument, from), instrument, $"{instrument.ToUpperInvariant()}-OPENING-{year}");
        foreach (var (code, _) in OpenProvinces(day))
            TopUp(day, code, LocalTarget(code, from), Earmark(code, Sources.LocalBudget, day), $"NQ-HDND-{code}-{year}-OPENING");
        var charity = Target(Sources.Charity, from);
        Donate(day, Nation, charity * 0.6, null, Donors[0], null);
        Donate(day, Nation, charity * 0.4, "poor-households", Donors[0], null);
    }

    /// <summary>
    /// On the first day of each month, the inflows of the month, each bringing its source or instrument to its
    /// share of the capital curve: state budget in quarterly tranches, the four state banks' 2 % deposits monthly,
    /// bonds quarterly, SBV and foreign loans twice a year, the rest mobilised and charity monthly, and each
    /// province's local budget once a quarter (after the reorganisation a tenth of it through its communes).
    /// </summary>
    private void PlanInflows(DateOnly day)
    {
        _plannedInflows.Clear();
        var monthEnd = Min(new DateOnly(day.Year, day.Month, DateTime.DaysInMonth(day.Year, day.Month)), _options.To);
        var quarterEnd = Min(new DateOnly(day.Year, (day.Month + 2) / 3 * 3, 1).AddMonths(1).AddDays(-1), _options.To);
        var workdays = Enumerable.Range(0, monthEnd.DayNumber - day.DayNumber + 1).Select(day.AddDays).Where(IsWorkingDay).ToList();
        if (workdays.Count == 0) workdays = [day];
        var (year, month) = (day.Year, day.Month);
        var firstOfQuarter = month % 3 == 1 || day == _options.From;
        DateOnly AnyWorkday() => workdays[_random.Next(workdays.Count)];

        if (firstOfQuarter)
        {
            var central = Target(Sources.CentralBudget, quarterEnd) - _netBySource[Sources.CentralBudget];
            if (central > Million)
            {
                var earmarked = Chance(0.5) ? central * 0.2 : 0;
                var number = _random.Next(1, 400);
                var on = workdays[Math.Min(workdays.Count - 1, _random.Next(5))];
                _plannedInflows.Add((on, () => Entrust(on, central - earmarked, null, $"QD-TTg-{year}-{number:D4}")));
                if (earmarked > 0)
                {
                    var programme = Pick(["students", "poor-households", "near-poor-households", "ethnic-minority"]);
                    _plannedInflows.Add((on, () => Entrust(on, earmarked, programme, $"QD-TTg-{year}-{number + 1:D4}")));
                }
            }
        }

        var deposits = Target("deposits", monthEnd) - _netByInstrument.GetValueOrDefault("deposits");
        for (var bank = 0; bank < StateBanks.Length && deposits > Million; bank++)
        {
            var on = workdays[Math.Min(workdays.Count - 1, bank * workdays.Count / StateBanks.Length)];
            var reference = $"DEP2-{StateBanks[bank]}-{year}-{month:D2}";
            _plannedInflows.Add((on, () => Mobilise(on, deposits / StateBanks.Length, "deposits", reference)));
        }
        if (month % 3 == 0 || day == _options.From) PlanMobilised("bonds", quarterEnd, AnyWorkday(), $"BOND-VBSP-{year}-Q{(month + 2) / 3}");
        if (month is 6 or 12 || day == _options.From) PlanMobilised("oda", monthEnd, AnyWorkday(), $"ODA-{Pick(OdaLenders)}-{year}-{month:D2}");
        PlanMobilised("other", monthEnd, AnyWorkday(), $"OTH-{year}-{month:D2}");

        foreach (var (code, _) in OpenProvinces(day))
        {
            if (!_topUpMonth.TryGetValue(code, out var phase)) _topUpMonth[code] = phase = _random.Next(3);
            if ((month - 1) % 3 != phase && day != _options.From) continue;
            var amount = LocalTarget(code, quarterEnd) - _localNet.GetValueOrDefault(code);
            if (amount < Million) continue;
            var on = AnyWorkday();
            var programme = Earmark(code, Sources.LocalBudget, day);
            var number = _random.Next(1, 1000);
            var communes = _activeCommunesIn.GetValueOrDefault(code);
            if (communes is { Count: > 0 })
            {
                var commune = Pick(communes);
                var viaCommune = amount * 0.1;
                amount -= viaCommune;
                var communeProgramme = Earmark(commune, Sources.LocalBudget, day);
                _plannedInflows.Add((on, () => TopUp(on, commune, viaCommune, communeProgramme, $"NQ-HDND-{commune}-{year}-{number:D3}")));
            }
            _plannedInflows.Add((on, () => TopUp(on, code, amount, programme, $"NQ-HDND-{code}-{year}-{number:D3}")));
        }

        var charity = Target(Sources.Charity, monthEnd) - _netBySource[Sources.Charity];
        for (var k = 0; k < 2 && charity > 10 * Million; k++)
        {
            var on = AnyWorkday();
            var locality = Chance(0.3) ? Nation : PickWeighted(OpenProvinces(day), p => p.Weight).Code;
            var programme = locality == Nation && Chance(0.4) ? null : "poor-households";
            var donor = Pick(Donors);
            var campaign = Chance(0.5) ? (month is 1 or 2 ? $"Tết vì người nghèo {year}" : $"Tháng cao điểm vì người nghèo {year}") : null;
            var amount = charity / 2;
            _plannedInflows.Add((on, () => Donate(on, locality, amount, programme, donor, campaign)));
        }
    }

    private void PlanMobilised(string instrument, DateOnly by, DateOnly on, string reference)
    {
        var amount = Target(instrument, by) - _netByInstrument.GetValueOrDefault(instrument);
        if (amount > Million) _plannedInflows.Add((on, () => Mobilise(on, amount, instrument, reference)));
    }

    private void RecordPlannedInflows(DateOnly day)
    {
        foreach (var (_, record) in _plannedInflows.Where(p => p.Day == day).ToList()) record();
    }

    /// <summary>
    /// The programme a locality earmarks capital of a source for: chosen once (in proportion to the programmes'
    /// money weights, among those in force), so that a province lends from a few funds, not from dozens of crumbs.
    /// </summary>
    private string Earmark(string locality, string source, DateOnly day)
    {
        if (_earmarks.TryGetValue((locality, source), out var programme) && _programmes.Find(programme)?.RulesOn(day) is not null) return programme;
        var open = _profiles.Where(p => _programmes.Find(p.Programme)?.RulesOn(day) is not null).ToList();
        return _earmarks[(locality, source)] = PickWeighted(open.Count > 0 ? open : _profiles, p => p.MoneyWeight).Programme;
    }

    private readonly Dictionary<(string Locality, string Source), string> _earmarks = [];

    // ---- Capital going down the tree ----

    /// <summary>The nation passes its capital down on the first working day of each month and of its second half.</summary>
    private static bool IsAllocationDay(DateOnly day) =>
        IsFirstWorkingDayOfMonth(day) || (IsWorkingDay(day) && day.Day >= 15 && Enumerable.Range(15, day.Day - 15).All(d => !IsWorkingDay(new DateOnly(day.Year, day.Month, d))));

    /// <summary>
    /// The nation passes 98 % of what it holds (of central budget, mobilised capital and charity) to every open
    /// province in proportion to its size, general capital earmarked for a programme on the way.
    /// </summary>
    private void NationalAllocations(DateOnly day)
    {
        var provinces = OpenProvinces(day);
        var weights = provinces.Sum(p => p.Weight);
        var funds = Ledger.FundsAt(Nation)
            .Where(k => k.Source != Sources.LocalBudget && !_quiet.Contains(k))
            .Select(k => (Key: k, Available: Ledger.Fund(k)!.AvailableVnd))
            .Where(f => f.Available >= 100 * Million)
            .ToList();
        foreach (var (key, available) in funds)
        {
            var general = key.Programme == Programme.General;
            foreach (var (code, weight) in provinces)
            {
                var programme = general ? Earmark(code, key.Source, day) : null;
                Allocate(day, Nation, code, key.Source, key.Programme, programme, available * 0.98 * weight / weights, $"KH-TD-{day.Year}-{day.Month:D2}");
            }
        }
    }

    /// <summary>
    /// From July 2025, on the first working day of each week, each province passes 85 % of each fund that holds
    /// enough for a few loans to one of its communes, where most lending now happens.
    /// </summary>
    private void CommuneAllocations(DateOnly day)
    {
        if (day < Merger || _activeCommunes.Count == 0 || !IsWorkingDay(day) || (day.DayOfWeek != DayOfWeek.Monday && day != Merger)) return;
        foreach (var (province, communes) in _activeCommunesIn)
        {
            var funds = Ledger.FundsAt(province)
                .Where(k => !_quiet.Contains(k))
                .Select(k => (Key: k, Available: Ledger.Fund(k)!.AvailableVnd))
                .Where(f => f.Available >= 4 * SmallestLoan)
                .ToList();
            foreach (var (key, available) in funds)
            {
                var commune = Pick(communes);
                var toProgramme = key.Programme == Programme.General ? Earmark(commune, key.Source, day) : null;
                Allocate(day, province, commune, key.Source, key.Programme, toProgramme, available * 0.85, $"QD-{province}-{day.Year}-{day.Month:D2}");
            }
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

    /// <summary>A few recalls a year (8 at k = 100, at least 12 at a large k): part of a province's fund back to the nation, or, from July 2025, of a commune's to its province.</summary>
    private void Recalls(DateOnly day)
    {
        if (!IsWorkingDay(day) || !Chance(Math.Clamp(8 * 100 / _k, 12, 260) / 260)) return;
        var fromCommune = day >= Merger && _activeCommunes.Count > 0 && Chance(0.5);
        var children = fromCommune ? _activeCommunes : OpenProvinces(day).Select(p => p.Code).ToList();
        // A fund of one of them that holds enough for a loan or two (at a large k few do).
        var funds = children
            .SelectMany(child => Ledger.FundsAt(child).Where(k => !_quiet.Contains(k)))
            .Select(k => (Key: k, Available: Ledger.Fund(k)!.AvailableVnd))
            .Where(f => f.Available >= 2 * SmallestLoan)
            .ToList();
        if (funds.Count == 0) return;
        var (key, available) = PickWeighted(funds, f => f.Available);
        var child = key.Locality;
        var parent = fromCommune ? Localities.Find(child)!.ParentOn(day)! : Nation;
        var command = new Recall(NextId(), child, parent, key.Source, key.Programme, Vnd(available * Between(0.05, 0.2)),
            "Credit plan revised: unused capital returned", Date(day));
        Valid(RecallEndpoint.Validate(command, User, Localities, _programmes, _clock), command);
        var (childFund, parentFund) = RecallEndpoint.Funds(command);
        Emit(Ledger.Record("/api/recalls", command, command.CommandId!.Value, day,
            Funds(childFund, parentFund), state => RecallEndpoint.Decide(command, state.Funds, day, Localities)));
    }

    // ---- The 2025 reorganisation ----

    /// <summary>
    /// The 23 merges of 1 July 2025 through the merge command, each reading every fund and loan of its closing
    /// provinces and the successor's matching funds (as <c>MergeLocalitiesEndpoint.TouchesAsync</c> reads them);
    /// each accepted merge is applied to the structure before the next is decided. A successor takes over its
    /// closing provinces' local budgets. Then the communes that lend are chosen: one in k ÷ 10 (at least two a province).
    /// </summary>
    private void ReorganiseProvinces()
    {
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
            if (merged is null) continue;
            Localities.Apply([new RecordedMerge((LocalitiesMerged)merged.Events[0].Data, merged.RecordedAt)]);
            foreach (var province in closing)
            {
                _localShare[merge.Into] = _localShare.GetValueOrDefault(merge.Into) + _localShare.GetValueOrDefault(province);
                _localNet[merge.Into] = _localNet.GetValueOrDefault(merge.Into) + _localNet.GetValueOrDefault(province);
                _localShare.Remove(province);
                _localNet.Remove(province);
            }
        }
        // Nothing recorded before the reorganisation is reversed after it: the closed provinces are frozen.
        foreach (var candidates in _candidates.Values)
        {
            foreach (var candidate in candidates) Ledger.Forget(candidate.Id);
            candidates.Clear();
        }

        SumPlansOfMergedProvinces(Merger);

        _provinces2025 = Localities.All
            .Where(l => l.Level == LocalityLevel.Province && l.IsOpenOn(Merger))
            .Select(p => (p.Code, (double)Localities.ChildrenOn(p.Code, Merger).Count()))
            .ToList();
        var share = Math.Min(1, 10 / _k);
        var active = new List<string>();
        foreach (var (province, communes) in _provinces2025)
        {
            var all = Localities.ChildrenOn(province, Merger).Select(c => c.Code).ToList();
            active.AddRange(SampleWeighted(all, _ => 1, Math.Max(2, (int)Math.Round(communes * share))));
        }
        _activeCommunes = active;
        _activeCommunesIn = active.GroupBy(c => Localities.Find(c)!.ParentOn(Merger)!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
    }

    /// <summary>The provinces open on a day, weighted by their size in communes.</summary>
    private IReadOnlyList<(string Code, double Weight)> OpenProvinces(DateOnly day) => day < Merger ? _provincesBefore2025 : _provinces2025;

    // ---- Bookkeeping ----

    /// <summary>The days whose closing figures the check compares: the published ones within the history, and its last.</summary>
    private bool IsTallyDay(DateOnly day) =>
        day >= _options.From.AddDays(-1) && (day == _options.To || PublishedFigures.Capital.Any(p => p.On == day) || PublishedFigures.LocalBudget.Any(p => p.On == day));

    private void KeepDayEnd(DateOnly day)
    {
        // Borrowers are households: one that owes several loans counts once.
        var borrowers = Ledger.Loans.Values.Where(l => l.Status == CapitalFlows.Loans.LoanStatus.Active)
            .Select(l => l.BorrowerRef).Distinct(StringComparer.Ordinal).Count();
        var overdue = _troubled.Sum(id => (double)Ledger.Loan(id)!.OverdueOn(day.AddDays(1)));
        Tally.EndOfDay(day, _localNet, borrowers, overdue);
    }

    /// <summary>Takes an accepted command into the day's output and the counts; a reversible one becomes a candidate.</summary>
    private DecidedCommand? Emit(DecidedCommand? command, Reversible? reversible = null, string? loanId = null)
    {
        if (command is null) return null;
        _today.Add(command);
        _eventsAccepted += command.Events.Count;
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
            if (e.Data is MobilisedCapitalReceived mobilised)
                _netByInstrument[mobilised.Instrument] = _netByInstrument.GetValueOrDefault(mobilised.Instrument) + mobilised.AmountVnd;
            if (e.Data is LocalBudgetToppedUp topUp)
            {
                var province = Localities.Find(topUp.Locality) is { Level: LocalityLevel.Commune } commune ? commune.ParentOn(command.EffectiveOn)! : topUp.Locality;
                _localNet[province] = _localNet.GetValueOrDefault(province) + topUp.AmountVnd;
            }
        }
        Tally.Record(command);

        // Inflows are reversed only by the corrections, which remember their own (the quiet donations).
        if (reversible is { } kind && kind != Reversible.Inflow)
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

    private static bool IsWorkingDay(DateOnly day) => day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    private static bool IsFirstWorkingDayOfMonth(DateOnly day) =>
        IsWorkingDay(day) && Enumerable.Range(1, day.Day - 1).All(d => !IsWorkingDay(new DateOnly(day.Year, day.Month, d)));

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    private static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>An amount in whole millions of đồng (at least one million).</summary>
    private static long Vnd(double amount) => Math.Max(Million, (long)(amount / Million) * Million);

    /// <summary>The day the commands being made are made on, for their ids' time (<see cref="NextId"/>).</summary>
    private DateOnly _idDay;

    /// <summary>The time, in Unix milliseconds, of the last id made.</summary>
    private long _idMilliseconds;

    /// <summary>
    /// A version 7 UUID (RFC 9562): its time is the simulated day it is made on, one millisecond further for each id
    /// made that day (never earlier than the id before), and its other bits come from the seeded generator, so that the
    /// same seed gives the same ids and ids made one after another sort one after another. The indexes they key (the
    /// command records, the loans' streams and snapshots) then grow at one end as the history is written, as a
    /// service's own version 7 ids do, rather than at a random place of the whole index for every row.
    /// </summary>
    private Guid NextId()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        var dayStart = new DateTimeOffset(_idDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();
        _idMilliseconds = Math.Max(_idMilliseconds + 1, dayStart);
        for (var i = 0; i < 6; i++) bytes[i] = (byte)(_idMilliseconds >> (8 * (5 - i)));
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x70);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
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
}
