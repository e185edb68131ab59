using CapitalFlows.Api;
using CapitalFlows.Engine;
using Wolverine.Http;

namespace CapitalFlows.Programmes;

/// <summary>
/// A programme as its rules stood on one date: its caps then (null when it did not lend on that date, and always
/// for <c>general</c>), and from when that version of its rules applied (null: since before any history).
/// </summary>
public sealed record ProgrammeOnDate(
    string Code, string Name, string NameVi, long? MaxLoanVnd, int? MaxTermMonths, bool Lendable, DateOnly? RulesFrom)
{
    public static ProgrammeOnDate Of(Programme programme, DateOnly date) => programme.RulesOn(date) is { } rules
        ? new(programme.Code, programme.Name, programme.NameVi, rules.MaxLoanVnd, rules.MaxTermMonths, true, rules.From)
        : new(programme.Code, programme.Name, programme.NameVi, null, null, false, null);
}

public static class GetProgrammesEndpoint
{
    [WolverineGet("/api/programmes")]
    public static IResult Get(string? asOf, ProgrammeCatalogue programmes, TimeProvider clock)
    {
        var (date, invalid) = ReadDates.AsOf(asOf, clock);
        return invalid is not null
            ? invalid.ToResult()
            : Results.Ok(programmes.All.Select(p => ProgrammeOnDate.Of(p, date)).ToList());
    }
}
