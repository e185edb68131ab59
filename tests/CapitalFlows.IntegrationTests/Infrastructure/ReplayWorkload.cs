using System.Globalization;
using CapitalFlows.Funds;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// A seeded mixed workload for the replay tests, sent over HTTP as the bank's clients would send it: entrustments,
/// mobilisations, top-ups, charity, allocations VN → provinces → communes (earmarking general capital on the way),
/// recalls, drawdowns, repayments (some in full), reversals of every kind (an inflow, an allocation, a recall, a
/// repayment, and a drawdown after its repayments were reversed latest first), bursts of concurrent commands, and
/// a few commands the ledger must refuse, and at the end a merge of 04 into 01 followed by repayments and reversals
/// that follow the money. Effective dates run from <see cref="DaysBack"/> days ago up to today.
/// <para>
/// Every choice comes from the seed and from a model of the funds and loans that the workload keeps from its own
/// commands, so the same seed sends the same commands (same ids, bodies and dates) in the same order every run.
/// Each command's answer must be the one the model predicts; anything else fails the test showing the command.
/// </para>
/// </summary>
public sealed class ReplayWorkload : IDisposable
{
    public const long Million = 1_000_000;
    public const long Billion = 1_000 * Million;
    public const string Nation = "VN";
    public const string General = "general";

    /// <summary>How far back the first commands' effective date lies.</summary>
    public const int DaysBack = 40;

    /// <summary>The provinces the money moves through, with their communes.</summary>
    private static readonly Dictionary<string, string[]> CommunesOf = new(StringComparer.Ordinal)
    {
        ["01"] = ["00004", "00008", "00025", "00070"],
        ["79"] = ["25747", "25750", "25760"],
        ["04"] = ["01273", "01279"],
    };

    private static readonly string[] Provinces = [.. CommunesOf.Keys];

    private static readonly string[] Communes = [.. CommunesOf.Values.SelectMany(c => c)];

    /// <summary>The programmes general capital is earmarked for, and the largest loan the workload makes from each (within the programme's cap).</summary>
    private static readonly Dictionary<string, long> LoanCaps = new(StringComparer.Ordinal)
    {
        ["poor-households"] = 100 * Million,
        ["students"] = 80 * Million,
        ["job-creation"] = 400 * Million,
    };

    private static readonly string[] Earmarks = [.. LoanCaps.Keys];

    private static readonly string[] Organisations = ["womens-union", "farmers-association", "veterans-association", "youth-union"];

    private readonly ServiceFixture _service;
    private readonly Random _random;
    private readonly int _steps;
    private readonly DateOnly _today = ServiceFixture.Today;
    private readonly Dictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _available = new(StringComparer.Ordinal);
    private readonly List<Movement> _movements = [];
    private readonly List<ModelLoan> _loans = [];
    private readonly SortedDictionary<string, int> _tally = new(StringComparer.Ordinal);
    private int _step;

    public ReplayWorkload(ServiceFixture service, int seed, int steps)
    {
        _service = service;
        _random = new Random(seed);
        _steps = steps;
    }

    /// <summary>How many commands were sent.</summary>
    public int Sent { get; private set; }

    /// <summary>How many of them the ledger accepted.</summary>
    public int Accepted { get; private set; }

    /// <summary>How many of them the ledger refused, as the model predicted.</summary>
    public int Refused { get; private set; }

    /// <summary>How many commands were sent with an <c>effectiveOn</c> before today.</summary>
    public int BackDated { get; private set; }

    /// <summary>An instant halfway through the workload, with commands recorded on both sides of it.</summary>
    public DateTimeOffset Midway { get; private set; }

    /// <summary>An effective date halfway through the workload, with movements dated on both sides of it.</summary>
    public DateOnly MidwayDate { get; private set; }

    /// <summary>Accepted and refused commands by kind, e.g. "drawdown 61, reverse-inflow 4, …".</summary>
    public string Tally => string.Join(", ", _tally.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key} {t.Value}")));

    /// <summary>What the model says the ledger holds: funds plus loans outstanding.</summary>
    public long HeldVnd => _available.Values.Sum() + _loans.Where(l => !l.Reversed).Sum(l => l.OutstandingVnd);

    public async Task RunAsync(CancellationToken ct)
    {
        await SendAsync(Entrust(800 * Billion, General), ct);
        await SendAsync(Entrust(120 * Billion, "poor-households"), ct);
        await SendAsync(Mobilise(200 * Billion, General), ct);
        await SendAsync(Charity(Nation, 6 * Billion, General), ct);

        for (_step = 0; _step < _steps; _step++)
        {
            if (_step == _steps / 2)
            {
                Midway = DateTimeOffset.UtcNow;
                MidwayDate = Day();
                // Commands recorded from now on are after Midway, whatever their effective date.
                await Task.Delay(20, ct);
            }

            await NextAsync(ct);
        }

        await MergeAndFollowTheMoneyAsync(ct);
        await ExtendAndWriteOffAsync(ct);
        await PlanTheYearAsync(ct);
    }

    /// <summary>
    /// The epilogue, dated today (issue 12): an extension, one past the limit (refused), an extension reversed, a
    /// partial write-off, a write-off above what is outstanding (refused), and a write-off reversed, on four active loans.
    /// </summary>
    private async Task ExtendAndWriteOffAsync(CancellationToken ct)
    {
        var loans = _loans.Where(l => l.Active).OrderBy(l => l.Id).Take(4).ToList();
        if (loans.Count < 4) return;
        var (extended, undone, halved, whole) = (loans[0], loans[1], loans[2], loans[3]);

        await SendAsync(Extend(extended, 6), ct);
        await SendAsync(Refuse(Kind.Extension, Finance, $"/api/loans/{extended.Id}/extensions",
            Body(NextGuid(), ("months", 1000), ("reason", "Past the limit")), 409, "/problems/extension-limit"), ct);
        var extension = Extend(undone, 3);
        await SendAsync(extension, ct);
        await SendAsync(Reverse(extension.Movement), ct);

        await SendAsync(WriteOff(halved, halved.OutstandingVnd / 2), ct);
        await SendAsync(Refuse(Kind.WriteOff, Finance, $"/api/loans/{halved.Id}/write-offs",
            Body(NextGuid(), ("amountVnd", halved.OutstandingVnd + 1), ("cause", "other"), ("decisionRef", "QĐ replay")), 409,
            "/problems/write-off-exceeds-outstanding"), ct);
        var writeOff = WriteOff(whole, whole.OutstandingVnd);
        await SendAsync(writeOff, ct);
        await SendAsync(Reverse(writeOff.Movement), ct);
    }

    private Command Extend(ModelLoan loan, int months)
    {
        var movement = Accept(Kind.Extension, []);
        movement.Loan = loan;
        return new Command(movement, Finance, $"/api/loans/{loan.Id}/extensions", Body(movement.Id, ("months", months), ("reason", "Flood damage")));
    }

    private Command WriteOff(ModelLoan loan, long amountVnd)
    {
        var movement = Accept(Kind.WriteOff, []);
        movement.Loan = loan;
        movement.AmountVnd = amountVnd;
        loan.WrittenOffVnd += amountVnd;
        return new Command(movement, Finance, $"/api/loans/{loan.Id}/write-offs",
            Body(movement.Id, ("amountVnd", amountVnd), ("cause", Pick(["death", "natural-disaster", "epidemic"])), ("decisionRef", "QĐ replay")));
    }

    /// <summary>
    /// Credit plans and a local capital plan for this year (no money moves): the nation's, 01's and two of its
    /// communes', one adjusted, and a commune's plan above what 01 leaves refused (plan-exceeds-parent).
    /// </summary>
    private async Task PlanTheYearAsync(CancellationToken ct)
    {
        var year = _today.Year;
        Command Plan(string locality, long outstandingVnd, long disbursementVnd, int? status = null) =>
            new(new Movement(NextGuid(), Kind.Plan, []), Finance, "/api/credit-plans", Body(Guid.Empty,
                ("year", year), ("locality", locality), ("programme", "poor-households"),
                ("outstandingTargetVnd", outstandingVnd), ("disbursementTargetVnd", disbursementVnd), ("decisionRef", "QĐ-KH replay")))
            {
                RefusalStatus = status,
                RefusalType = status is null ? null : "/problems/plan-exceeds-parent",
            };

        var (first, second) = (CommunesOf["01"][0], CommunesOf["01"][1]);
        foreach (var command in new[]
        {
            Plan(Nation, 900 * Billion, 300 * Billion), Plan("01", 100 * Billion, 40 * Billion), Plan(first, 60 * Billion, 20 * Billion),
            Plan(second, 40 * Billion + 1, 20 * Billion, status: 409), Plan("01", 120 * Billion, 40 * Billion), Plan(second, 40 * Billion, 20 * Billion),
        })
        {
            command.Body["commandId"] = command.Movement.Id.ToString();
            await SendAsync(command, ct);
        }
        var local = new Movement(NextGuid(), Kind.Plan, []);
        await SendAsync(new Command(local, Finance, "/api/local-capital-plans", Body(local.Id,
            ("year", year), ("locality", "01"), ("amountVnd", 5 * Billion), ("decisionRef", "NQ-HĐND replay"))), ct);
    }

    /// <summary>
    /// The last act, dated today: 04 merges into 01, so every fund and loan of 04 moves to 01; then repayments of
    /// loans drawn in 04 go to 01's funds, and reversals of 04's movements take the money back from 01's.
    /// </summary>
    private async Task MergeAndFollowTheMoneyAsync(CancellationToken ct)
    {
        const string merged = "04";
        const string into = "01";
        string Follow(string fund) =>
            FundKey.Parse(fund) is { } key && key.Locality == merged ? (key with { Locality = into }).StreamKey : fund;

        var moved = _available.Keys.Where(k => FundKey.Parse(k).Locality == merged).ToList();
        var movementsOfMerged = _movements.Where(m => m.Effects.Any(e => FundKey.Parse(e.Fund).Locality == merged)).ToHashSet();
        foreach (var fund in moved)
        {
            _available[Follow(fund)] = _available.GetValueOrDefault(Follow(fund)) + _available[fund];
            _available.Remove(fund);
        }
        foreach (var movement in _movements)
            for (var i = 0; i < movement.Effects.Length; i++)
                movement.Effects[i] = (Follow(movement.Effects[i].Fund), movement.Effects[i].DeltaVnd);
        var movedLoans = _loans.Where(l => l.Fund.Locality == merged).ToList();
        foreach (var loan in movedLoans) loan.Fund = FundKey.Parse(Follow(loan.Fund.StreamKey));

        var merge = new Movement(NextGuid(), Kind.Merge, []);
        _movements.Add(merge);
        await SendAsync(new Command(merge, Finance, "/api/localities/merges", Body(merge.Id,
            ("merged", new[] { merged, into }), ("into", into), ("effectiveOn", _today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)))), ct);

        // Sent by central finance: a branch officer of 04 has no province any more.
        foreach (var loan in movedLoans.Where(l => l.Active).Take(3))
            await SendAsync(Repay(which: l => l == loan)! with { Client = Finance }, ct);
        for (var i = 0; i < 3; i++)
            await SendAsync(ReverseOne(m => m.Kind is Kind.Allocation or Kind.TopUp or Kind.Charity && movementsOfMerged.Contains(m)), ct);
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
        _clients.Clear();
    }

    /// <summary>The next step: one command, a chain of reversals, a burst of concurrent commands, or a refusal.</summary>
    private async Task NextAsync(CancellationToken ct)
    {
        var roll = _random.Next(100);
        var done = roll switch
        {
            < 4 => await SendAsync(Entrust(_random.Next(5, 60) * Billion, Pick([General, General, "poor-households", "students"])), ct),
            < 7 => await SendAsync(Mobilise(_random.Next(5, 40) * Billion, Pick([General, "job-creation"])), ct),
            < 11 => await SendAsync(TopUp(), ct),
            < 15 => await SendAsync(Charity(), ct),
            < 26 => await SendAsync(AllocateDown(fromNation: true), ct),
            < 40 => await SendAsync(AllocateDown(fromNation: false), ct),
            < 45 => await SendAsync(RecallUp(), ct),
            < 62 => await SendAsync(DrawDown(), ct),
            < 75 => await SendAsync(Repay(), ct),
            < 78 => await SendAsync(ReverseOne(m => m.Kind is Kind.Entrustment or Kind.Mobilisation or Kind.TopUp or Kind.Charity), ct),
            < 81 => await SendAsync(ReverseOne(m => m.Kind == Kind.Allocation), ct),
            < 82 => await SendAsync(ReverseOne(m => m.Kind == Kind.Recall), ct),
            < 84 => await SendAsync(ReverseOne(m => m.Kind == Kind.Repayment && m.Loan!.LatestRepayment == m), ct),
            < 88 => await ReverseALoanAsync(ct),
            < 95 => await BurstAsync(ct),
            _ => await SendAsync(Refusal(), ct),
        };
        if (!done) await SendAsync(AllocateDown(fromNation: true) ?? Entrust(_random.Next(5, 60) * Billion, General), ct);
    }

    // ---- Inflows -------------------------------------------------------------------------------------------

    private Command Entrust(long amountVnd, string programme) =>
        Inflow(Kind.Entrustment, Finance, "/api/capital/central-entrustments", new FundKey(Nation, Sources.CentralBudget, programme), amountVnd,
            ("programme", programme), ("decisionRef", "QĐ-TTg replay"));

    private Command Mobilise(long amountVnd, string programme) =>
        Inflow(Kind.Mobilisation, Finance, "/api/capital/mobilisations", new FundKey(Nation, Sources.Mobilised, programme), amountVnd,
            ("programme", programme), ("instrument", Pick(["deposits", "bonds", "oda", "other"])), ("reference", $"MOB-{_step}"));

    private Command TopUp()
    {
        var province = Pick(Provinces);
        var locality = _random.Next(3) == 0 ? Pick(CommunesOf[province]) : province;
        var programme = Pick([General, .. Earmarks]);
        return Inflow(Kind.TopUp, Client(Roles.PeopleCommittee, province), "/api/capital/local-budget-top-ups",
            new FundKey(locality, Sources.LocalBudget, programme), _random.Next(100, 3_000) * Million,
            ("locality", locality), ("programme", programme), ("decisionRef", "NQ-HĐND replay"));
    }

    private Command Charity()
    {
        var province = Pick(Provinces);
        var locality = _random.Next(3) == 0 ? Pick(CommunesOf[province]) : province;
        var programme = Pick([General, "poor-households"]);
        return Charity(locality, _random.Next(50, 2_000) * Million, programme);
    }

    private Command Charity(string locality, long amountVnd, string programme) =>
        Inflow(Kind.Charity, locality == Nation ? Finance : Client(Roles.BranchOfficer, ProvinceOf(locality)), "/api/capital/charity-donations",
            new FundKey(locality, Sources.Charity, programme), amountVnd,
            ("locality", locality), ("programme", programme), ("donor", "Quỹ Vì người nghèo"), ("campaign", "Replay"));

    private Command Inflow(Kind kind, HttpClient client, string url, FundKey fund, long amountVnd, params (string, object?)[] fields)
    {
        var movement = Accept(kind, [(fund.StreamKey, amountVnd)]);
        return new Command(movement, client, url, Body(movement.Id, [("amountVnd", amountVnd), .. fields]));
    }

    // ---- Allocations and recalls ---------------------------------------------------------------------------

    /// <summary>An allocation from VN to a province, or from a province to one of its communes, of part of a fund with money in it.</summary>
    private Command? AllocateDown(bool fromNation)
    {
        var candidates = Funds(f => fromNation ? f.Locality == Nation : CommunesOf.ContainsKey(f.Locality), 20 * Million);
        if (candidates.Count == 0) return null;
        var from = Pick(candidates);
        var to = fromNation ? Pick(Provinces) : Pick(CommunesOf[from.Locality]);
        var toProgramme = from.Programme == General && _random.Next(3) > 0 ? Pick(Earmarks) : null;
        var amountVnd = Part(_available[from.StreamKey], 5, 35);
        var target = new FundKey(to, from.Source, toProgramme ?? from.Programme);
        var client = fromNation || _random.Next(4) == 0 ? Finance : Client(Roles.BranchOfficer, from.Locality);
        var movement = Accept(Kind.Allocation, [(from.StreamKey, -amountVnd), (target.StreamKey, amountVnd)]);
        return new Command(movement, client, "/api/allocations", Body(movement.Id,
            ("from", from.Locality), ("to", to), ("source", from.Source), ("programme", from.Programme), ("toProgramme", toProgramme),
            ("amountVnd", amountVnd), ("decisionRef", "QĐ replay")));
    }

    /// <summary>A recall of part of a province's or a commune's fund back to its parent (same source and programme).</summary>
    private Command? RecallUp()
    {
        var candidates = Funds(f => f.Locality != Nation && !(f.Source == Sources.LocalBudget && CommunesOf.ContainsKey(f.Locality)), 10 * Million);
        if (candidates.Count == 0) return null;
        var child = Pick(candidates);
        var parent = ParentOf(child.Locality);
        var amountVnd = Part(_available[child.StreamKey], 10, 50);
        var target = child with { Locality = parent };
        var client = parent == Nation ? Finance : Client(Roles.BranchOfficer, parent);
        var movement = Accept(Kind.Recall, [(child.StreamKey, -amountVnd), (target.StreamKey, amountVnd)]);
        return new Command(movement, client, "/api/recalls", Body(movement.Id,
            ("from", child.Locality), ("to", parent), ("source", child.Source), ("programme", child.Programme),
            ("amountVnd", amountVnd), ("reason", "Unused capital recalled")));
    }

    // ---- Lending -------------------------------------------------------------------------------------------

    /// <summary>A drawdown from an earmarked fund of a province or commune, within the programme's cap and the fund.</summary>
    private Command? DrawDown(HashSet<string>? exclude = null)
    {
        var candidates = Funds(f => f.Locality != Nation && f.Programme != General && exclude?.Contains(f.StreamKey) != true, 10 * Million);
        if (candidates.Count == 0) return null;
        var fund = Pick(candidates);
        var amountVnd = Math.Max(Million, Math.Min(LoanCaps[fund.Programme], _available[fund.StreamKey]) * _random.Next(10, 90) / 100 / Million * Million);
        var loanId = NextGuid();
        var movement = Accept(Kind.Drawdown, [(fund.StreamKey, -amountVnd)]);
        var loan = new ModelLoan(loanId, fund, amountVnd, movement);
        movement.Loan = loan;
        _loans.Add(loan);
        return new Command(movement, Client(Roles.BranchOfficer, ProvinceOf(fund.Locality)), "/api/loans", Body(movement.Id,
            ("loanId", loanId), ("locality", fund.Locality), ("source", fund.Source), ("programme", fund.Programme), ("amountVnd", amountVnd),
            ("borrowerRef", $"HH-{_step:D4}-{_loans.Count:D3}"), ("entrustedOrganisation", Pick(Organisations)),
            ("savingsGroup", _random.Next(2) == 0 ? null : $"TK-{_random.Next(1, 40):D2}"), ("termMonths", Pick([12, 24, 36, 60]))), Created: true);
    }

    /// <summary>A repayment of an active loan: in full about a third of the time, otherwise part of what is outstanding.</summary>
    private Command? Repay(HashSet<Guid>? busy = null, HashSet<string>? drawnFrom = null, Func<ModelLoan, bool>? which = null)
    {
        var candidates = _loans
            .Where(l => l.Active && busy?.Contains(l.Id) != true && drawnFrom?.Contains(l.Fund.StreamKey) != true && which?.Invoke(l) != false)
            .ToList();
        if (candidates.Count == 0) return null;
        var loan = Pick(candidates);
        var outstanding = loan.PrincipalVnd - loan.RepaidVnd;
        var amountVnd = _random.Next(3) == 0 || outstanding <= 2 * Million ? outstanding : Math.Max(Million, Part(outstanding, 10, 60));
        var movement = Accept(Kind.Repayment, [(loan.Fund.StreamKey, amountVnd)]);
        movement.Loan = loan;
        movement.AmountVnd = amountVnd;
        loan.Repayments.Add(movement);
        return new Command(movement, Client(Roles.BranchOfficer, ProvinceOf(loan.Fund.Locality)), $"/api/loans/{loan.Id}/repayments",
            Body(movement.Id, ("amountVnd", amountVnd)));
    }

    // ---- Reversals -----------------------------------------------------------------------------------------

    /// <summary>A reversal of one movement that may be reversed and whose compensation leaves no fund below zero.</summary>
    private Command? ReverseOne(Func<Movement, bool> which)
    {
        var candidates = _movements.Where(m => m.Reversible && which(m) && Covered(m)).ToList();
        return candidates.Count == 0 ? null : Reverse(Pick(candidates));
    }

    /// <summary>
    /// A loan with repayments taken back: reversing its drawdown first is refused (not reversible), and so is
    /// reversing an earlier repayment before the latest; then its repayments are reversed latest first and the
    /// drawdown last.
    /// </summary>
    private async Task<bool> ReverseALoanAsync(CancellationToken ct)
    {
        var loan = _loans
            .Where(l => !l.Reversed && l.Repayments.Count > 0 && l.Repayments.Sum(r => r.AmountVnd) <= _available[l.Fund.StreamKey])
            .OrderBy(l => l.Repayments.Count)
            .LastOrDefault();
        if (loan is null) return false;

        await SendAsync(Refuse(Kind.NotReversible, Finance, "/api/reversals", ReversalBody(NextGuid(), loan.Drawdown.Id), 409, "/problems/not-reversible"), ct);
        if (loan.Repayments.Count > 1)
            await SendAsync(Refuse(Kind.NotReversible, Finance, "/api/reversals", ReversalBody(NextGuid(), loan.Repayments[0].Id), 409, "/problems/not-reversible"), ct);
        while (loan.LatestRepayment is { } latest)
            await SendAsync(Reverse(latest), ct);
        await SendAsync(Reverse(loan.Drawdown), ct);
        return true;
    }

    private Command Reverse(Movement original)
    {
        var movement = Accept(Kind.Reversal, [.. original.Effects.Select(e => (e.Fund, -e.DeltaVnd))]);
        original.ReversedBy = movement;
        Note($"reverse-{original.Kind.ToString().ToLowerInvariant()}");
        switch (original.Kind)
        {
            case Kind.Repayment:
                original.Loan!.Repayments.Remove(original);
                break;
            case Kind.Drawdown:
                original.Loan!.Reversed = true;
                break;
            case Kind.WriteOff:
                original.Loan!.WrittenOffVnd -= original.AmountVnd;
                break;
        }

        return new Command(movement, Finance, "/api/reversals", ReversalBody(movement.Id, original.Id));
    }

    private Dictionary<string, object> ReversalBody(Guid commandId, Guid reversedCommandId) =>
        Body(commandId, ("reversedCommandId", reversedCommandId), ("reason", "Entered in error"));

    /// <summary>The compensation of a movement leaves every fund it touches at zero or above.</summary>
    private bool Covered(Movement movement) => movement.Effects.All(e => _available[e.Fund] - e.DeltaVnd >= 0);

    // ---- Refusals and bursts ---------------------------------------------------------------------------------

    /// <summary>A command the ledger must refuse, appending nothing: an allocation beyond the fund, or reversing a reversal.</summary>
    private Command Refusal()
    {
        var reversal = _movements.Where(m => m.Kind == Kind.Reversal).ToList();
        if (reversal.Count > 0 && _random.Next(2) == 0)
            return Refuse(Kind.NotReversible, Finance, "/api/reversals", ReversalBody(NextGuid(), Pick(reversal).Id), 409, "/problems/not-reversible");
        var from = new FundKey(Nation, Sources.CentralBudget, General);
        return Refuse(Kind.InsufficientFunds, Finance, "/api/allocations", Body(NextGuid(),
            ("from", Nation), ("to", Pick(Provinces)), ("source", from.Source), ("programme", from.Programme),
            ("amountVnd", _available.GetValueOrDefault(from.StreamKey) + Million)), 409, "/problems/insufficient-funds");
    }

    /// <summary>
    /// Several commands at once, each covered whatever order the ledger takes them in: drawdowns (some from the same
    /// fund, so they queue on its lock) and repayments of distinct loans, never of a loan drawn in the same burst, and
    /// no drawdown from a fund that a repayment of the burst pays into.
    /// </summary>
    private async Task<bool> BurstAsync(CancellationToken ct)
    {
        var commands = new List<Command>();
        var credited = new HashSet<string>(StringComparer.Ordinal);
        var drawnFrom = new HashSet<string>(StringComparer.Ordinal);
        var busy = new HashSet<Guid>();
        for (var i = _random.Next(4, 9); i > 0; i--)
        {
            var command = _random.Next(2) == 0 ? DrawDown(credited) : Repay(busy, drawnFrom);
            if (command is null) continue;
            commands.Add(command);
            busy.Add(command.Movement.Loan!.Id);
            var fund = command.Movement.Effects[0].Fund;
            (command.Movement.Kind == Kind.Drawdown ? drawnFrom : credited).Add(fund);
        }

        if (commands.Count == 0) return false;
        Note("burst");
        var answers = await Task.WhenAll(commands.Select(c => PostAsync(c, ct)));
        for (var i = 0; i < commands.Count; i++) Check(commands[i], answers[i]);
        return true;
    }

    // ---- Sending and checking ------------------------------------------------------------------------------

    private async Task<bool> SendAsync(Command? command, CancellationToken ct)
    {
        if (command is null) return false;
        Check(command, await PostAsync(command, ct));
        return true;
    }

    private static async Task<Answer> PostAsync(Command command, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return await command.Client.PostJsonAsync(command.Url, command.Body);
    }

    private void Check(Command command, Answer answer)
    {
        Sent++;
        var expected = command.RefusalStatus ?? (command.Created ? 201 : 200);
        if (answer.Status != expected || (command.RefusalType is { } type && answer.ProblemType != type))
            Assert.Fail($"Step {_step}: POST {command.Url} {System.Text.Json.JsonSerializer.Serialize(command.Body)} "
                + $"expected {expected} {command.RefusalType}, got {answer}");
        if (command.RefusalStatus is null)
        {
            Accepted++;
            Note(command.Movement.Kind.ToString().ToLowerInvariant());
        }
        else
        {
            Refused++;
            Note($"refused-{command.Movement.Kind.ToString().ToLowerInvariant()}");
        }
    }

    /// <summary>A movement the model expects the ledger to accept: its effects on the funds apply at once.</summary>
    private Movement Accept(Kind kind, (string Fund, long DeltaVnd)[] effects)
    {
        var movement = new Movement(NextGuid(), kind, effects);
        foreach (var (fund, delta) in effects)
        {
            var after = _available.GetValueOrDefault(fund) + delta;
            if (after < 0) throw new InvalidOperationException($"The workload's model took {fund} below zero at step {_step}.");
            _available[fund] = after;
        }

        _movements.Add(movement);
        return movement;
    }

    private static Command Refuse(Kind kind, HttpClient client, string url, Dictionary<string, object> body, int status, string type) =>
        new(new Movement(Guid.Parse((string)body["commandId"]), kind, []), client, url, body) { RefusalStatus = status, RefusalType = type };

    /// <summary>The body of a command: its id, the effective date of this step (omitted when it is today), and the fields that are not null.</summary>
    private Dictionary<string, object> Body(Guid commandId, params (string Name, object? Value)[] fields)
    {
        var body = new Dictionary<string, object>(StringComparer.Ordinal) { ["commandId"] = commandId.ToString() };
        foreach (var (name, value) in fields)
            if (value is not null) body[name] = value;
        if (Day() < _today)
        {
            body["effectiveOn"] = Day().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            BackDated++;
        }

        return body;
    }

    /// <summary>
    /// The effective date of the current step: never earlier than the step before, so no fund's dates go backwards. It
    /// reaches today at about five sixths of the steps; the rest are sent without <c>effectiveOn</c> (today).
    /// </summary>
    private DateOnly Day()
    {
        var reachToday = Math.Max(1, _steps * 5 / 6);
        return _today.AddDays(-DaysBack + Math.Min(DaysBack, DaysBack * _step / reachToday));
    }

    private List<FundKey> Funds(Func<FundKey, bool> where, long atLeastVnd) =>
        [.. _available.Where(f => f.Value >= atLeastVnd).Select(f => FundKey.Parse(f.Key)).Where(where).OrderBy(f => f.StreamKey, StringComparer.Ordinal)];

    /// <summary>Between <paramref name="minPercent"/> and <paramref name="maxPercent"/> percent of an amount, in whole millions, at least one million.</summary>
    private long Part(long amountVnd, int minPercent, int maxPercent) =>
        Math.Max(Million, amountVnd / 100 * _random.Next(minPercent, maxPercent + 1) / Million * Million);

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private Guid NextGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private void Note(string kind) => _tally[kind] = _tally.GetValueOrDefault(kind) + 1;

    private HttpClient Finance => Client(Roles.CentralFinance, null);

    private HttpClient Client(string role, string? locality)
    {
        var key = $"{role}@{locality}";
        if (!_clients.TryGetValue(key, out var client))
            _clients[key] = client = _service.Client(role, locality);
        return client;
    }

    private static string ProvinceOf(string locality) =>
        CommunesOf.ContainsKey(locality) ? locality : CommunesOf.Single(p => p.Value.Contains(locality, StringComparer.Ordinal)).Key;

    private static string ParentOf(string locality) => CommunesOf.ContainsKey(locality) ? Nation : ProvinceOf(locality);

    private enum Kind
    {
        Entrustment,
        Mobilisation,
        TopUp,
        Charity,
        Allocation,
        Recall,
        Drawdown,
        Repayment,
        Reversal,
        NotReversible,
        InsufficientFunds,
        Merge,
        Plan,
        Extension,
        WriteOff,
    }

    /// <summary>One command: what it moves in the model, who sends it where, and the answer expected.</summary>
    private sealed record Command(Movement Movement, HttpClient Client, string Url, Dictionary<string, object> Body, bool Created = false)
    {
        public int? RefusalStatus { get; init; }

        public string? RefusalType { get; init; }
    }

    /// <summary>An accepted movement as the model knows it: its effect on each fund's available capital.</summary>
    private sealed class Movement(Guid id, Kind kind, (string Fund, long DeltaVnd)[] effects)
    {
        public Guid Id { get; } = id;

        public Kind Kind { get; } = kind;

        public (string Fund, long DeltaVnd)[] Effects { get; } = effects;

        public ModelLoan? Loan { get; set; }

        public long AmountVnd { get; set; }

        public Movement? ReversedBy { get; set; }

        /// <summary>Not a reversal, not reversed yet; a drawdown only without standing repayments, a repayment only the latest.</summary>
        public bool Reversible => Kind is not (Kind.Reversal or Kind.NotReversible or Kind.InsufficientFunds or Kind.Merge) && ReversedBy is null
            && (Kind != Kind.Drawdown || Loan!.Repayments.Count == 0)
            && (Kind != Kind.Repayment || Loan!.LatestRepayment == this);
    }

    private sealed class ModelLoan(Guid id, FundKey fund, long principalVnd, Movement drawdown)
    {
        public Guid Id { get; } = id;

        /// <summary>The fund the loan repays into: the one it was drawn from, or its successor's after a merge.</summary>
        public FundKey Fund { get; set; } = fund;

        public long PrincipalVnd { get; } = principalVnd;

        public Movement Drawdown { get; } = drawdown;

        /// <summary>The repayments that stand, oldest first.</summary>
        public List<Movement> Repayments { get; } = [];

        public long RepaidVnd => Repayments.Sum(r => r.AmountVnd);

        public long WrittenOffVnd { get; set; }

        public long OutstandingVnd => PrincipalVnd - RepaidVnd - WrittenOffVnd;

        public bool Reversed { get; set; }

        public bool Active => !Reversed && OutstandingVnd > 0;

        public Movement? LatestRepayment => Repayments.Count == 0 ? null : Repayments[^1];
    }
}
