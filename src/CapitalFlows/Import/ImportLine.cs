using System.Security.Claims;

namespace CapitalFlows.Import;

/// <summary>
/// One line of an import file, read and checked: the command route it is sent to, its body exactly as the file gives
/// it (so that its canonical hash is the one the same body sent over HTTP would have) and the user it is sent as.
/// </summary>
public sealed record ImportLine(int Number, string Route, string Body, ClaimsPrincipal User, ImportRoute Kind)
{
    /// <summary>The loan a drawdown line creates (its <c>loanId</c>, else its <c>commandId</c>), in the form routes name it.</summary>
    public string? DrawsLoan { get; init; }

    /// <summary>The loan a line on <c>/api/loans/{loanId}/...</c> names, in the same form.</summary>
    public string? OnLoan { get; init; }
}
