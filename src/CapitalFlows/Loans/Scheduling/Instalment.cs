using System.Text.Json.Serialization;

namespace CapitalFlows.Loans.Scheduling;

/// <summary>
/// One instalment of a loan's principal: due on <c>OriginalDueOn</c> moved later by the months of the extensions
/// that found it unpaid; what of it was repaid and what written off.
/// </summary>
public sealed record Instalment(DateOnly OriginalDueOn, long PrincipalVnd)
{
    /// <summary>The months extensions moved it by.</summary>
    public int ExtendedMonths { get; init; }

    public long PaidVnd { get; init; }

    public long WrittenOffVnd { get; init; }

    [JsonIgnore]
    public DateOnly DueOn => OriginalDueOn.AddMonths(ExtendedMonths);

    /// <summary>Principal neither repaid nor written off.</summary>
    [JsonIgnore]
    public long UnpaidVnd => PrincipalVnd - PaidVnd - WrittenOffVnd;
}
