using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// A reorganisation recorded through <c>POST /api/localities/merges</c> (API.md, "Merges"): Cao Bằng (04) merges
/// into Tuyên Quang (08) on 2026-01-01, which takes a new name. Every fund and loan of 04 moves to 08 with events
/// on both sides, 04's communes become 08's, balances before the date still show 04, no national total changes,
/// a loan drawn in 04 repays into 08, reversals follow the money, and a merge recorded later is not seen by a
/// <c>knownAt</c> before it.
/// </summary>
public sealed class MergeTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string CaoBang = "04";
    private const string TuyenQuang = "08";
    private const string ThucPhan = "01273"; // a commune of Cao Bằng
    private const string NewName = "Tỉnh Tuyên Quang – Cao Bằng";

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private HttpClient Analyst => Service.Client(Roles.Analyst);

    /// <summary>
    /// 04 holds 1,100 general (1,000 + 200 allocated, 100 passed to Thục Phán) and 430 for poor households with a
    /// loan of 100 drawn and 30 repaid; 08 holds 50 general.
    /// </summary>
    private async Task<(Guid ThirdAllocation, string LoanId)> RecordHistoryBeforeTheMergeAsync()
    {
        (await Finance.EntrustCentralBudgetAsync(10_000, effectiveOn: "2025-10-01")).Expect(200);
        (await Finance.AllocateAsync("VN", CaoBang, 1_000, effectiveOn: "2025-10-02")).Expect(200);
        (await Finance.AllocateAsync("VN", CaoBang, 500, toProgramme: PoorHouseholds, effectiveOn: "2025-10-02")).Expect(200);
        (await Finance.AllocateAsync("VN", TuyenQuang, 50, effectiveOn: "2025-10-02")).Expect(200);
        var third = (await Finance.AllocateAsync("VN", CaoBang, 200, effectiveOn: "2025-10-03")).Expect(200).CommandId();
        (await Finance.AllocateAsync(CaoBang, ThucPhan, 100, effectiveOn: "2025-10-04")).Expect(200);
        var loanId = (await Finance.DrawDownAsync(CaoBang, CentralBudget, PoorHouseholds, 100, effectiveOn: "2025-10-05")).LoanId();
        (await Finance.RepayAsync(loanId, 30, effectiveOn: "2025-10-06")).Expect(200);
        return (third, loanId);
    }

    [Fact]
    public async Task A_merge_moves_every_fund_and_loan_to_the_successor_with_events_on_both_sides()
    {
        await RecordHistoryBeforeTheMergeAsync();

        var merge = (await Finance.MergeAsync([CaoBang, TuyenQuang], TuyenQuang, "2026-01-01", NewName)).Expect(200);

        // The structure event, out and in for 04's two funds, and the loan's transfer.
        Assert.Equal(1 + 2 * 2 + 1, merge.Json.GetProperty("events").GetInt32());
        var caoBang = await Analyst.ReadJsonAsync($"/api/localities/{CaoBang}/capital");
        Assert.Equal(0, caoBang.GetProperty("own").Vnd("availableVnd"));
        Assert.Equal(0, caoBang.GetProperty("own").Vnd("loansOutstandingVnd"));
        var tuyenQuang = (await Analyst.ReadJsonAsync($"/api/localities/{TuyenQuang}/capital")).GetProperty("own");
        Assert.Equal(1_150, tuyenQuang.FundAvailable(CentralBudget, General));
        Assert.Equal(430, tuyenQuang.FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(70, tuyenQuang.FundOutstanding(CentralBudget, PoorHouseholds));
        var history = await Analyst.ReadJsonAsync($"/api/localities/{TuyenQuang}/history?limit=1000");
        var types = history.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("type").GetString()).ToList();
        Assert.Equal(2, types.Count(t => t == "FundMergedIn"));
        var closed = await Analyst.ReadJsonAsync($"/api/localities/{CaoBang}/history?limit=1000");
        Assert.Equal(2, closed.GetProperty("items").EnumerateArray().Count(i => i.GetProperty("type").GetString() == "FundMergedOut"));
        Assert.True((await Finance.ReadJsonAsync("/api/ledger/balance-check")).GetProperty("balanced").GetBoolean());
    }

    [Fact]
    public async Task Balances_as_of_the_day_before_show_the_merged_province_and_the_merge_changes_no_national_total()
    {
        await RecordHistoryBeforeTheMergeAsync();
        (await Finance.MergeAsync([CaoBang, TuyenQuang], TuyenQuang, "2026-01-01", NewName)).Expect(200);

        var before = await Analyst.ReadJsonAsync($"/api/localities/{CaoBang}/capital?asOf=2025-12-31");
        Assert.Equal(1_100, before.GetProperty("own").FundAvailable(CentralBudget, General));
        Assert.Equal(430, before.GetProperty("own").FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(70, before.GetProperty("own").Vnd("loansOutstandingVnd"));
        Assert.Equal(1_100 + 430 + 70 + 100, before.GetProperty("subtree").Vnd("availableVnd") + before.GetProperty("subtree").Vnd("loansOutstandingVnd"));

        var dayBefore = await Analyst.ReadJsonAsync("/api/capital/summary?asOf=2025-12-31");
        var dayOf = await Analyst.ReadJsonAsync("/api/capital/summary?asOf=2026-01-01");
        foreach (var total in new[] { "totalVnd", "availableVnd", "loansOutstandingVnd" })
            Assert.Equal(dayBefore.Vnd(total), dayOf.Vnd(total));
        Assert.Equal(Lines(dayBefore, "bySource"), Lines(dayOf, "bySource"));
        Assert.Equal(Lines(dayBefore, "byProgramme"), Lines(dayOf, "byProgramme"));
        Assert.Equal(34, dayBefore.GetProperty("byProvince").GetArrayLength());
        Assert.Equal(33, dayOf.GetProperty("byProvince").GetArrayLength());
        Assert.Equal(1_700, dayBefore.GetProperty("byProvince").Line("code", CaoBang).Vnd("totalVnd"));
        Assert.Equal(50 + 1_700, dayOf.GetProperty("byProvince").Line("code", TuyenQuang).Vnd("totalVnd"));
    }

    [Fact]
    public async Task The_merged_province_closes_its_communes_move_to_the_successor_and_the_successor_takes_its_new_name()
    {
        await RecordHistoryBeforeTheMergeAsync();
        (await Finance.MergeAsync([CaoBang, TuyenQuang], TuyenQuang, "2026-01-01", NewName)).Expect(200);

        var open = await Analyst.ReadJsonAsync($"/api/localities/{CaoBang}?asOf=2025-12-31");
        Assert.Equal("active", open.GetProperty("status").GetString());
        var merged = await Analyst.ReadJsonAsync($"/api/localities/{CaoBang}?asOf=2026-01-01");
        Assert.Equal("merged", merged.GetProperty("status").GetString());
        Assert.Equal(TuyenQuang, merged.GetProperty("successor").GetString());
        Assert.Equal("2026-01-01", merged.GetProperty("closedOn").GetString());
        Assert.Equal("Tỉnh Tuyên Quang", (await Analyst.ReadJsonAsync($"/api/localities/{TuyenQuang}?asOf=2025-12-31")).GetProperty("name").GetString());
        Assert.Equal(NewName, (await Analyst.ReadJsonAsync($"/api/localities/{TuyenQuang}")).GetProperty("name").GetString());

        Assert.Equal(CaoBang, (await Analyst.ReadJsonAsync($"/api/localities/{ThucPhan}?asOf=2025-12-31")).GetProperty("parent").GetString());
        Assert.Equal(TuyenQuang, (await Analyst.ReadJsonAsync($"/api/localities/{ThucPhan}")).GetProperty("parent").GetString());
        var communes = await Analyst.ReadJsonAsync($"/api/localities?level=commune&parent={TuyenQuang}");
        Assert.Contains(communes.EnumerateArray(), c => c.GetProperty("code").GetString() == ThucPhan);
        var subtree = (await Analyst.ReadJsonAsync($"/api/localities/{TuyenQuang}/capital")).GetProperty("subtree");
        Assert.Equal(1_150 + 430 + 100, subtree.Vnd("availableVnd"));
        Assert.Equal(33, (await Analyst.ReadJsonAsync("/api/localities?level=province")).GetArrayLength());

        var refused = await Finance.AllocateAsync("VN", CaoBang, 10, effectiveOn: "2026-01-05");
        refused.ExpectProblem(409, "/problems/locality-closed");
        Assert.Equal(TuyenQuang, refused.Json.GetProperty("successor").GetString());
        // Allocating to the commune from its new parent works; from its old parent it is refused.
        (await Finance.AllocateAsync(TuyenQuang, ThucPhan, 10, effectiveOn: "2026-01-05")).Expect(200);
    }

    [Fact]
    public async Task The_merged_provinces_branch_officer_may_no_longer_repay_or_extend_its_loans()
    {
        await RecordHistoryBeforeTheMergeAsync();
        var officer = Service.Client(Roles.BranchOfficer, CaoBang);
        // The officer's own loan and repayment, in Cao Bằng.
        var loanId = (await officer.DrawDownAsync(CaoBang, CentralBudget, PoorHouseholds, 100, effectiveOn: "2025-10-07")).LoanId();
        (await officer.RepayAsync(loanId, 10, effectiveOn: "2025-10-08")).Expect(200);
        (await Finance.MergeAsync([CaoBang, TuyenQuang], TuyenQuang, "2026-01-01")).Expect(200);
        var before = await Service.EventCountAsync();

        var answers = await officer.RepayAndExtendAsync(loanId, "2026-01-02");

        // The loan sits in Tuyên Quang now: outside the token's scope.
        Assert.All(answers, answer => answer.ExpectProblem(403, "/problems/forbidden"));
        Assert.Equal(before, await Service.EventCountAsync());
        Assert.Equal(90, (await Finance.ReadLoanAsync(loanId)).Vnd("outstandingVnd"));
        (await Finance.RepayAsync(loanId, 10, effectiveOn: "2026-01-02")).Expect(200);
    }

    [Fact]
    public async Task A_loan_drawn_in_the_merged_province_repays_into_the_successors_fund()
    {
        var (_, loanId) = await RecordHistoryBeforeTheMergeAsync();
        (await Finance.MergeAsync([CaoBang, TuyenQuang], TuyenQuang, "2026-01-01")).Expect(200);

        var loan = await Finance.ReadLoanAsync(loanId);
        Assert.Equal(TuyenQuang, loan.GetProperty("locality").GetString());
        var repaid = (await Finance.RepayAsync(loanId, 20, effectiveOn: "2026-01-02")).Expect(200);

        Assert.Equal(50, repaid.Json.Vnd("outstandingVnd"));
        var own = (await Analyst.ReadJsonAsync($"/api/localities/{TuyenQuang}/capital")).GetProperty("own");
        Assert.Equal(450, own.FundAvailable(CentralBudget, PoorHouseholds));
        Assert.Equal(50, own.FundOutstanding(CentralBudget, PoorHouseholds));
        Assert.Equal(CaoBang, (await Finance.ReadJsonAsync($"/api/loans/{loanId}?asOf=2025-12-31")).GetProperty("locality").GetString());
        Assert.True((await Finance.ReadJsonAsync("/api/ledger/balance-check")).GetProperty("balanced").GetBoolean());
    }

    [Fact]
    public async Task Reversing_an_allocation_to_the_merged_province_takes_the_money_back_from_the_successor()
    {
        var (thirdAllocation, _) = await RecordHistoryBeforeTheMergeAsync();
        (await Finance.MergeAsync([CaoBang, TuyenQuang], TuyenQuang, "2026-01-01")).Expect(200);
        var nationBefore = (await Analyst.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own").FundAvailable(CentralBudget, General);

        (await Finance.ReverseAsync(thirdAllocation, effectiveOn: "2026-01-03")).Expect(200);

        Assert.Equal(1_150 - 200, (await Analyst.ReadJsonAsync($"/api/localities/{TuyenQuang}/capital")).GetProperty("own").FundAvailable(CentralBudget, General));
        Assert.Equal(0, (await Analyst.ReadJsonAsync($"/api/localities/{CaoBang}/capital")).GetProperty("own").Vnd("availableVnd"));
        Assert.Equal(nationBefore + 200, (await Analyst.ReadJsonAsync("/api/localities/VN/capital")).GetProperty("own").FundAvailable(CentralBudget, General));
        Assert.True((await Finance.ReadJsonAsync("/api/ledger/balance-check")).GetProperty("balanced").GetBoolean());
    }

    [Fact]
    public async Task A_reader_asking_as_known_before_the_merge_was_recorded_sees_the_old_structure_and_balances()
    {
        await RecordHistoryBeforeTheMergeAsync();
        await Task.Delay(20, TestContext.Current.CancellationToken);
        var beforeRecording = Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"));
        await Task.Delay(20, TestContext.Current.CancellationToken);
        (await Finance.MergeAsync([CaoBang, TuyenQuang], TuyenQuang, "2026-01-01", NewName)).Expect(200);

        var known = await Analyst.ReadJsonAsync($"/api/localities/{CaoBang}?asOf=2026-01-01&knownAt={beforeRecording}");
        Assert.Equal("active", known.GetProperty("status").GetString());
        var provinces = await Analyst.ReadJsonAsync($"/api/localities?level=province&asOf=2026-01-01&knownAt={beforeRecording}");
        Assert.Equal(34, provinces.GetArrayLength());
        var summary = await Analyst.ReadJsonAsync($"/api/capital/summary?asOf=2026-01-01&knownAt={beforeRecording}");
        Assert.Equal(34, summary.GetProperty("byProvince").GetArrayLength());
        Assert.Equal(1_700, summary.GetProperty("byProvince").Line("code", CaoBang).Vnd("totalVnd"));
        var capital = await Analyst.ReadJsonAsync($"/api/localities/{CaoBang}/capital?asOf=2026-01-01&knownAt={beforeRecording}");
        Assert.Equal(1_100 + 430, capital.GetProperty("own").Vnd("availableVnd"));
        // The 2025 reorganisation of a fresh store counts as always known.
        var longAgo = Uri.EscapeDataString("2020-01-01T00:00:00Z");
        Assert.Equal(34, (await Analyst.ReadJsonAsync($"/api/localities?level=province&asOf=2025-07-01&knownAt={longAgo}")).GetArrayLength());
    }

    [Fact]
    public async Task Merging_two_provinces_into_a_third_closes_both_and_keeps_the_third_open()
    {
        (await Finance.EntrustCentralBudgetAsync(1_000, effectiveOn: "2025-10-01")).Expect(200);
        (await Finance.AllocateAsync("VN", CaoBang, 100, effectiveOn: "2025-10-02")).Expect(200);
        (await Finance.AllocateAsync("VN", TuyenQuang, 200, effectiveOn: "2025-10-02")).Expect(200);

        (await Finance.MergeAsync([CaoBang, TuyenQuang], "19", "2026-02-01")).Expect(200);

        Assert.Equal(300, (await Analyst.ReadJsonAsync("/api/localities/19/capital")).GetProperty("own").FundAvailable(CentralBudget, General));
        foreach (var code in new[] { CaoBang, TuyenQuang })
            Assert.Equal("19", (await Analyst.ReadJsonAsync($"/api/localities/{code}")).GetProperty("successor").GetString());
        Assert.Equal(32, (await Analyst.ReadJsonAsync("/api/localities?level=province")).GetArrayLength());
    }

    [Fact]
    public async Task The_successors_entrusted_funds_statement_includes_what_the_merged_committee_entrusted()
    {
        var committee = Service.Client(Roles.PeopleCommittee, CaoBang);
        (await committee.TopUpLocalBudgetAsync(CaoBang, 300, PoorHouseholds)).Expect(200);
        (await Finance.MergeAsync([CaoBang, TuyenQuang], TuyenQuang, TodayText())).Expect(200);

        var statement = await Analyst.ReadJsonAsync($"/api/localities/{TuyenQuang}/entrusted-funds");

        Assert.Equal(300, statement.Vnd("entrustedVnd"));
        Assert.Equal(300, statement.Vnd("availableVnd"));
        Assert.Equal(300, (await Analyst.ReadJsonAsync($"/api/localities/{TuyenQuang}/capital")).GetProperty("own").FundAvailable(LocalBudget, PoorHouseholds));
    }

    private static string TodayText() => ServiceFixture.Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static string Lines(JsonElement summary, string property) => summary.GetProperty(property).GetRawText();
}
