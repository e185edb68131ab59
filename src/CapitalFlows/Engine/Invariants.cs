using CapitalFlows.Api;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Engine;

/// <summary>
/// The ledger's invariants checked on the states a decision leaves, by the bulk path before it accepts a command (the
/// decisions check them too; this is the engine's own guard, so a decider that forgot cannot write them broken):
/// invariant 1 (no fund below zero) and invariant 7 (no fund or loan moves back in time). Null when they hold.
/// </summary>
public static class Invariants
{
    /// <summary>A fund after one event of a decision, with the fund before it (null when the event starts it).</summary>
    public static ProblemDetails? Refuse(Fund? before, Fund after, object @event)
    {
        if (@event is ILedgerEvent e && before?.LastMovementOn is { } last && e.EffectiveOn < last)
            return Problems.EffectiveDateTooEarly($"fund {after.Id}", last, e.EffectiveOn);
        if (after.AvailableVnd < 0)
            return Problems.InsufficientFunds(after.Id, before?.AvailableVnd ?? 0, (before?.AvailableVnd ?? 0) - after.AvailableVnd);
        return null;
    }

    /// <summary>A loan after one event of a decision, with the loan before it (null when the event draws it down).</summary>
    public static ProblemDetails? Refuse(Loan? before, Loan after, object @event) =>
        @event is ILedgerEvent e && before is not null && e.EffectiveOn < before.LastMovementOn
            ? Problems.EffectiveDateTooEarly($"loan {after.Id}", before.LastMovementOn, e.EffectiveOn)
            : null;
}
