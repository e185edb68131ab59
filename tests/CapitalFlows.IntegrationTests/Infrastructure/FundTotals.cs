namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// A fund's running totals, as the <c>Fund</c> document stores them, or as a client derives them from the commands
/// it saw accepted; the two are compared with record equality.
/// </summary>
public sealed record FundTotals(long InflowsVnd, long ReceivedVnd, long PassedDownVnd, long LentVnd, long RepaidVnd)
{
    public static readonly FundTotals Zero = new(0, 0, 0, 0, 0);

    /// <summary>What the fund has to pass down or lend: received − passed down − lent + repaid.</summary>
    public long AvailableVnd => ReceivedVnd - PassedDownVnd - LentVnd + RepaidVnd;

    public static FundTotals operator +(FundTotals left, FundTotals right) => Add(left, right);

    public static FundTotals Add(FundTotals left, FundTotals right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new FundTotals(
            left.InflowsVnd + right.InflowsVnd,
            left.ReceivedVnd + right.ReceivedVnd,
            left.PassedDownVnd + right.PassedDownVnd,
            left.LentVnd + right.LentVnd,
            left.RepaidVnd + right.RepaidVnd);
    }
}
