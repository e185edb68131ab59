using System.Diagnostics;
using CapitalFlows.Operations;

namespace CapitalFlows.Engine;

/// <summary>
/// Ordered runs (<see cref="OrderedRun"/>, the <c>import</c> command): the commands of a run are decided in place
/// order on one connection, as group-commit batches of the commands that may share one, each batch cut just before
/// the first command the batch path sets aside (<see cref="TryRecordBatchAsync"/> with <c>inOrder</c>), which is then
/// recorded alone before the rest of the run is decided. A batch that fails is not re-run concurrently: its commands
/// go on one by one, in order. Every decision, check and write is the batch path's or the single-command path's.
/// </summary>
public sealed partial class MovementRecorder
{
    private async Task<IResult> RecordInPlaceAsync(OrderedPlace place, BatchedCommand command, Activity? activity, Activity? request)
    {
        var (result, outcome) = await place.Run.ArriveAsync(place.Position, command, DecideInOrderAsync);
        activity?.SetTag("capitalflows.outcome", outcome);
        request?.SetTag("capitalflows.outcome", outcome);
        Telemetry.CountCommand(command.Envelope.Command, outcome);
        return result;
    }

    private async Task DecideInOrderAsync(IReadOnlyList<object> arrived, Action<int, (IResult Result, string Outcome)> answer)
    {
        var commands = arrived.Cast<BatchedCommand>().ToList();
        // One connection for the whole run, counted like one command in flight; a run waits its turn rather than answer busy.
        await _inFlight.WaitAsync();
        try
        {
            for (var i = 0; i < commands.Count;)
            {
                var end = i;
                while (end < commands.Count && MayBatch(commands[end].Envelope, commands[end].Plan)) end++;
                if (end - i < 2)
                {
                    answer(i, await RecordAloneAsync(commands[i]));
                    i++;
                    continue;
                }

                var run = commands.Skip(i).Take(end - i).ToList();
                BatchTelemetry.Size.Record(run.Count);
                IReadOnlyList<(IResult Result, string Outcome)?> answers;
                try
                {
                    answers = await TryRecordBatchAsync(run, inOrder: true);
                }
                catch (Exception e)
                {
                    // Nothing of the batch was written: its commands one by one, in order.
                    LogBatchFailed(logger, e, run.Count);
                    for (; i < end; i++) answer(i, await RecordAloneAsync(commands[i]));
                    continue;
                }
                // The batch's answers up to the first command it set aside (or all), then that command alone.
                var decided = 0;
                for (; decided < answers.Count && answers[decided] is { } given; decided++) answer(i + decided, given);
                i += decided;
                if (i < end)
                {
                    answer(i, await RecordAloneAsync(commands[i]));
                    i++;
                }
            }
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>The single-command path, with its retries and its busy answer, keeping the outcome for the run.</summary>
    private Task<(IResult Result, string Outcome)> RecordAloneAsync(BatchedCommand command) =>
        RecordAloneAsync(command.Envelope, command.CommandId, command.EffectiveOn, command.Plan, command.Decide, command.SuccessStatus);
}
