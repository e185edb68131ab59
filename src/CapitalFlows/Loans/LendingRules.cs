using CapitalFlows.Commands;
using CapitalFlows.Programmes;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Loans;

/// <summary>What may be lent: earmarked capital only, within the programme's caps (reference data).</summary>
public static class LendingRules
{
    public static ProblemDetails? RefuseIfNotLendable(string programme, long amountVnd, int termMonths, ProgrammeCatalogue programmes)
    {
        if (programme == Programme.General)
            return Problems.Create("not-lendable", "General capital is not earmarked for a programme: allocate it to a programme before lending it.");
        var caps = programmes.Find(programme)!;
        if (caps.MaxLoanVnd is { } maxLoan && amountVnd > maxLoan)
            return Problems.Create("programme-limit", $"A {programme} loan may be at most {maxLoan} VND; {amountVnd} VND was asked.");
        if (caps.MaxTermMonths is { } maxTerm && termMonths > maxTerm)
            return Problems.Create("programme-limit", $"A {programme} loan may run at most {maxTerm} months; {termMonths} months was asked.");
        return null;
    }
}
