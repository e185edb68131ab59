using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Loans.DrawingDown;
using CapitalFlows.Loans.Extending;
using CapitalFlows.Loans.Repaying;
using CapitalFlows.Loans.WritingOff;
using CapitalFlows.Programmes;

namespace CapitalFlows.Demo;

/// <summary>
/// How the demo history lends: loans outstanding held at <see cref="PublishedFigures.Utilisation"/> of capital
/// (each day's drawdowns make up what repayments returned and what new capital arrived), loans at the year's
/// published average size, drawn from the funds that hold capital; each instalment repaid on its due date unless
/// the borrower misses it (as often as keeps overdue near <see cref="PublishedFigures.OverdueRatio"/>); a missed
/// instalment is settled at the next due date: caught up, or the loan extended, or the overdue part written off.
/// </summary>
public sealed partial class DemoHistory
{
    private const long SmallestLoan = 5 * Million;

    /// <summary>Loans by the date their next instalment falls due (or a missed one is next looked at).</summary>
    private readonly PriorityQueue<string, DateOnly> _dues = new();

    /// <summary>Loans with a missed instalment not yet settled.</summary>
    private readonly HashSet<string> _troubled = new(StringComparer.Ordinal);

    /// <summary>Principals from the profiles times this are the year's published average (the opening year's: the opening book's).</summary>
    private readonly Func<DateOnly, double> _principalScale;

    private (DateOnly Day, double Ratio) _overdueToday = (DateOnly.MinValue, 0);

    /// <summary>
    /// What principals are multiplied by besides <see cref="_principalScale"/>, steered so that the new loans of the
    /// last two months or so average the year's published size (funds short of a loan and the programmes' caps
    /// make the drawn loans smaller than the profiles alone). Above k = 1,000 it never rises above 1: there a fund
    /// holds too little for loans of the real size, and asking for more would only lend less (and at provinces,
    /// whose funds are larger, rather than at communes).
    /// </summary>
    private double _sizeCorrection = 1;

    /// <summary>The money and count of new loans lately (each day's weighing <see cref="RecentDecay"/> of the day before's).</summary>
    private (double Vnd, double Loans) _recentLending;

    private const double RecentDecay = 0.97;


    private static readonly string[] ExtensionReasons =
        ["Borrower affected by natural disaster", "Crop failure: borrower cannot repay on time", "Borrower ill: repayment rescheduled"];

    private static readonly string[] WriteOffCauses = ["death", "natural-disaster", "epidemic", "other"];

    /// <summary>The loans outstanding the history aims at on a day: 96.5 % of capital, built up through the opening year.</summary>
    private double TargetOutstanding(DateOnly day)
    {
        var capital = PublishedFigures.CapitalOn(Min(day, _options.From)) / _k;
        if (day >= _options.From) return PublishedFigures.Utilisation * PublishedFigures.CapitalOn(day) / _k;
        var built = (day.DayNumber - _start.DayNumber + 1) / (double)(_options.From.DayNumber - _start.DayNumber);
        return PublishedFigures.Utilisation * capital * built;
    }

    /// <summary>The day's drawdowns: as much as brings loans outstanding to the day's target (none on Sundays).</summary>
    private void Drawdowns(DateOnly day)
    {
        if (day.DayOfWeek == DayOfWeek.Sunday) return;
        var budget = TargetOutstanding(day) - Ledger.Funds.Values.Sum(f => (double)f.LoansOutstandingVnd);
        if (budget < SmallestLoan) return;

        // The funds that can lend today, drawn in proportion to what they hold, a programme's by how often it lends.
        var open = new Dictionary<string, bool>(StringComparer.Ordinal);
        var pool = new List<(FundKey Key, ProgrammeRules Rules)>();
        var weights = new List<double>();
        foreach (var fund in Ledger.Funds.Values)
        {
            if (fund.AvailableVnd < SmallestLoan || fund.Locality == Nation || fund.Programme == Programme.General) continue;
            var key = new FundKey(fund.Locality, fund.Source, fund.Programme);
            if (_quiet.Contains(key) || !_profileOf.TryGetValue(fund.Programme, out var profile)) continue;
            if (!open.TryGetValue(fund.Locality, out var isOpen))
                open[fund.Locality] = isOpen = Localities.Find(fund.Locality)?.IsOpenOn(day) == true;
            if (!isOpen || _programmes.Find(fund.Programme)?.RulesOn(day) is not { } rules) continue;
            pool.Add((key, rules));
            // After the reorganisation most loans are drawn at communes: a province lends when its communes cannot.
            var level = day >= Merger && fund.Locality.Length == 2 ? 0.2 : 1;
            weights.Add(fund.AvailableVnd * profile.CountWeight / profile.MoneyWeight * level);
        }
        if (pool.Count == 0) return;
        var cumulative = new double[pool.Count];
        for (var i = 0; i < pool.Count; i++) cumulative[i] = (i == 0 ? 0 : cumulative[i - 1]) + weights[i];

        // Until the budget is spent, or 200 funds in a row could not lend: the rest waits for tomorrow.
        for (var misses = 0; budget >= SmallestLoan && misses < 200; misses++)
        {
            var at = Array.BinarySearch(cumulative, _random.NextDouble() * cumulative[^1]);
            var (key, rules) = pool[Math.Min(pool.Count - 1, at < 0 ? ~at : at)];
            var available = Ledger.Fund(key)!.AvailableVnd;
            if (available < SmallestLoan) continue;
            var profile = _profileOf[key.Programme];
            var wanted = Math.Min(rules.MaxLoanVnd, (long)(profile.Principal(_random, rules.MaxLoanVnd) * _principalScale(day) * _sizeCorrection) / Million * Million);
            // A fund with less than half the loan left waits for repayments to come back to it.
            if (available < wanted / 2) continue;
            var principal = Math.Min(wanted, available);
            if (principal < SmallestLoan) continue;
            var opening = day < _options.From;
            // The opening book is of every vintage: it falls due over three to six years, repaying a fifth or so of
            // itself a year, as the published repayments ÷ disbursement imply.
            var term = Math.Min(opening ? Pick([36, 48, 60, 60, 72]) : profile.Term(_random), rules.MaxTermMonths);
            var interval = opening ? 12 : _random.NextDouble() < 0.1 ? 6 : 12;
            if (!DrawDown(day, key, principal, term, Math.Min(interval, term))) continue;
            budget -= principal;
            misses = -1;
            if (!opening) _recentLending = (_recentLending.Vnd + principal, _recentLending.Loans + 1);
        }
        if (day >= _options.From) SteerLoanSize(day);
    }

    /// <summary>
    /// Moves <see cref="_sizeCorrection"/> a little towards what brings the recent new loans to the year's published
    /// average size (at most 2 % a day), then lets the recent lending fade by a day.
    /// </summary>
    private void SteerLoanSize(DateOnly day)
    {
        if (_recentLending.Loans >= 20)
        {
            var ratio = PublishedFigures.AverageNewLoan(day.Year) / (_recentLending.Vnd / _recentLending.Loans);
            _sizeCorrection = Math.Clamp(_sizeCorrection * Math.Clamp(Math.Pow(ratio, 0.2), 0.98, 1.02), 0.67, _k <= 1_000 ? 1.5 : 1);
        }
        _recentLending = (_recentLending.Vnd * RecentDecay, _recentLending.Loans * RecentDecay);
    }

    /// <summary>One loan from a fund through an entrusted organisation in the published proportions.</summary>
    private bool DrawDown(DateOnly day, FundKey fund, long principal, int term, int interval)
    {
        var locality = fund.Locality;
        var organisation = PickWeighted(PublishedFigures.Organisations, o => o.Weight).Organisation;
        var savingsGroup = Chance(0.9) ? $"TTK-{locality}-{_random.Next(1, 41):D3}" : null;
        var borrower = Household(day, locality);
        var id = NextId();
        var command = new DrawDownLoan(id, null, locality, fund.Source, fund.Programme, principal, borrower, organisation, savingsGroup, term, Date(day))
        {
            RepaymentEveryMonths = interval,
        };
        Valid(DrawDownLoanEndpoint.Validate(command, User, Localities, _programmes, _clock), command);
        var drawn = Emit(Ledger.Record("/api/loans", command, id, day,
            new Touches([DrawDownLoanEndpoint.Fund(command)], [id.ToString()], []),
            state => DrawDownLoanEndpoint.Decide(command, id, state, day, Localities), StatusCodes.Status201Created), Reversible.Drawdown, id.ToString());
        if (drawn is null) return false;
        var loan = Ledger.Loan(id.ToString())!;
        _dues.Enqueue(loan.Id, loan.Schedule[0].DueOn);
        Borrowed(loan.Id, borrower);
        return true;
    }

    /// <summary>
    /// The loans with an instalment due today: paid (now and then the whole loan early), missed, or, for a loan that
    /// missed one before, settled three months later (or at its next due date if sooner) by catching up (67 %), an
    /// extension of 12 months (26 %, within the extension limit) or a write-off of what is overdue (the rest).
    /// </summary>
    private void Repayments(DateOnly day)
    {
        while (_dues.TryPeek(out var loanId, out var due) && due <= day)
        {
            _dues.Dequeue();
            if (Ledger.Loan(loanId) is not { Status: LoanStatus.Active } loan)
            {
                Closed(loanId);
                continue;
            }
            var dueNow = loan.Schedule.Where(i => i.DueOn <= day).Sum(i => i.UnpaidVnd);
            if (_troubled.Remove(loanId))
            {
                var settle = _random.NextDouble();
                if (settle < 0.67) Repay(day, loan, dueNow);
                else if (settle < 0.93 && loan.ExtendedMonths + 12 <= loan.TermMonths) Extend(day, loan, 12);
                else
                {
                    var overdue = loan.Schedule.Where(i => i.DueOn < day).Sum(i => i.UnpaidVnd);
                    WriteOff(day, loan, overdue > 0 ? overdue : dueNow);
                    if (Ledger.Loan(loanId) is { Status: LoanStatus.Active } after)
                        Repay(day, after, after.Schedule.Where(i => i.DueOn <= day).Sum(i => i.UnpaidVnd));
                }
            }
            else if (dueNow > 0 && day >= _options.From && MissesInstalment(day)) _troubled.Add(loanId);
            else if (dueNow > 0) Repay(day, loan, Chance(0.02) ? loan.OutstandingVnd : dueNow);

            if (Ledger.Loan(loanId) is not { Status: LoanStatus.Active } now)
            {
                Closed(loanId);
                continue;
            }
            var next = now.Schedule.Where(i => i.UnpaidVnd > 0 && i.DueOn > day).Select(i => (DateOnly?)i.DueOn).FirstOrDefault();
            if (_troubled.Contains(loanId) && (next is null || next > day.AddMonths(3))) next = day.AddMonths(3);
            if (next is { } on) _dues.Enqueue(loanId, on);
        }
    }

    /// <summary>
    /// Whether a borrower misses today's instalment: the further overdue is below its published ratio of
    /// outstanding, the likelier (at most 60 %), never when it is above it.
    /// </summary>
    private bool MissesInstalment(DateOnly day)
    {
        if (_overdueToday.Day != day)
        {
            var overdue = _troubled.Sum(id => (double)Ledger.Loan(id)!.OverdueOn(day.AddDays(1)));
            var outstanding = Ledger.Funds.Values.Sum(f => (double)f.LoansOutstandingVnd);
            _overdueToday = (day, outstanding > 0 ? overdue / outstanding : 0);
        }
        var ratio = _overdueToday.Ratio / PublishedFigures.OverdueRatio;
        return Chance(Math.Clamp(2 * (1.03 - ratio), 0, 0.6));
    }

    private void Repay(DateOnly day, Loan loan, long amount)
    {
        amount = Math.Min(amount, loan.OutstandingVnd);
        if (amount <= 0) return;
        var command = new RepayLoan(NextId(), amount, Date(day));
        Valid(RepayLoanEndpoint.Validate(command, _clock), command);
        Emit(Ledger.Record($"/api/loans/{loan.Id}/repayments", command, command.CommandId!.Value, day,
            new Touches([RepayLoanEndpoint.FundOf(loan)], [loan.Id], []),
            state => RepayLoanEndpoint.Decide(command, state.Loan(loan.Id)!, state.Funds, day)), Reversible.Repayment, loan.Id);
    }

    private void Extend(DateOnly day, Loan loan, int months)
    {
        var command = new ExtendLoan(NextId(), months, Pick(ExtensionReasons), Date(day));
        Valid(ExtendLoanEndpoint.Validate(command, _clock), command);
        Emit(Ledger.Record($"/api/loans/{loan.Id}/extensions", command, command.CommandId!.Value, day,
            new Touches([], [loan.Id], []), state => ExtendLoanEndpoint.Decide(command, state.Loan(loan.Id)!, day)));
    }

    private void WriteOff(DateOnly day, Loan loan, long amount)
    {
        amount = Math.Min(amount, loan.OutstandingVnd);
        if (amount <= 0) return;
        var command = new WriteOffLoan(NextId(), amount, Pick(WriteOffCauses), $"QD-XLRR-{day.Year}-{_random.Next(1, 9999):D4}", Date(day));
        Valid(WriteOffLoanEndpoint.Validate(command, _clock), command);
        Emit(Ledger.Record(WriteOffLoanEndpoint.Route.Replace("{loanId}", loan.Id, StringComparison.Ordinal), command, command.CommandId!.Value, day,
            new Touches([RepayLoanEndpoint.FundOf(loan)], [loan.Id], []), state => WriteOffLoanEndpoint.Decide(command, state.Loan(loan.Id)!, day)));
    }

    /// <summary>
    /// What the profiles' principals are multiplied by on a day: the year's published average new loan (the opening
    /// book's outstanding per borrower in the opening year) over the profiles' own average, estimated with a
    /// generator of its own.
    /// </summary>
    private Func<DateOnly, double> PrincipalScale()
    {
        var sampler = new Random(_options.Seed ^ 0x5EED);
        var mean = Enumerable.Range(0, 20_000).Average(_ =>
        {
            var profile = PickWeighted(_profiles, p => p.CountWeight, sampler);
            return (double)profile.Principal(sampler, _programmes.Find(profile.Programme)?.MaxLoanVnd);
        });
        var opening = PublishedFigures.OutstandingPerBorrower(_options.From);
        return day => (day < _options.From ? opening : PublishedFigures.AverageNewLoan(day.Year)) / mean;
    }
}
