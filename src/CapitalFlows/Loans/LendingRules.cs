using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Programmes;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Loans;

/// <summary>
/// What may be lent: earmarked capital only, within the caps of the programme's rules in force on the drawdown's
/// effective date (reference data); a programme that did not lend yet on that date is not lendable.
/// </summary>
public static class LendingRules
{
    public static ProblemDetails? RefuseIfNotLendable(string programme, long amountVnd, int termMonths, DateOnly effectiveOn, ProgrammeCatalogue programmes)
    {
        if (programme == Programme.General)
            return Problems.Create("not-lendable", "General capital is not earmarked for a programme: allocate it to a programme before lending it.");
        var found = programmes.Find(programme)!;
        if (found.RulesOn(effectiveOn) is not { } rules)
            return Problems.Create("not-lendable", found.Versions is [var first, ..]
                ? $"The {programme} programme lends from {first.From:yyyy-MM-dd}; a loan effective {effectiveOn:yyyy-MM-dd} is before it opened."
                : $"The {programme} programme has no lending rules; it does not lend.");
        var since = rules.From is { } from ? $" (rules in force from {from:yyyy-MM-dd})" : "";
        if (amountVnd > rules.MaxLoanVnd)
            return Problems.Create("programme-limit",
                $"A {programme} loan effective {effectiveOn:yyyy-MM-dd} may be at most {rules.MaxLoanVnd} VND{since}; {amountVnd} VND was asked.");
        if (termMonths > rules.MaxTermMonths)
            return Problems.Create("programme-limit",
                $"A {programme} loan effective {effectiveOn:yyyy-MM-dd} may run at most {rules.MaxTermMonths} months{since}; {termMonths} months was asked.");
        return null;
    }
}
