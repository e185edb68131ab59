using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.Approvals.Listing;

public static class GetApprovalsEndpoint
{
    private const int MaxRows = 1000;

    /// <summary>Held commands of one status (default pending), oldest first: what each would do, who sent it, who decided it.</summary>
    [WolverineGet("/api/approvals")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.Analyst}")]
    public static async Task<IResult> Get(string? status, IQuerySession session, CancellationToken ct)
    {
        status ??= PendingCommand.Pending;
        if (!PendingCommand.Statuses.Contains(status))
            return Problems.Validation("status", $"status '{status}' is not one of {string.Join(", ", PendingCommand.Statuses)}.").ToResult();
        var rows = await session.Query<PendingCommand>()
            .Where(p => p.Status == status)
            .OrderBy(p => p.RequestedAt)
            .Take(MaxRows)
            .ToListAsync(ct);
        return Results.Ok(rows.Select(r => r.View).ToList());
    }
}
