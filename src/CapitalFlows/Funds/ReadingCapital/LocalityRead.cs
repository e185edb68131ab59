using System.Security.Claims;
using CapitalFlows.Commands;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Funds.ReadingCapital;

/// <summary>
/// What every read of one locality checks first, in API.md's order: the dates (400), that a unit held the
/// code on <c>asOf</c> (404), and that the locality is within the caller's scope (403).
/// </summary>
public static class LocalityRead
{
    public static (DateOnly AsOf, ProblemDetails? Problem) Check(
        string code, string? asOf, string? knownAt, ClaimsPrincipal user, LocalityDirectory localities, TimeProvider clock)
    {
        var (date, problem) = ReadDates.AsOf(asOf, clock, pastAllowed: false);
        problem ??= ReadDates.KnownAt(knownAt);
        if (problem is not null) return (date, problem);
        if (localities.FindOn(code, date) is null)
            return (date, Problems.NotFound($"No locality had the code {code} on {date:yyyy-MM-dd}."));
        return (date, Scope.Refuse(Caller.From(user), date, localities, code));
    }
}
