using CapitalFlows.Security;
using Marten;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Engine;

/// <summary>
/// An approval releasing a held command: its id, the checker, and what to store with the command's events in
/// the same transaction (run after they are appended, before commit; a problem it returns rolls everything back).
/// </summary>
public sealed record Approval(Guid ApprovalId, Caller Checker, Func<IDocumentSession, ProcessedCommand, CancellationToken, Task<ProblemDetails?>> BeforeCommit);
