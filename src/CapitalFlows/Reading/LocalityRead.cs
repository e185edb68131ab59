using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Reading;

/// <summary>
/// What every read of one locality checks first, in API.md's order: the dates (400), that a unit held the
/// code on <c>asOf</c> (404), and that the locality is within the caller's scope (403).
/// </summary>
public static class LocalityRead
{
    public static (BalanceReading Reading, ProblemDetails? Problem) Check(
        string code, string? asOf, string? knownAt, ClaimsPrincipal user, LocalityDirectory localities, TimeProvider clock)
    {
        var (reading, problem) = ReadDates.Reading(asOf, knownAt, clock);
        if (problem is not null) return (reading, problem);
        if (localities.FindOn(code, reading.AsOf) is null)
            return (reading, Problems.NotFound($"No locality had the code {code} on {reading.AsOf:yyyy-MM-dd}."));
        return (reading, Scope.Refuse(Caller.From(user), reading.AsOf, localities, code));
    }
}
