using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// API.md, second edition, "Trust": borrower identities are shown to central finance, analysts and branch officers
/// in scope, never to People's Committees. <c>GET /api/loans/{id}</c> refuses a People's Committee; a locality's
/// history showed it every <c>borrowerRef</c> of the loans drawn there, and now leaves the field out.
/// </summary>
public sealed class BorrowerIdentityTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string Borrower = "HH-01-NGUYEN-VAN-A";

    [Fact]
    public async Task A_peoples_committee_reads_its_history_without_borrower_references()
    {
        await DrawALoanInHaNoiAsync();
        using var committee = Service.Client(Roles.PeopleCommittee, "01");

        var answer = await committee.GetAnswerAsync("/api/localities/01/history");

        answer.Expect(200);
        var drawdown = Assert.Single(answer.Json.GetProperty("items").EnumerateArray(), i => i.GetProperty("type").GetString() == "LoanDrawnDown");
        Assert.False(drawdown.GetProperty("data").TryGetProperty("borrowerRef", out _), drawdown.ToString());
        Assert.True(drawdown.GetProperty("data").TryGetProperty("amountVnd", out _), drawdown.ToString());
        Assert.DoesNotContain(Borrower, answer.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Roles.CentralFinance, null)]
    [InlineData(Roles.Analyst, null)]
    [InlineData(Roles.BranchOfficer, "01")]
    public async Task Central_finance_analysts_and_the_branch_officer_in_scope_see_them(string role, string? locality)
    {
        await DrawALoanInHaNoiAsync();
        using var client = Service.Client(role, locality);

        var history = await client.ReadJsonAsync("/api/localities/01/history");

        var drawdown = Assert.Single(history.GetProperty("items").EnumerateArray(), i => i.GetProperty("type").GetString() == "LoanDrawnDown");
        Assert.Equal(Borrower, drawdown.GetProperty("data").GetProperty("borrowerRef").GetString());
    }

    [Fact]
    public async Task A_peoples_committee_may_not_read_the_loan_itself()
    {
        var loanId = await DrawALoanInHaNoiAsync();
        using var committee = Service.Client(Roles.PeopleCommittee, "01");

        var answer = await committee.GetAnswerAsync($"/api/loans/{loanId}");

        Assert.True(answer.Status == 403, answer.ToString());
        Assert.DoesNotContain(Borrower, answer.Body, StringComparison.Ordinal);
    }

    private async Task<string> DrawALoanInHaNoiAsync()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(1_000_000_000)).Expect(200);
        (await finance.AllocateAsync("VN", "01", 500_000_000, toProgramme: LendingDriver.PoorHouseholds)).Expect(200);
        using var officer = Service.Client(Roles.BranchOfficer, "01");
        return (await officer.DrawDownAsync("01", LedgerDriver.CentralBudget, LendingDriver.PoorHouseholds, 30_000_000, borrowerRef: Borrower)).LoanId();
    }
}
