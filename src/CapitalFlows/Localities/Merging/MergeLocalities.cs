using CapitalFlows.Api;
using CapitalFlows.Approvals;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CapitalFlows.Localities.Merging;

/// <summary>
/// Provinces merge into a successor on a date (which may be one of them, and then stays open, renamed when
/// <c>name</c> is given). Every fund of each closing province moves to the successor's fund of the same source
/// and programme, and every loan drawn there moves with it, with events on both sides; the closing provinces'
/// communes become the successor's. No national total changes.
/// </summary>
public sealed record MergeLocalities(Guid? CommandId, IReadOnlyList<string>? Merged, string? Into, string? Name, string? EffectiveOn);

public static class MergeLocalitiesEndpoint
{
    public static ProblemDetails Validate(MergeLocalities command, LocalityDirectory localities, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.CommandId(command.CommandId);
        if (command.Merged is not { Count: > 0 })
            errors.Add("merged", "merged is required: the codes of the provinces that merge.");
        else if (command.Merged.Any(code => code is null))
            errors.Add("merged", "merged may not hold null: each entry is a province code.");
        // An unknown code is not a malformed field but a merge that cannot be: 400 invalid-merge (API.md errors table).
        if (command.Into is null) errors.Add("into", "into is required.");
        errors.Text(command.Name, "name", required: false);
        if (command.EffectiveOn is null) errors.Add("effectiveOn", "effectiveOn is required: the date the merge takes effect.");
        errors.EffectiveOn(command.EffectiveOn, VietnamCalendar.Today(clock));
        return errors.ToProblem() ?? RefuseIfInvalid(command, localities) ?? WolverineContinue.NoProblems;
    }

    /// <summary>400 invalid-merge: merges join known provinces into a province, and at least one province must close.</summary>
    public static ProblemDetails? RefuseIfInvalid(MergeLocalities command, LocalityDirectory localities)
    {
        var unknown = command.Merged!.Append(command.Into!).Where(code => localities.Find(code) is null).Distinct().ToList();
        if (unknown.Count > 0)
            return InvalidMerge($"{string.Join(", ", unknown)} {(unknown.Count == 1 ? "is not a known locality code" : "are not known locality codes")}.");
        var notProvinces = command.Merged!.Append(command.Into!)
            .Where(code => localities.Find(code)!.Level != LocalityLevel.Province).Distinct().ToList();
        if (notProvinces.Count > 0)
            return InvalidMerge($"Merges join provinces only; {string.Join(", ", notProvinces)} {(notProvinces.Count == 1 ? "is not a province" : "are not provinces")}.");
        if (command.Merged!.Distinct().Count() != command.Merged!.Count)
            return InvalidMerge("merged names a province more than once.");
        if (command.Merged!.All(code => code == command.Into))
            return InvalidMerge($"Nothing merges: merged must name at least one province other than {command.Into}.");
        return null;
    }

    private static ProblemDetails InvalidMerge(string detail) => Problems.Create("invalid-merge", detail);

    [WolverinePost("/api/localities/merges")]
    [Authorize(Roles = Roles.CentralFinance)]
    public static Task<IResult> Post(
        MergeLocalities command, HttpContext http, FourEyes fourEyes, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock) =>
        fourEyes.HoldOrRecordAsync(http, command.CommandId!.Value, () => Record(command, http, recorder, localities, clock));

    /// <summary>The merge as sent, or as released by an approval (<see cref="HeldCommands"/>).</summary>
    public static Task<IResult> Record(
        MergeLocalities command, CommandEnvelope envelope, MovementRecorder recorder, LocalityDirectory localities, TimeProvider clock)
    {
        var effectiveOn = VietnamCalendar.EffectiveOn(command.EffectiveOn, clock);
        return recorder.RecordStructureChangeAsync(envelope, command.CommandId!.Value, effectiveOn,
            (session, ct) => TouchesAsync(command, session, ct),
            state => Decide(command, state, effectiveOn, localities));
    }

    /// <summary>Every fund and loan of the closing provinces, and the successor's funds that receive them.</summary>
    public static async Task<Touches> TouchesAsync(MergeLocalities command, IQuerySession session, CancellationToken ct)
    {
        var closing = Closing(command);
        var funds = await session.QueryAsync<Fund>("where split_part(id, '/', 1) = ANY(?)", ct, [closing]);
        var loans = await session.Query<Loan>().Where(l => closing.Contains(l.Locality)).Select(l => l.Id).ToListAsync(ct);
        var moved = funds.Select(f => f.Key).ToList();
        return new Touches([.. moved, .. moved.Select(k => k with { Locality = command.Into! })], loans, []);
    }

    private static string[] Closing(MergeLocalities command) => [.. LocalitiesMerged.ClosingOf(command.Merged!, command.Into!)];

    public static Decision Decide(MergeLocalities command, LedgerState state, DateOnly effectiveOn, LocalityDirectory localities)
    {
        var closing = Closing(command);
        var into = command.Into!;
        if (LocalityRules.RefuseIfNotOpen(localities, effectiveOn, [.. closing, into]) is { } closed)
            return closed;

        var events = new List<StreamEvent>
        {
            new(LocalityDirectory.StructureStream, new LocalitiesMerged(command.Merged!.ToList(), into, command.Name, effectiveOn, FromReferenceData: false)),
        };
        foreach (var fund in state.Funds.All.Where(f => closing.Contains(f.Locality)).OrderBy(f => f.Id, StringComparer.Ordinal))
        {
            if (fund is { AvailableVnd: 0, LentVnd: 0, RepaidVnd: 0, WrittenOffVnd: 0 }) continue;
            var successor = fund.Key with { Locality = into };
            events.Add(new(fund.Id, new FundMergedOut(
                fund.Locality, into, fund.Source, fund.Programme, fund.AvailableVnd, fund.LentVnd, fund.RepaidVnd, effectiveOn) { WrittenOffVnd = fund.WrittenOffVnd }));
            events.Add(new(successor.StreamKey, new FundMergedIn(
                into, fund.Locality, fund.Source, fund.Programme, fund.AvailableVnd, fund.LentVnd, fund.RepaidVnd, effectiveOn) { WrittenOffVnd = fund.WrittenOffVnd }));
        }
        foreach (var loan in state.Loans.Values.Where(l => closing.Contains(l.Locality)).OrderBy(l => l.Id, StringComparer.Ordinal))
            events.Add(new(loan.Id, new LoanTransferred(Guid.Parse(loan.Id), loan.Locality, into, effectiveOn)));
        return Decision.Append([.. events]);
    }
}
