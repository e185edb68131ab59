using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// A command's answer says what changed (API.md, second edition): every fund it touched with its balance right
/// after it, named, and for a command on a loan the loan's state after it; stored with the answer, so a retry
/// returns it unchanged even after later commands moved the same funds.
/// </summary>
public sealed class CommandAnswerTests(ServiceFixture service) : IntegrationTest(service)
{
    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private static Dictionary<string, JsonElement> Funds(Answer answer) =>
        answer.Json.GetProperty("funds").EnumerateArray().ToDictionary(f =>
            $"{f.GetProperty("locality").GetString()}/{f.GetProperty("source").GetString()}/{f.GetProperty("programme").GetString()}");

    [Fact]
    public async Task An_allocation_answers_both_funds_with_their_balances_after_it_and_a_retry_answers_the_same()
    {
        (await Finance.EntrustCentralBudgetAsync(1_000)).Expect(200);
        var id = Guid.NewGuid();

        var answer = (await Finance.AllocateAsync("VN", "01", 300, toProgramme: PoorHouseholds, commandId: id)).Expect(200);

        var funds = Funds(answer);
        Assert.Equal(2, funds.Count);
        Assert.Equal(700, funds["VN/central-budget/general"].Vnd("availableVnd"));
        Assert.Equal("Việt Nam", funds["VN/central-budget/general"].GetProperty("localityName").GetString());
        Assert.Equal(300, funds["01/central-budget/poor-households"].Vnd("availableVnd"));
        Assert.Equal("Thành phố Hà Nội", funds["01/central-budget/poor-households"].GetProperty("localityName").GetString());
        Assert.False(answer.Json.TryGetProperty("loan", out _));

        (await Finance.AllocateAsync("VN", "01", 100, toProgramme: PoorHouseholds)).Expect(200);
        var retry = (await Finance.AllocateAsync("VN", "01", 300, toProgramme: PoorHouseholds, commandId: id)).Expect(200);
        Assert.Equal(answer.Body, retry.Body);
    }

    [Fact]
    public async Task A_drawdown_and_its_repayments_answer_the_fund_and_the_loan_after_each()
    {
        (await Finance.EntrustCentralBudgetAsync(1_000, programme: PoorHouseholds)).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 1_000, programme: PoorHouseholds)).Expect(200);

        var drawdown = (await Finance.DrawDownAsync("01", CentralBudget, PoorHouseholds, 400)).Expect(201);

        var loanId = drawdown.LoanId();
        Assert.Equal(600, Funds(drawdown)["01/central-budget/poor-households"].Vnd("availableVnd"));
        var loan = drawdown.Json.GetProperty("loan");
        Assert.Equal(loanId, loan.GetProperty("loanId").GetString());
        Assert.Equal(400, loan.Vnd("outstandingVnd"));
        Assert.Equal(0, loan.Vnd("overdueVnd"));
        Assert.Equal("active", loan.GetProperty("status").GetString());

        var partly = (await Finance.RepayAsync(loanId, 150)).Expect(200);
        Assert.Equal(750, Funds(partly)["01/central-budget/poor-households"].Vnd("availableVnd"));
        Assert.Equal(250, partly.Json.GetProperty("loan").Vnd("outstandingVnd"));

        var repayment = Guid.NewGuid();
        var fully = (await Finance.RepayAsync(loanId, 250, commandId: repayment)).Expect(200);
        Assert.Equal(1_000, Funds(fully)["01/central-budget/poor-households"].Vnd("availableVnd"));
        Assert.Equal(0, fully.Json.GetProperty("loan").Vnd("outstandingVnd"));
        Assert.Equal("repaid", fully.Json.GetProperty("loan").GetProperty("status").GetString());

        var reversal = (await Finance.ReverseAsync(repayment)).Expect(200);
        Assert.Equal(750, Funds(reversal)["01/central-budget/poor-households"].Vnd("availableVnd"));
        Assert.Equal(250, reversal.Json.GetProperty("loan").Vnd("outstandingVnd"));
        Assert.Equal("active", reversal.Json.GetProperty("loan").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_merge_answers_the_emptied_funds_and_the_successors_under_its_new_name_and_no_loan()
    {
        (await Finance.EntrustCentralBudgetAsync(1_000, programme: PoorHouseholds, effectiveOn: "2025-10-01")).Expect(200);
        (await Finance.AllocateAsync("VN", "04", 300, programme: PoorHouseholds, effectiveOn: "2025-10-02")).Expect(200);
        (await Finance.DrawDownAsync("04", CentralBudget, PoorHouseholds, 100, effectiveOn: "2025-10-03")).Expect(201);

        var merge = (await Finance.MergeAsync(["04", "08"], "08", "2026-01-01", "Tỉnh Tuyên Quang – Cao Bằng")).Expect(200);

        var funds = Funds(merge);
        Assert.Equal(0, funds["04/central-budget/poor-households"].Vnd("availableVnd"));
        Assert.Equal(200, funds["08/central-budget/poor-households"].Vnd("availableVnd"));
        Assert.Equal("Tỉnh Tuyên Quang – Cao Bằng", funds["08/central-budget/poor-households"].GetProperty("localityName").GetString());
        Assert.False(merge.Json.TryGetProperty("loan", out _));
    }
}
