using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>A write-off at or above <c>Approvals:ThresholdVnd</c> waits for a second central-finance user, and is applied to the loan its path named.</summary>
public sealed class WriteOffFourEyesTests(WriteOffFourEyesService service) : IClassFixture<WriteOffFourEyesService>, IAsyncLifetime
{
    private const long Million = 1_000_000;

    private readonly HttpClient _maker = service.Client(Roles.CentralFinance, "cf-lan", "Nguyễn Thị Lan");
    private readonly HttpClient _checker = service.Client(Roles.CentralFinance, "cf-minh", "Trần Văn Minh");
    private readonly HttpClient _branch = service.Client(Roles.BranchOfficer, "bo-01", "Lê Văn Hùng", "01");

    public async ValueTask InitializeAsync() => await service.ResetAsync();

    public ValueTask DisposeAsync()
    {
        _maker.Dispose();
        _checker.Dispose();
        _branch.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_large_write_off_is_held_moves_nothing_and_is_applied_to_its_loan_when_another_user_approves_it()
    {
        // Capital and a 1.9 bn job-creation loan, each command below the 1 bn threshold or sent by the branch.
        for (var i = 0; i < 2; i++)
        {
            (await _maker.EntrustCentralBudgetAsync(999 * Million, JobCreation)).Expect(200);
            (await _maker.AllocateAsync("VN", "01", 999 * Million, CentralBudget, JobCreation)).Expect(200);
        }
        var loanId = (await _branch.DrawDownAsync("01", CentralBudget, JobCreation, 1_900 * Million, termMonths: 60)).LoanId();
        var eventsBefore = await service.EventCountAsync();

        var held = await _maker.PostJsonAsync($"/api/loans/{loanId}/write-offs",
            new { commandId = Guid.NewGuid(), amountVnd = 1_500 * Million, cause = "natural-disaster", decisionRef = "QĐ 99/2026" });

        held.Expect(202);
        Assert.Equal(eventsBefore, await service.EventCountAsync());
        Assert.Equal(1_900 * Million, (await _maker.ReadLoanAsync(loanId)).Vnd("outstandingVnd"));

        var approvalId = held.Json.GetProperty("approvalId").GetGuid();
        (await _maker.PostJsonAsync($"/api/approvals/{approvalId}/approve", new { commandId = Guid.NewGuid() })).ExpectProblem(403, "/problems/same-approver");
        var approved = (await _checker.PostJsonAsync($"/api/approvals/{approvalId}/approve", new { commandId = Guid.NewGuid() })).Expect(200);

        Assert.Equal(eventsBefore + 2, await service.EventCountAsync());
        var loan = await _maker.ReadLoanAsync(loanId);
        Assert.Equal(400 * Million, loan.Vnd("outstandingVnd"));
        Assert.Equal(1_500 * Million, loan.Vnd("writtenOffVnd"));
        Assert.Contains(loanId, approved.Body, StringComparison.Ordinal);
        Assert.True((await _maker.ReadJsonAsync("/api/ledger/balance-check")).GetProperty("balanced").GetBoolean());
    }
}
