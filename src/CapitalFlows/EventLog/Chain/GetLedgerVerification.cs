using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Wolverine.Http;

namespace CapitalFlows.EventLog.Chain;

/// <summary><c>GET /api/ledger/verify</c>: recomputes the event chain (DOMAIN.md invariant 11) and says whether it holds.</summary>
public static class GetLedgerVerificationEndpoint
{
    [WolverineGet("/api/ledger/verify")]
    [Authorize(Roles = $"{Roles.CentralFinance},{Roles.Analyst}")]
    public static Task<ChainVerification> Get(IDocumentStore store, CancellationToken ct) => ChainVerifier.VerifyAsync(store, ct);
}
