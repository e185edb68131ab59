using CapitalFlows.Funds.Allocating;
using CapitalFlows.Funds.EntrustingCentralBudget;
using CapitalFlows.Funds.Recalling;
using CapitalFlows.Funds.ReceivingMobilisedCapital;
using CapitalFlows.Loans.WritingOff;
using CapitalFlows.Localities.Merging;
using CapitalFlows.Reversals;

namespace CapitalFlows.Approvals;

/// <summary>
/// The commands that four eyes may hold, by route: central entrustments, mobilisations, allocations, recalls and
/// write-offs of at least <c>Approvals:ThresholdVnd</c>, and every reversal and merge. Add a held command here and call
/// <see cref="FourEyes"/> from its endpoint.
/// </summary>
public static class HeldCommands
{
    public static readonly IReadOnlyDictionary<string, HeldCommand> ByRoute = new[]
    {
        HeldCommand.For<EntrustCentralBudget>("/api/capital/central-entrustments",
            (c, _, s) => EntrustCentralBudgetEndpoint.Validate(c, s.Programmes, s.Clock),
            (c, envelope, s) => EntrustCentralBudgetEndpoint.Record(c, envelope, s.Recorder, s.Clock)),
        HeldCommand.For<ReceiveMobilisedCapital>("/api/capital/mobilisations",
            (c, _, s) => ReceiveMobilisedCapitalEndpoint.Validate(c, s.Programmes, s.Clock),
            (c, envelope, s) => ReceiveMobilisedCapitalEndpoint.Record(c, envelope, s.Recorder, s.Clock)),
        HeldCommand.For<Allocate>("/api/allocations",
            (c, user, s) => AllocateEndpoint.Validate(c, user, s.Localities, s.Programmes, s.Clock),
            (c, envelope, s) => AllocateEndpoint.Record(c, envelope, s.Recorder, s.Localities, s.Clock)),
        HeldCommand.For<Recall>("/api/recalls",
            (c, user, s) => RecallEndpoint.Validate(c, user, s.Localities, s.Programmes, s.Clock),
            (c, envelope, s) => RecallEndpoint.Record(c, envelope, s.Recorder, s.Localities, s.Clock)),
        HeldCommand.For<ReverseMovement>("/api/reversals",
            (c, _, s) => ReverseMovementEndpoint.Validate(c, s.Clock),
            (c, envelope, s) => ReverseMovementEndpoint.Record(c, envelope, s.Recorder, s.Localities, s.Clock)),
        HeldCommand.For<MergeLocalities>("/api/localities/merges",
            (c, _, s) => MergeLocalitiesEndpoint.Validate(c, s.Localities, s.Clock),
            (c, envelope, s) => MergeLocalitiesEndpoint.Record(c, envelope, s.Recorder, s.Localities, s.Clock)),
        HeldCommand.ForRoute<WriteOffLoan>(WriteOffLoanEndpoint.Route,
            (c, _, s) => WriteOffLoanEndpoint.Validate(c, s.Clock),
            (c, route, envelope, s) => WriteOffLoanEndpoint.Record(c, route["loanId"], envelope, s.Recorder, s.Clock)),
    }.ToDictionary(c => c.Route, StringComparer.Ordinal);
}
