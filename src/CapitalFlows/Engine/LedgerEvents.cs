using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Localities.Merging;
using CapitalFlows.Periods;
using CapitalFlows.Plans;

namespace CapitalFlows.Engine;

/// <summary>Every event type of the ledger, by name: how a command's stored events are read back.</summary>
public static class LedgerEvents
{
    public static readonly IReadOnlyDictionary<string, Type> ByName = new Type[]
    {
        typeof(CentralBudgetEntrusted), typeof(MobilisedCapitalReceived), typeof(LocalBudgetToppedUp), typeof(CharityDonationReceived),
        typeof(CapitalAllocated), typeof(AllocationReceived), typeof(CapitalRecalled), typeof(RecallReceived),
        typeof(CapitalLent), typeof(RepaymentReceived),
        typeof(InflowReversed), typeof(AllocationReversed), typeof(AllocationReceiptReversed), typeof(RecallReversed),
        typeof(RecallReceiptReversed), typeof(LendingReversed), typeof(RepaymentReversed),
        typeof(FundMergedOut), typeof(FundMergedIn),
        typeof(LoanDrawnDown), typeof(LoanRepaid), typeof(LoanDrawdownReversed), typeof(LoanRepaymentReversed), typeof(LoanTransferred),
        typeof(LoanExtended), typeof(LoanExtensionReversed), typeof(LoanWrittenOff), typeof(LoanWriteOffReversed),
        typeof(LoanPrincipalWrittenOff), typeof(WriteOffReversed),
        typeof(LocalitiesMerged),
        typeof(PeriodClosed),
        typeof(CreditPlanSet), typeof(CreditPlanAdjusted), typeof(LocalCapitalPlanSet), typeof(LocalCapitalPlanAdjusted),
    }.ToDictionary(t => t.Name, StringComparer.Ordinal);
}
