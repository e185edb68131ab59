namespace CapitalFlows.Programmes;

/// <summary>
/// One dated version of a programme's rules: from <c>From</c> (null: since before any history) until the next
/// version starts, a loan may be at most <c>MaxLoanVnd</c> and run at most <c>MaxTermMonths</c>.
/// </summary>
public sealed record ProgrammeRules(DateOnly? From, long MaxLoanVnd, int MaxTermMonths, string Basis)
{
    public bool InForceOn(DateOnly date) => From is null || From <= date;
}
