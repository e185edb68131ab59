using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReceivingCharityDonations;
using CapitalFlows.Funds.ToppingUpLocalBudget;
using CapitalFlows.Localities;
using CapitalFlows.Reversals;

namespace CapitalFlows.Demo;

/// <summary>
/// The second time axis. After the base history, a phase of back-dated corrections recorded after
/// <see cref="CorrectionsRecordedAfter"/>: reversals of donations entered in error months ago and late entries
/// (donations and local-budget top-ups) effective in earlier months, so that "as known at" that instant shows the
/// books before them. Invariant 7 holds: a back-dated command only touches a fund with no later movement, which is
/// why the base history keeps a few quiet funds (one donation each, never lent or allocated from) and the late
/// entries open funds of their own. Recorded times stay true: every correction is recorded when it is decided.
/// </summary>
public sealed partial class DemoHistory
{
    /// <summary>Funds of one donation each, which nothing else touches, so that it can be reversed months later.</summary>
    private readonly HashSet<FundKey> _quiet = [];

    private readonly List<(Guid CommandId, FundKey Fund, DateOnly On)> _quietDonations = [];

    /// <summary>About two dozen quiet donations a year at k = 100 (at least 8), at provinces the reorganisation does not close.</summary>
    private void QuietDonations(DateOnly day)
    {
        if (day < _options.From || !IsWorkingDay(day) || !Chance(Math.Clamp(24 * 100 / _k, 8, 260) / 260)) return;
        var province = PickWeighted(OpenProvinces(day), p => p.Weight).Code;
        if (_closing2025.Contains(province)) return;
        var programme = PickWeighted(_profiles, p => p.CountWeight).Programme;
        var key = new FundKey(province, Sources.Charity, programme);
        if (Ledger.Fund(key) is not null) return;
        var donated = Donate(day, province, Between(20, 200) * Million / Math.Sqrt(_k / 100), programme, Pick(Donors), null);
        if (donated is null) return;
        _quiet.Add(key);
        Ledger.Remember(donated.Processed);
        _quietDonations.Add((donated.CommandId, key, day));
    }

    /// <summary>The instant between the two phases: every command before it is recorded at or before it, every correction after it.</summary>
    private void BeginCorrections()
    {
        var instant = _clock.GetUtcNow();
        CorrectionsRecordedAfter = instant;
        // The corrections are recorded strictly later, whatever the clock's resolution.
        while (_clock.GetUtcNow() <= instant.AddMilliseconds(1)) Thread.Sleep(2);
    }

    /// <summary>
    /// Half the quiet donations made two months or more before the last day reversed (effective three weeks after each, as found in a later audit), and
    /// late entries effective in the last year: donations and local-budget top-ups into funds of their own.
    /// </summary>
    private void Corrections()
    {
        var reversible = _quietDonations.Where(d => d.On <= _options.To.AddDays(-60)).ToList();
        foreach (var (commandId, fund, on) in reversible.Where((_, i) => i % 2 == 0))
        {
            var effective = on.AddDays(21);
            if (Ledger.Fund(fund) is not { } held || held.LastMovementOn > effective) continue;
            var original = Ledger.Remembered(commandId)!;
            var command = new ReverseMovement(NextId(), commandId, "Donation entered twice in error (found in the audit)", Date(effective));
            Valid(ReverseMovementEndpoint.Validate(command, _clock), command);
            Emit(Ledger.Record("/api/reversals", command, command.CommandId!.Value, effective, ReverseMovementEndpoint.TouchesOf(original, Localities), state =>
            {
                var movement = state.Command(original.Id)!;
                return ReverseMovementEndpoint.Decide(command, movement, MovementRecorder.EventsOf(movement), state, effective, Localities);
            }));
        }

        var lateEntries = Math.Max(3, (int)Math.Round(20 * 100 / _k));
        var earliest = _options.To.AddYears(-1) > _options.From ? _options.To.AddYears(-1) : _options.From;
        for (var n = 0; n < lateEntries * 20 && _lateEntries < lateEntries; n++)
        {
            var on = earliest.AddDays(_random.Next(Math.Max(1, _options.To.DayNumber - earliest.DayNumber)));
            var province = PickWeighted(OpenProvinces(_options.To), p => p.Weight).Code;
            if (Localities.Find(province) is not { } locality || !locality.IsOpenOn(on)) continue;
            var programme = PickWeighted(_profiles, p => p.CountWeight).Programme;
            var local = Chance(0.5);
            var key = new FundKey(province, local ? Sources.LocalBudget : Sources.Charity, programme);
            if (Ledger.Fund(key) is not null) continue;
            var amount = Between(50, 500) * Million / Math.Sqrt(_k / 100);
            var entered = local
                ? TopUp(on, province, amount, programme, $"NQ-HDND-{province}-{on.Year}-BS")
                : Donate(on, province, amount, programme, Pick(Donors), null);
            if (entered is not null) _lateEntries++;
        }
    }

    private int _lateEntries;
}
