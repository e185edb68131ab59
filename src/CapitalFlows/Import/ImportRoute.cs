namespace CapitalFlows.Import;

/// <summary>How the importer orders a command route (see <see cref="Importer"/>).</summary>
public enum ImportRoute
{
    /// <summary>
    /// Inflows, allocations, recalls, drawdowns and plans: their endpoints read nothing an earlier line writes before
    /// they reach the engine, so they share waves and are ordered by the engine alone.
    /// </summary>
    Free,

    /// <summary>
    /// <c>/api/loans/{loanId}/...</c>: the endpoint reads the loan (404, scope) before the engine, so the line waits
    /// until the wave that drew that loan has been recorded.
    /// </summary>
    OnLoan,

    /// <summary>
    /// Reversals, merges, period closes, approvals and any other route: the endpoint reads the store (the command
    /// reversed, the held command) or the command changes what later lines are checked against (the structure, the
    /// closed date), so the line runs alone, after everything before it and before everything after it.
    /// </summary>
    Barrier,
}
