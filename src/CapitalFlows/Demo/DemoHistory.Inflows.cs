using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Funds.EntrustingCentralBudget;
using CapitalFlows.Funds.ReceivingCharityDonations;
using CapitalFlows.Funds.ReceivingMobilisedCapital;
using CapitalFlows.Funds.ToppingUpLocalBudget;
using CapitalFlows.Loans;
using CapitalFlows.Reversals;

namespace CapitalFlows.Demo;

/// <summary>
/// The inflow commands, the reversals of the base history (a few dozen a year at k = 100, of a recent allocation,
/// drawdown without repayments or a loan's latest movement), and the quiet donations the corrections phase reverses.
/// </summary>
public sealed partial class DemoHistory
{
    private DecidedCommand? Entrust(DateOnly day, double amount, string? programme, string decisionRef)
    {
        var command = new EntrustCentralBudget(NextId(), Vnd(amount), programme, decisionRef, Date(day));
        Valid(EntrustCentralBudgetEndpoint.Validate(command, _programmes, _clock), command);
        return Emit(Ledger.Record("/api/capital/central-entrustments", command, command.CommandId!.Value, day,
            Funds(EntrustCentralBudgetEndpoint.Fund(command)), _ => EntrustCentralBudgetEndpoint.Decide(command, day)), Reversible.Inflow);
    }

    private DecidedCommand? Mobilise(DateOnly day, double amount, string instrument, string reference)
    {
        var command = new ReceiveMobilisedCapital(NextId(), Vnd(amount), null, instrument, reference, Date(day));
        Valid(ReceiveMobilisedCapitalEndpoint.Validate(command, _programmes, _clock), command);
        return Emit(Ledger.Record("/api/capital/mobilisations", command, command.CommandId!.Value, day,
            Funds(ReceiveMobilisedCapitalEndpoint.Fund(command)), _ => ReceiveMobilisedCapitalEndpoint.Decide(command, day)), Reversible.Inflow);
    }

    private DecidedCommand? TopUp(DateOnly day, string locality, double amount, string? programme, string decisionRef)
    {
        var command = new TopUpLocalBudget(NextId(), locality, Vnd(amount), programme, decisionRef, Date(day));
        Valid(TopUpLocalBudgetEndpoint.Validate(command, User, Localities, _programmes, _clock), command);
        return Emit(Ledger.Record("/api/capital/local-budget-top-ups", command, command.CommandId!.Value, day,
            Funds(TopUpLocalBudgetEndpoint.Fund(command)), _ => TopUpLocalBudgetEndpoint.Decide(command, day, Localities)), Reversible.Inflow);
    }

    private DecidedCommand? Donate(DateOnly day, string locality, double amount, string? programme, string? donor, string? campaign)
    {
        var command = new ReceiveCharityDonation(NextId(), locality == Nation ? null : locality, Vnd(amount), programme, donor, campaign, Date(day));
        Valid(ReceiveCharityDonationEndpoint.Validate(command, User, Localities, _programmes, _clock), command);
        return Emit(Ledger.Record("/api/capital/charity-donations", command, command.CommandId!.Value, day,
            Funds(ReceiveCharityDonationEndpoint.Fund(command)), _ => ReceiveCharityDonationEndpoint.Decide(command, day, Localities)), Reversible.Inflow);
    }

    // ---- Reversals ----

    /// <summary>
    /// About 60 reversals a year at k = 100 (at least 24), each of a recent movement that can still be reversed: an allocation,
    /// a drawdown that has no repayments, or a loan's latest movement when that is a repayment.
    /// </summary>
    private void Reversals(DateOnly day)
    {
        if (!IsWorkingDay(day) || !Chance(Math.Clamp(60 * 100 / _k, 24, 260) / 260)) return;
        {
            var first = PickWeighted(Enum.GetValues<Reversible>(), k => k switch
            {
                Reversible.Allocation => 0.4,
                _ => 0.3,
            });
            foreach (var kind in Enum.GetValues<Reversible>().Where(k => k != Reversible.Inflow).OrderBy(k => k == first ? 0 : 1))
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
            Reversible.Repayment => loan is { Status: LoanStatus.Active, Movements: [.., var latest] } && latest == candidate.Id,
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
        var reversed = Emit(Ledger.Record("/api/reversals", command, command.CommandId!.Value, day, touches, state =>
        {
            var movement = state.Command(original.Id)!;
            return ReverseMovementEndpoint.Decide(command, movement, MovementRecorder.EventsOf(movement), state, day, Localities);
        }));
        Ledger.Forget(original.Id);
        if (reversed is not null && kind == Reversible.Drawdown) _troubled.Remove(candidate.LoanId!);
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
