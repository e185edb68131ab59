using CapitalFlows.Approvals;
using CapitalFlows.Approvals.Deciding;
using CapitalFlows.Engine;
using CapitalFlows.EventLog;
using CapitalFlows.EventLog.Chain;
using CapitalFlows.Funds.Allocating;
using CapitalFlows.Funds.EntrustingCentralBudget;
using CapitalFlows.Funds.ReadingAllocations;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Funds.ReadingEntrustedFunds;
using CapitalFlows.Funds.Recalling;
using CapitalFlows.Funds.ReceivingCharityDonations;
using CapitalFlows.Funds.ReceivingMobilisedCapital;
using CapitalFlows.Funds.ToppingUpLocalBudget;
using CapitalFlows.Loans.DrawingDown;
using CapitalFlows.Loans.Extending;
using CapitalFlows.Loans.ReadingCreditQuality;
using CapitalFlows.Loans.ReadingLoans;
using CapitalFlows.Loans.Repaying;
using CapitalFlows.Loans.WritingOff;
using CapitalFlows.Localities.Merging;
using CapitalFlows.Localities.ReadingLocalities;
using CapitalFlows.National;
using CapitalFlows.National.ComparingCapital;
using CapitalFlows.National.ReadingDailyCapital;
using CapitalFlows.Periods.ClosingPeriods;
using CapitalFlows.Plans.ReadingPlans;
using CapitalFlows.Plans.SettingCreditPlans;
using CapitalFlows.Plans.SettingLocalCapitalPlans;
using CapitalFlows.Programmes;
using CapitalFlows.Reports;
using CapitalFlows.Reversals;

namespace CapitalFlows.Api;

/// <summary>
/// The contract of every route, one row each, keyed by method and route as the endpoint declares them. Adding a
/// route is adding a row here; <c>OpenApiContractTests</c> fails for a route without one.
/// </summary>
public static class ApiOperations
{
    /// <summary>The tasks the routes are grouped by, in the order a reader meets them.</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> Tags =
    [
        ("Capital in", "Capital received by the bank: central-budget entrustments, mobilised capital, local-budget top-ups, charity."),
        ("Allocations", "Capital moved down the tree of localities to a direct child, and recalled back up."),
        ("Loans", "Loans drawn down from a programme fund through an entrusted organisation, repaid into it."),
        ("Reversals", "Undoing an earlier movement with compensating events."),
        ("Localities", "The tree of localities as it stood on a date, and the merges that change it."),
        ("Locality balances", "A locality's capital, allocations, entrusted funds and history, on both time axes."),
        ("National", "The national picture: summary, daily flows and the balance check."),
        ("Event log", "The whole log in global order, for export."),
        ("Reference data", "Credit programmes and their loan caps."),
        ("Approvals", "Four eyes: commands held for a second central-finance user, approved or rejected."),
        ("Periods", "Closing the books through a date."),
        ("Reports", "The bank's reports as workbooks, CSV files or JSON."),
        ("Plans", "Credit plans and local capital plans for a year, and the actuals against them."),
    ];

    /// <summary>Every command can meet a closed period, a busy store and the caller's rate limit.</summary>
    private static readonly string[] Command = ["period-closed", "busy", "rate-limited"];

    /// <summary>A command four eyes may hold: its maker's retry learns the checker's decision.</summary>
    private static readonly string[] Holdable = ["command-rejected", "approval-decided"];

    private static readonly string[] Inflow = ["effective-date-too-early", "total-limit", .. Command];
    private static readonly string[] Movement = ["not-a-direct-child", "insufficient-funds", "effective-date-too-early", "locality-closed", .. Command];
    private static readonly string[] Export = ["validation", "too-many-exports"];

    /// <summary>The 202 of a command four eyes holds.</summary>
    private static readonly IReadOnlyList<(int, Type, string)> Held =
    [
        (202, typeof(HeldCommandAnswer), "Held for a second central-finance user's approval (four eyes, when Approvals:ThresholdVnd is set): nothing moved yet."),
    ];
    private static readonly string[] Read = ["validation"];
    private static readonly string[] LocalityReadProblems = ["validation", "not-found"];

    public static readonly IReadOnlyDictionary<string, ApiOperation> ByRoute = new Dictionary<string, ApiOperation>
    {
        ["POST /api/capital/central-entrustments"] = new("entrustCentralBudget", "Capital in",
            "Record central-budget capital entrusted to the bank", typeof(CommandAnswer), [.. Inflow, .. Holdable])
        {
            OtherAnswers = Held,
            Body = typeof(EntrustCentralBudget), Required = ["commandId", "amountVnd", "decisionRef"],
            Description = "Central finance. Appends CentralBudgetEntrusted to the fund (VN, central-budget, programme); programme defaults to general.",
            Example = new { commandId = "3f2b6c1e-8a4d-4b7e-9c21-5d0e7a9b1f43", amountVnd = 1_000_000_000_000, decisionRef = "QD-1", effectiveOn = "2025-01-15" },
        },
        ["POST /api/capital/mobilisations"] = new("receiveMobilisedCapital", "Capital in",
            "Record capital the bank mobilised (deposits, bonds, ODA)", typeof(CommandAnswer), [.. Inflow, .. Holdable])
        {
            OtherAnswers = Held,
            Body = typeof(ReceiveMobilisedCapital), Required = ["commandId", "amountVnd", "instrument", "reference"],
            Description = "Central finance. Appends MobilisedCapitalReceived to the fund (VN, mobilised, programme).",
            Example = new { commandId = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", amountVnd = 500_000_000_000, instrument = "bonds", reference = "TP-2025-01" },
        },
        ["POST /api/capital/local-budget-top-ups"] = new("topUpLocalBudget", "Capital in",
            "Record local budget a People's Committee entrusted", typeof(CommandAnswer), [.. Inflow, "locality-closed"])
        {
            Body = typeof(TopUpLocalBudget), Required = ["commandId", "locality", "amountVnd", "decisionRef"],
            Description = "A People's Committee in scope, or central finance. Appends LocalBudgetToppedUp to (locality, local-budget, programme).",
            Example = new { commandId = "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b", locality = "01", amountVnd = 20_000_000_000, programme = "job-creation", decisionRef = "NQ-01" },
        },
        ["POST /api/capital/charity-donations"] = new("receiveCharityDonation", "Capital in",
            "Record a charity donation", typeof(CommandAnswer), [.. Inflow, "locality-closed"])
        {
            Body = typeof(ReceiveCharityDonation), Required = ["commandId", "amountVnd"],
            Description = "A branch officer in scope, or central finance. Appends CharityDonationReceived to (locality, charity, programme); locality defaults to VN.",
            Example = new { commandId = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", locality = "79", amountVnd = 1_500_000_000, donor = "Công ty ABC", campaign = "Tết 2025" },
        },
        ["POST /api/allocations"] = new("allocate", "Allocations",
            "Allocate capital from a fund to a direct child's fund", typeof(CommandAnswer), [.. Movement, .. Holdable])
        {
            OtherAnswers = Held,
            Body = typeof(Allocate), Required = ["commandId", "from", "to", "source", "programme", "amountVnd"],
            Description = "Central finance (any parent to a direct child) or a branch officer (own province to its communes). toProgramme earmarks general capital on the way down.",
            Example = new { commandId = "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7a8b", from = "VN", to = "01", source = "central-budget", programme = "general", toProgramme = "poor-households", amountVnd = 300_000_000_000 },
        },
        ["POST /api/recalls"] = new("recall", "Allocations",
            "Recall capital from a child's fund to its parent's", typeof(CommandAnswer), [.. Movement, .. Holdable])
        {
            OtherAnswers = Held,
            Body = typeof(Recall), Required = ["commandId", "from", "to", "source", "programme", "amountVnd", "reason"],
            Description = "As allocations, in the other direction: from is the child, to its parent.",
            Example = new { commandId = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", from = "01", to = "VN", source = "central-budget", programme = "poor-households", amountVnd = 10_000_000_000, reason = "Unused at year end" },
        },
        ["POST /api/loans"] = new("drawDownLoan", "Loans",
            "Draw a loan down from a programme fund", typeof(CommandAnswer),
            "not-lendable", "programme-limit", "insufficient-funds", "effective-date-too-early", "locality-closed", "period-closed", "busy", "rate-limited")
        {
            Status = 201,
            Body = typeof(DrawDownLoan),
            Required = ["commandId", "locality", "source", "programme", "amountVnd", "borrowerRef", "entrustedOrganisation", "termMonths"],
            Description = "A branch officer in scope, or central finance. Answers 201 with the loanId (generated when the body has none).",
            Example = new
            {
                commandId = "2c3d4e5f-6a7b-48c9-9d0e-1f2a3b4c5d6e", locality = "00004", source = "central-budget", programme = "poor-households",
                amountVnd = 60_000_000, borrowerRef = "HN-00004-0001", entrustedOrganisation = "womens-union", savingsGroup = "TK-12", termMonths = 36,
            },
        },
        ["POST /api/loans/{loanId}/repayments"] = new("repayLoan", "Loans",
            "Repay principal of a loan", typeof(CommandAnswer), ["not-found", "over-repayment", "effective-date-too-early", .. Command])
        {
            Body = typeof(RepayLoan), Required = ["commandId", "amountVnd"],
            Description = "A branch officer in scope, or central finance. The principal goes back into the fund the loan came from; the answer has outstandingVnd.",
            Example = new { commandId = "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a", amountVnd = 10_000_000 },
        },
        ["POST /api/loans/{loanId}/extensions"] = new("extendLoan", "Loans",
            "Move a loan's unpaid instalments and maturity later", typeof(CommandAnswer),
            ["not-found", "extension-limit", "effective-date-too-early", .. Command])
        {
            Body = typeof(ExtendLoan), Required = ["commandId", "months", "reason"],
            Description = "A branch officer in scope, or central finance. All extensions of a loan together are at most its original term (409 extension-limit). No amount changes.",
            Example = new { commandId = "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b", months = 6, reason = "Flood damage to the crop" },
        },
        ["POST /api/loans/{loanId}/write-offs"] = new("writeOffLoan", "Loans",
            "Write off unrecoverable principal of a loan", typeof(CommandAnswer),
            ["not-found", "write-off-exceeds-outstanding", "effective-date-too-early", .. Command, .. Holdable])
        {
            OtherAnswers = Held,
            Body = typeof(WriteOffLoan), Required = ["commandId", "amountVnd", "cause", "decisionRef"],
            Description = "Central finance only. The loan's outstanding falls by the amount; no fund rises: the loss is borne by the source of the loan's fund (invariant 2).",
            Example = new { commandId = "5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c", amountVnd = 20_000_000, cause = "natural-disaster", decisionRef = "QĐ-XLN-2026" },
        },
        ["POST /api/reversals"] = new("reverseMovement", "Reversals",
            "Reverse an earlier movement by its commandId", typeof(CommandAnswer),
            ["not-found", "not-reversible", "insufficient-funds", "effective-date-too-early", .. Command, .. Holdable])
        {
            OtherAnswers = Held,
            Body = typeof(ReverseMovement), Required = ["commandId", "reversedCommandId", "reason"],
            Description = "Central finance. Appends compensating events to every stream the movement touched; a reversal cannot be reversed.",
            Example = new { commandId = "6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b", reversedCommandId = "1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7a8b", reason = "Wrong province" },
        },
        ["POST /api/localities/merges"] = new("mergeLocalities", "Localities",
            "Merge provinces into a province", typeof(CommandAnswer), ["invalid-merge", "locality-closed", "effective-date-too-early", .. Command, .. Holdable])
        {
            OtherAnswers = Held,
            Body = typeof(MergeLocalities), Required = ["commandId", "merged", "into", "effectiveOn"],
            Description = "Central finance. Moves every fund and loan of each closing province to the successor and re-parents its communes; not reversible.",
            Example = new { commandId = "8a9b0c1d-2e3f-4a5b-9c6d-7e8f9a0b1c2d", merged = new[] { "26", "27" }, into = "27", name = "Tỉnh Bắc Ninh", effectiveOn = "2025-07-01" },
        },
        ["GET /api/programmes"] = new("listProgrammes", "Reference data", "List the credit programmes and their loan caps", typeof(Programme))
        {
            List = true, Description = "Everyone.",
        },
        ["GET /api/localities"] = new("listLocalities", "Localities", "List localities as they stood on a date", typeof(LocalityView), Read)
        {
            List = true, Description = "Everyone. status defaults to active.",
        },
        ["GET /api/localities/{code}"] = new("getLocality", "Localities", "One locality as it stood on a date", typeof(LocalityView), LocalityReadProblems)
        {
            Description = "Everyone.",
        },
        ["GET /api/localities/{code}/capital"] = new("getLocalityCapital", "Locality balances",
            "A locality's own and subtree capital per source and programme", typeof(LocalityCapital), LocalityReadProblems)
        {
            Description = "Central finance and analysts for any locality; branch officers and People's Committees in scope.",
        },
        ["GET /api/localities/{code}/allocations"] = new("getLocalityAllocations", "Locality balances",
            "A locality's funds per programme: received, passed down, lent, repaid, available, utilisation", typeof(AllocationBalance), LocalityReadProblems)
        {
            List = true, Description = "As capital.",
        },
        ["GET /api/localities/{code}/entrusted-funds"] = new("getEntrustedFunds", "Locality balances",
            "The People's Committee's statement of the local budget it entrusted", typeof(EntrustedFundsStatement), LocalityReadProblems)
        {
            Description = "As capital.",
        },
        ["GET /api/localities/{code}/history"] = new("getLocalityHistory", "Locality balances",
            "The events of a locality's funds and loans, paged", typeof(HistoryPage), LocalityReadProblems)
        {
            Description = "As capital. Pass next as after to read the following page.",
        },
        ["GET /api/loans/{loanId}"] = new("getLoan", "Loans", "A loan: principal, repaid, outstanding, status", typeof(LoanView), LocalityReadProblems)
        {
            Description = "Central finance, analysts, branch officers in scope.",
        },
        ["GET /api/localities/{code}/credit-quality"] = new("getCreditQuality", "Locality balances",
            "A locality's credit quality: outstanding, overdue and its ratio, loans and borrowers, written off", typeof(CreditQualityView), LocalityReadProblems)
        {
            Description = "As capital. By programme (default), entrusted organisation or direct child, as of asOf and as known at knownAt.",
        },
        ["POST /api/credit-plans"] = new("setCreditPlan", "Plans",
            "Set or adjust the credit plan of a year, locality and programme", typeof(CommandAnswer),
            ["not-found", "plan-exceeds-parent", "locality-closed", .. Command])
        {
            Body = typeof(SetCreditPlan),
            Required = ["commandId", "year", "locality", "programme", "outstandingTargetVnd", "disbursementTargetVnd", "decisionRef"],
            Description = "Central finance for the nation and provinces (and communes), a branch officer for the communes of its province. Sent again for the same year, locality and programme, it adjusts the plan (both kept). The children's targets may not add up to more than their parent's (409 plan-exceeds-parent).",
            Example = new { commandId = "7d6c5b4a-3928-4170-9f8e-7d6c5b4a3928", year = 2026, locality = "01", programme = "poor-households", outstandingTargetVnd = 5_000_000_000_000, disbursementTargetVnd = 1_200_000_000_000, decisionRef = "QĐ-KH-2026" },
        },
        ["POST /api/local-capital-plans"] = new("setLocalCapitalPlan", "Plans",
            "Set or adjust the local budget a province's People's Committee plans to entrust in a year", typeof(CommandAnswer),
            ["not-found", "locality-closed", .. Command])
        {
            Body = typeof(SetLocalCapitalPlan),
            Required = ["commandId", "year", "locality", "amountVnd", "decisionRef"],
            Description = "The People's Committee in scope, or central finance. decisionRef names the People's Council resolution.",
            Example = new { commandId = "6c5b4a39-2817-4069-8e7d-6c5b4a392817", year = 2026, locality = "01", amountVnd = 1_000_000_000_000, decisionRef = "NQ-HĐND-2025" },
        },
        ["GET /api/localities/{code}/plan"] = new("getLocalityPlan", "Plans",
            "A locality's plans for a year against its actuals", typeof(LocalityPlan), LocalityReadProblems)
        {
            Description = "As capital. Per programme and in total: target, actual and percentage achieved for loans outstanding and new lending; the local capital plan against what the committee entrusted.",
        },
        ["GET /api/capital/plans"] = new("getProvincePlans", "Plans",
            "Every province's plans for a year against its actuals", typeof(ProvincePlans), Read)
        {
            Description = "Central finance, analysts.",
        },
        ["GET /api/capital/summary"] = new("getCapitalSummary", "National", "Capital by source, province and programme", typeof(CapitalSummary), Read)
        {
            Description = "Central finance, analysts.",
        },
        ["GET /api/capital/daily"] = new("getDailyCapital", "National",
            "National inflows, lending and repayments per effective date", typeof(DailyFlows), Read)
        {
            List = true, Description = "Central finance, analysts. Kept by an asynchronous projection: a few seconds behind the commands.",
        },
        ["GET /api/ledger/balance-check"] = new("getBalanceCheck", "National",
            "Inflows from the event log against holdings from the projection", typeof(BalanceCheck))
        {
            Description = "Central finance, analysts.",
        },
        ["GET /api/events"] = new("exportEvents", "Event log", "The whole log in global order, streamed", typeof(LoggedEvent), Export)
        {
            MediaTypes = ["application/x-ndjson", "text/csv"],
            Description = "Central finance, analysts. One event a line (NDJSON), or CSV with a header row; resumable with after = the last sequence read. " +
                "from/to filter by effective date, recordedFrom/recordedTo by the instant recorded. An export takes one of the node's export slots (429 too-many-exports).",
        },
        ["GET /api/ledger/verify"] = new("verifyLedger", "National",
            "Recompute the event chain and say whether it holds", typeof(ChainVerification))
        {
            Description = "Central finance, analysts. ok is false when an event was changed, deleted or left unchained; brokenAtSequence and reason say where and how.",
        },
        ["GET /api/capital/compare"] = new("compareCapital", "National",
            "National capital at up to 12 dates side by side, by province, programme or source", typeof(CapitalComparison), Read)
        {
            Description = "Central finance, analysts. structure=current (the default) restates every date on today's provinces; asof shows each date's own. " +
                "A cell is null where the row did not exist on that date.",
        },
        ["GET /api/reports/{report}"] = new("getReport", "Reports",
            "A report as a workbook (the default), a CSV file or JSON", typeof(JsonReport), [.. Export, "not-found"])
        {
            MediaTypes = [XlsxReport.ContentType, "text/csv", "application/json"],
            Description = "capital-by-province and capital-by-programme: central finance, analysts. entrusted-funds (locality required): also branch officers " +
                "and People's Committees in scope. credit-plan and credit-quality answer 404 until plans and credit quality are recorded. " +
                "A report takes one of the node's export slots (429 too-many-exports).",
        },
        ["POST /api/periods/close"] = new("closePeriod", "Periods",
            "Close the books through a date", typeof(CommandAnswer), ["period-closed", "busy", "rate-limited"])
        {
            Body = typeof(ClosePeriod), Required = ["commandId", "through"],
            Description = "Central finance. Afterwards every command effective on or before through is refused (409 period-closed), reversals included; a later close must be later.",
            Example = new { commandId = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", through = "2025-12-31" },
        },
        ["GET /api/approvals"] = new("listApprovals", "Approvals", "Held commands of a status, oldest first", typeof(ApprovalView), Read)
        {
            List = true, Description = "Central finance, analysts. status: pending (the default), approved or rejected.",
        },
        ["POST /api/approvals/{approvalId}/approve"] = new("approveHeldCommand", "Approvals",
            "Apply a held command as its maker sent it", typeof(ApprovalDecision),
            ["not-found", "same-approver", "approval-decided", "not-a-direct-child", "insufficient-funds", "effective-date-too-early", "locality-closed", .. Command])
        {
            Body = typeof(ApproveHeldCommand), Required = ["commandId"],
            Description = "Central finance, not the maker. The held command is checked and decided again on today's state; a refusal is the checker's answer and it stays pending.",
            Example = new { commandId = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e", reason = "Checked against decision QD-1" },
        },
        ["POST /api/approvals/{approvalId}/reject"] = new("rejectHeldCommand", "Approvals",
            "Drop a held command: nothing moves", typeof(ApprovalDecision), ["not-found", "approval-decided", "busy", "rate-limited"])
        {
            Body = typeof(RejectHeldCommand), Required = ["commandId"],
            Description = "Central finance; the maker may withdraw their own this way.",
            Example = new { commandId = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f", reason = "Wrong amount" },
        },
    };
}
