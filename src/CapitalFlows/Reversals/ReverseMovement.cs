using CapitalFlows.Api;
using CapitalFlows.Approvals;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Localities;
using CapitalFlows.Localities.Merging;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Reversals;

/// <summary>
/// Undoes one earlier movement, named by its command id, by appending compensating events to every stream it
/// touched. History is never edited: the movement and its reversal both stay in the log.
/// </summary>
public sealed record ReverseMovement(Guid? CommandId, Guid? ReversedCommandId, string? Reason, string? EffectiveOn);

public static class ReverseMovementEndpoint
{
    public static ProblemDetails Validate(ReverseMovement command, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        if (command.ReversedCommandId is null || command.ReversedCommandId == Guid.Empty)
            errors.Add("reversedCommandId", "reversedCommandId is required: the commandId of the movement to reverse.");
        errors.Text(command.Reason, "reason", required: true);
        errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem() ?? WolverineContinue.NoProblems;
    }

    [WolverinePost("/api/reversals")]
    [Authorize(Roles = Roles.CentralFinance)]
    public static async Task<IResult> Post(
        ReverseMovement command, HttpContext http, FourEyes fourEyes, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        // An unknown movement is 404 before a reversal of it could be held for approval.
        if (await recorder.FindAsync(command.ReversedCommandId!.Value, http.RequestAborted) is not { } original)
            return NotFound(command);
        if (await RefuseMergeAsync(command, original, recorder, http.RequestAborted) is { } merge)
            return merge;
        return await fourEyes.HoldOrRecordAsync(http, command.CommandId!.Value, () => Record(command, http, recorder, localities, clock));
    }

    /// <summary>The reversal as sent, or as released by an approval (<see cref="HeldCommands"/>).</summary>
    public static async Task<IResult> Record(
        ReverseMovement command, CommandEnvelope envelope, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        var reversedId = command.ReversedCommandId!.Value;
        if (await recorder.FindAsync(reversedId, envelope.Aborted) is not { } original)
            return NotFound(command);
        if (await RefuseMergeAsync(command, original, recorder, envelope.Aborted) is { } merge)
            return merge;

        // Planned under the structure lock: the funds the movement touched, or their successors' if merged since.
        return await recorder.RecordAsync(envelope, command.CommandId!.Value, effectiveOn,
            (_, _) => Task.FromResult(TouchesOf(original, localities)),
            state =>
            {
                var movement = state.Command(reversedId)!;
                return Decide(command, movement, MovementRecorder.EventsOf(movement), state, effectiveOn, localities);
            });
    }

    /// <summary>
    /// Merges are not reversible. Refused with one read, before the recorder would lock every fund and loan the merge
    /// moved (or four eyes would hold it): such a request never waits behind the structure lock, nor deadlocks with
    /// another one. A command id accepted before goes on to the recorder, which replays its answer.
    /// </summary>
    private static async Task<IResult?> RefuseMergeAsync(ReverseMovement command, ProcessedCommand original, MovementRecorder recorder, CancellationToken ct) =>
        IsMerge(original) && await recorder.FindAsync(command.CommandId!.Value, ct) is null
            ? NotReversible($"Movement {original.Id} is a merge; merges are not reversed.").Refusal!.ToResult()
            : null;

    private static IResult NotFound(ReverseMovement command) =>
        Problems.NotFound($"No movement was recorded with commandId {command.ReversedCommandId}.").ToResult();

    /// <summary>What reversing a movement reads and locks: the streams it touched (funds followed to their holders now) and the movement.</summary>
    public static Touches TouchesOf(ProcessedCommand original, LocalityDirectory localities)
    {
        // Never the structure stream: its lock is the structure lock, which every command holds shared already.
        var streams = original.Events.Select(e => HolderOf(e.StreamKey, localities))
            .Where(s => s != LocalityDirectory.StructureStream).Distinct(StringComparer.Ordinal).ToList();
        return new Touches(streams.Where(IsFund).Select(FundKey.Parse).ToList(), streams.Where(s => !IsFund(s)).ToList(), [original.Id]);
    }

    /// <summary>A merge: the one movement with an event on the structure stream.</summary>
    public static bool IsMerge(ProcessedCommand movement) =>
        movement.Events.Any(e => e.StreamKey == LocalityDirectory.StructureStream);

    private static bool IsFund(string streamKey) => streamKey.Contains('/', StringComparison.Ordinal);

    /// <summary>Reversals follow the money: a fund of a locality merged since is now its successor's fund.</summary>
    private static string HolderOf(string streamKey, LocalityDirectory localities) =>
        IsFund(streamKey) && FundKey.Parse(streamKey) is var fund
            ? (fund with { Locality = localities.HolderOf(fund.Locality) }).StreamKey
            : streamKey;

    public static Decision Decide(
        ReverseMovement command, ProcessedCommand movement, IReadOnlyList<StreamEvent> movementEvents, LedgerState state, DateOnly effectiveOn,
        LocalityDirectory localities)
    {
        if (movement.Reverses is not null)
            return NotReversible($"Movement {movement.Id} is itself a reversal; record the movement again instead.");
        if (movement.ReversedBy is { } reversal)
            return NotReversible($"Movement {movement.Id} was already reversed by {reversal}.");

        var id = movement.Id;
        var reason = command.Reason!;
        var compensations = new List<StreamEvent>();
        if (movementEvents.Count == 0)
            return NotReversible($"Command {movement.Id} moved nothing (an approval or a rejection); there is nothing to reverse.");
        if (movementEvents.Any(e => e.Event is LocalitiesMerged))
            return NotReversible($"Movement {movement.Id} is a merge; merges are not reversed.");
        foreach (var (recordedStream, @event) in movementEvents)
        {
            var stream = HolderOf(recordedStream, localities);
            object compensation;
            switch (@event)
            {
                case CentralBudgetEntrusted e:
                    compensation = new InflowReversed(id, "VN", Sources.CentralBudget, e.Programme, e.AmountVnd, reason, effectiveOn);
                    break;
                case MobilisedCapitalReceived e:
                    compensation = new InflowReversed(id, "VN", Sources.Mobilised, e.Programme, e.AmountVnd, reason, effectiveOn);
                    break;
                case LocalBudgetToppedUp e:
                    compensation = new InflowReversed(id, FundKey.Parse(stream).Locality, Sources.LocalBudget, e.Programme, e.AmountVnd, reason, effectiveOn);
                    break;
                case CharityDonationReceived e:
                    compensation = new InflowReversed(id, FundKey.Parse(stream).Locality, Sources.Charity, e.Programme, e.AmountVnd, reason, effectiveOn);
                    break;
                case CapitalAllocated e:
                    compensation = new AllocationReversed(id, e.From, e.To, e.Source, e.Programme, e.AmountVnd, reason, effectiveOn);
                    break;
                case AllocationReceived e:
                    compensation = new AllocationReceiptReversed(id, e.From, e.To, e.Source, e.ToProgramme, e.AmountVnd, reason, effectiveOn);
                    break;
                case CapitalRecalled e:
                    compensation = new RecallReversed(id, e.From, e.To, e.Source, e.Programme, e.AmountVnd, reason, effectiveOn);
                    break;
                case RecallReceived e:
                    compensation = new RecallReceiptReversed(id, e.From, e.To, e.Source, e.Programme, e.AmountVnd, reason, effectiveOn);
                    break;
                case CapitalLent e:
                    compensation = new LendingReversed(id, e.LoanId, e.AmountVnd, reason, effectiveOn);
                    break;
                case LoanDrawnDown e:
                    if (state.Loan(stream)!.Movements.Count > 0)
                        return NotReversible($"Loan {e.LoanId} has repayments, extensions or write-offs; reverse them first, latest first.");
                    compensation = new LoanDrawdownReversed(e.LoanId, id, e.AmountVnd, reason, effectiveOn);
                    break;
                case RepaymentReceived e:
                    compensation = new RepaymentReversed(id, e.LoanId, e.AmountVnd, reason, effectiveOn);
                    break;
                case LoanRepaid e:
                    if (state.Loan(stream)!.Repayments is not [.., var latest] || latest != e.RepaymentId)
                        return NotReversible($"Repayment {e.RepaymentId} is not the latest standing repayment of loan {e.LoanId}.");
                    if (!IsLatestMovement(state.Loan(stream)!, e.RepaymentId))
                        return NotReversible($"Repayment {e.RepaymentId} is followed by an extension or write-off of loan {e.LoanId}; reverse that first.");
                    compensation = new LoanRepaymentReversed(e.LoanId, e.RepaymentId, e.AmountVnd, reason, effectiveOn);
                    break;
                case LoanExtended e:
                    if (!IsLatestMovement(state.Loan(stream)!, e.ExtensionId))
                        return NotReversible($"Extension {e.ExtensionId} is not the latest standing movement of loan {e.LoanId}.");
                    compensation = new LoanExtensionReversed(e.LoanId, e.ExtensionId, e.Months, reason, effectiveOn);
                    break;
                case LoanWrittenOff e:
                    if (!IsLatestMovement(state.Loan(stream)!, e.WriteOffId))
                        return NotReversible($"Write-off {e.WriteOffId} is not the latest standing movement of loan {e.LoanId}.");
                    compensation = new LoanWriteOffReversed(e.LoanId, e.WriteOffId, e.AmountVnd, reason, effectiveOn);
                    break;
                case LoanPrincipalWrittenOff e:
                    compensation = new WriteOffReversed(id, e.LoanId, e.AmountVnd, reason, effectiveOn);
                    break;
                default:
                    return NotReversible($"A {@event.GetType().Name} cannot be reversed.");
            }
            compensations.Add(new StreamEvent(stream, compensation));
        }

        // Invariant 1 (a reversal may leave a fund below zero: its money was passed on or lent again) is the engine's check.
        return Decision.Append([.. compensations]) with { Reverses = id };
    }

    /// <summary>Only a loan's latest standing repayment, extension or write-off is reversed (DOMAIN "Reversible").</summary>
    private static bool IsLatestMovement(Loan loan, Guid movementId) => loan.Movements is [.., var latest] && latest == movementId;

    private static Decision NotReversible(string detail) => Problems.Create("not-reversible", detail);
}
