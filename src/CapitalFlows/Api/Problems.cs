using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Api;

/// <summary>
/// RFC 9457 problem details with the <c>type</c> slugs of API.md, so that clients tell refusals apart
/// without reading prose. <see cref="Catalogue"/> is what <c>GET /problems/{slug}</c> explains.
/// </summary>
public static class Problems
{
    public static readonly IReadOnlyDictionary<string, (int Status, string Title, string Explanation)> Catalogue =
        new Dictionary<string, (int, string, string)>
        {
            ["validation"] = (400, "The request is not valid",
                "Malformed JSON, a missing or invalid field, an unknown locality, programme, source or organisation, an amount that is not a whole number of đồng between 1 and 10^15, a future effectiveOn, or a malformed asOf or knownAt. The errors member lists every field error found."),
            ["programme-limit"] = (400, "Above the programme's limit",
                "The loan is larger than the programme's maxLoanVnd or its term longer than maxTermMonths, as the programme's rules stood on the loan's effective date (GET /api/programmes?asOf=)."),
            ["not-lendable"] = (400, "Capital not earmarked",
                "General capital is not yet earmarked for a programme and cannot be lent; allocate it to a programme first. A programme also does not lend before it opened (GET /api/programmes?asOf= shows lendable false)."),
            ["not-a-direct-child"] = (400, "Not a direct child",
                "Allocations and recalls move capital between a locality and one of its direct children on the effective date."),
            ["invalid-merge"] = (400, "Invalid merge",
                "Merges join provinces into a province; the localities must exist, be open and be of the same level."),
            ["forbidden"] = (403, "Forbidden",
                "Your role may not use this route, or a locality it names is outside your token's locality scope."),
            ["not-found"] = (404, "Not found", "The locality, loan or movement named in the route or body does not exist."),
            ["insufficient-funds"] = (409, "Insufficient funds",
                "The movement would take a fund (locality, source, programme) below zero. Nothing was recorded."),
            ["over-repayment"] = (409, "Over-repayment", "The repayment is larger than what is outstanding on the loan, or the loan is repaid."),
            ["effective-date-too-early"] = (409, "Effective date too early",
                "Effective dates never go backwards per fund and per loan: this one is earlier than the last movement of something the command touches."),
            ["locality-closed"] = (409, "Locality closed",
                "The locality was merged (the successor member names where its capital went) or did not exist yet on the effective date."),
            ["command-id-reused"] = (409, "Command id reused",
                "This commandId was already accepted with a different body. Choose a new commandId for a new command."),
            ["not-reversible"] = (409, "Not reversible",
                "The movement was already reversed, is a reversal or a merge, is a drawdown with repayments, extensions or write-offs, or is not the loan's latest repayment, extension or write-off."),
            ["rate-limited"] = (429, "Too many requests",
                "You sent more commands (POST under /api) or exports (GET /api/events, /api/reports/...) in a minute than this service allows one caller (RateLimits:CommandsPerMinute, RateLimits:ExportsPerMinute). Nothing was recorded; wait for the seconds that Retry-After gives and send it again."),
            ["total-limit"] = (409, "Total limit",
                "The inflow would take a total past 9,000,000,000,000,000,000 đồng: the fund's inflows or the capital the bank holds nationally (every locality's and subtree's capital is part of it). Nothing was recorded."),
            ["busy"] = (503, "Busy",
                "The service could not get the locks or a place among the commands in flight within Commands:LockTimeoutSeconds (a merge or a long queue on the same fund), a read found every database connection in use, or a read found this node's read slots taken and as many reads waiting for them as it queues (Reads:MaxConcurrent, Reads:MaxQueued). Nothing was recorded: send the same request again after Retry-After seconds."),
            ["same-approver"] = (403, "Same approver",
                "Four eyes: the user who sent a held command may not approve it; another central-finance user must."),
            ["approval-decided"] = (409, "Approval already decided",
                "The held command was already approved (and applied) or rejected; an approval is decided once. The status member says which."),
            ["command-rejected"] = (409, "Command rejected",
                "This commandId was held for approval and a checker rejected it: nothing moved. Send a new command with a new commandId."),
            ["plan-exceeds-parent"] = (409, "Plan exceeds its parent's",
                "Invariant 12: the credit plans of a locality's children (one year, one programme) may not add up to more than the locality's own plan, for loans outstanding or for new lending. A child's plan above what its parent's leaves, or a parent's plan below what its children already plan, is refused; nothing was recorded."),
            ["period-closed"] = (409, "Period closed",
                "The books are closed through the date in closedThrough: nothing may take effect on or before it, reversals included, and a new close must be later."),
            ["too-many-exports"] = (429, "Too many exports",
                "This node is running as many exports as it may at once (Exports:MaxConcurrent, 2 by default). Nothing is wrong with the request: send it again after the Retry-After seconds."),
            ["extension-limit"] = (409, "Extension limit",
                "All extensions of a loan together may not be longer than its original term, and only a loan that is active can be extended. Nothing was recorded."),
            ["write-off-exceeds-outstanding"] = (409, "Write-off exceeds outstanding",
                "A write-off may remove at most what is outstanding on the loan; a repaid, reversed or fully written-off loan has nothing to write off. Nothing was recorded."),
        };

    public static ProblemDetails Create(string slug, string detail, int? status = null)
    {
        var (defaultStatus, title, _) = Catalogue[slug];
        return new ProblemDetails { Type = $"/problems/{slug}", Title = title, Status = status ?? defaultStatus, Detail = detail };
    }

    public static ProblemDetails Validation(IReadOnlyDictionary<string, string[]> errors)
    {
        var problem = Create("validation", string.Join(" ", errors.SelectMany(e => e.Value)));
        problem.Extensions["errors"] = errors;
        return problem;
    }

    public static ProblemDetails Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemDetails Forbidden(string detail) => Create("forbidden", detail);

    public static ProblemDetails NotFound(string detail) => Create("not-found", detail);

    public static ProblemDetails InsufficientFunds(string fund, long availableVnd, long requestedVnd) =>
        Create("insufficient-funds", $"Fund {fund} holds {availableVnd} VND; the movement needs {requestedVnd} VND.");

    public static ProblemDetails EffectiveDateTooEarly(string what, DateOnly last, DateOnly requested) =>
        Create("effective-date-too-early", $"The last movement of {what} is effective on {last:yyyy-MM-dd}; {requested:yyyy-MM-dd} is earlier.");

    public static ProblemDetails LocalityClosed(string code, DateOnly date, string? successor, DateOnly? closedOn)
    {
        if (successor is null)
            return Create("locality-closed", $"Locality {code} did not exist yet on {date:yyyy-MM-dd}.");
        var problem = Create("locality-closed", $"Locality {code} was merged into {successor} on {closedOn:yyyy-MM-dd}; use {successor}.");
        problem.Extensions["successor"] = successor;
        return problem;
    }

    public static ProblemDetails CommandIdReused(Guid commandId) =>
        Create("command-id-reused", $"Command {commandId} was already accepted with a different body.");

    public static ProblemDetails PeriodClosed(DateOnly closedThrough, string detail)
    {
        var problem = Create("period-closed", detail);
        problem.Extensions["closedThrough"] = closedThrough.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return problem;
    }

    public static IResult ToResult(this ProblemDetails problem) =>
        Results.Problem(problem);
}
