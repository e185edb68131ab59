using System.Security.Claims;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Funds.ReadingEntrustedFunds;
using CapitalFlows.Loans.ReadingCreditQuality;
using CapitalFlows.Localities;
using CapitalFlows.National.ComparingCapital;
using CapitalFlows.Operations;
using CapitalFlows.Plans.ReadingPlans;
using CapitalFlows.Programmes;
using CapitalFlows.Reading;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Reports;

/// <summary>
/// <c>GET /api/reports/{report}?asOf=&amp;knownAt=&amp;format=xlsx|csv|json[&amp;locality=]</c>: the bank's reports,
/// read as the API reads them (the capital comparison for <c>capital-by-province</c> and
/// <c>capital-by-programme</c>, the People's Committee's statement for <c>entrusted-funds</c>) and rendered as a
/// workbook (the default), a CSV file or JSON. Who may read a report is who may make the read beneath it:
/// central finance and analysts for the capital reports; for <c>entrusted-funds</c> (<c>locality</c> required)
/// also the scoped roles within their scope, as the statement. <c>credit-plan</c> (<c>year</c>, by default the
/// year of <c>asOf</c>) is the read of <c>GET /api/capital/plans</c>, for central finance and analysts;
/// <c>credit-quality</c> (<c>locality</c>, by default <c>VN</c>) the read of
/// <c>GET /api/localities/{code}/credit-quality?by=child</c>, for whoever may make it.
/// </summary>
public static class GetReportEndpoint
{
    public const string Xlsx = "xlsx";
    public const string Csv = "csv";
    public const string Json = "json";

    public static readonly IReadOnlyList<string> Formats = [Xlsx, Csv, Json];
    public static readonly IReadOnlyList<string> Available =
        [CapitalReports.ByProvince, CapitalReports.ByProgramme, EntrustedFundsReport.Name, CreditPlanReport.Name, CreditQualityReport.Name];
    public static readonly IReadOnlyList<string> NotYetAvailable = [];

    [WolverineGet("/api/reports/{report}")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.BranchOfficer},{Roles.PeopleCommittee},{Roles.Analyst}")]
    public static async Task<IResult> Get(
        string report, string? asOf, string? knownAt, string? format, string? locality, string? year, ClaimsPrincipal user, IQuerySession session,
        LocalityDirectory localities, ProgrammeCatalogue programmes, ExportLimiter exports, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        if (NotYetAvailable.Contains(report))
            return Problems.NotFound($"The report {report} is not available yet: plans and credit quality are not recorded yet.").ToResult();
        if (!Available.Contains(report))
            return Problems.NotFound($"There is no report {report}; the reports are {string.Join(", ", Available)}.").ToResult();
        var entrustedFunds = report == EntrustedFundsReport.Name;
        var creditQuality = report == CreditQualityReport.Name;
        if (!entrustedFunds && !creditQuality && Caller.From(user).Role is not (Roles.CentralFinance or Roles.Analyst))
            return Problems.Forbidden($"The report {report} is for central finance and analysts.").ToResult();

        var errors = new FieldErrors();
        var wanted = format ?? Xlsx;
        if (!Formats.Contains(wanted)) errors.Add("format", $"format '{format}' is not one of {string.Join(", ", Formats)}.");
        var (reading, dateProblem) = ReadDates.Reading(asOf, knownAt, clock);
        errors.Include(dateProblem);
        if (entrustedFunds && string.IsNullOrWhiteSpace(locality))
            errors.Add("locality", "locality is required: the code of the People's Committee's locality the report is for.");
        var planYear = report == CreditPlanReport.Name
            ? GetLocalityPlanEndpoint.YearOf(year, reading.AsOf, VietnamCalendar.Today(clock), errors)
            : reading.AsOf.Year;
        if (errors.ToProblem() is { } invalid) return invalid.ToResult();
        if (creditQuality)
        {
            locality ??= LocalityDirectory.Nation;
            var (_, problem) = LocalityRead.Check(locality, asOf, knownAt, user, localities, clock);
            if (problem is not null) return problem.ToResult();
        }

        // A report is an export: it takes one of the node's Exports:MaxConcurrent slots for its reads and rendering.
        // It is read and rendered in memory, so no database connection is held while the client reads.
        using var slot = exports.TryEnter();
        if (slot is null) return exports.Refuse(http);
        var knownAtInstant = reading.KnownAt ?? clock.GetUtcNow();
        Report built;
        if (report == CreditPlanReport.Name)
            built = CreditPlanReport.Build(await GetProvincePlansEndpoint.ReadAsync(planYear, reading, session, localities, programmes, ct), knownAtInstant);
        else if (creditQuality)
            built = CreditQualityReport.Build(
                await GetCreditQualityEndpoint.ReadAsync(locality!, "child", reading, session, localities, programmes, ct), knownAtInstant);
        else if (entrustedFunds)
        {
            var (_, problem) = LocalityRead.Check(locality!, asOf, knownAt, user, localities, clock);
            if (problem is not null) return problem.ToResult();
            var structure = localities.KnownAt(reading.KnownAt);
            var events = await GetEntrustedFundsEndpoint.EventsAsync(session, structure, locality!, reading, clock, ct);
            built = EntrustedFundsReport.Build(
                locality!, structure.Find(locality)!.NameOn(reading.AsOf), reading.AsOf, knownAtInstant, events, programmes.NameOf);
        }
        else
        {
            var by = report == CapitalReports.ByProvince ? CapitalComparisonTable.ByProvince : CapitalComparisonTable.ByProgramme;
            var funds = await FundQueries.All(session, reading, ct);
            var comparison = CapitalComparisonTable.Build(by, CapitalComparisonTable.Current, [(reading.AsOf, funds)], reading.KnownAt,
                localities.KnownAt(reading.KnownAt), programmes, VietnamCalendar.Today(clock));
            built = by == CapitalComparisonTable.ByProvince
                ? CapitalReports.Provinces(comparison, knownAtInstant)
                : CapitalReports.Programmes(comparison, knownAtInstant);
        }

        var file = $"{report}{(entrustedFunds || creditQuality ? "-" + locality : "")}{(report == CreditPlanReport.Name ? "-" + planYear : "")}-{reading.AsOf:yyyy-MM-dd}";
        return wanted switch
        {
            Json => Results.Ok(JsonReport.Render(built)),
            Csv => Results.File(CsvReport.Render(built), CsvReport.ContentType, file + ".csv"),
            _ => Results.File(XlsxReport.Render(built), XlsxReport.ContentType, file + ".xlsx"),
        };
    }
}
