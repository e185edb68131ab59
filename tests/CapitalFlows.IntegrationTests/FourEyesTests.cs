using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// API.md second edition, "Four eyes", on a host with <c>Approvals:ThresholdVnd</c> set (100 bn): a central
/// command of at least the threshold, and every reversal and merge, is held (202, nothing moves) until another
/// central-finance user approves it (applied as sent, both users on its events) or rejects it (dropped).
/// </summary>
public sealed class FourEyesTests(FourEyesService service) : IClassFixture<FourEyesService>, IAsyncLifetime
{
    private const long Billion = 1_000_000_000;

    private readonly HttpClient _maker = service.Client(Roles.CentralFinance, "cf-lan", "Nguyễn Thị Lan");
    private readonly HttpClient _checker = service.Client(Roles.CentralFinance, "cf-minh", "Trần Văn Minh");

    public async ValueTask InitializeAsync() => await service.ResetAsync();

    public ValueTask DisposeAsync()
    {
        _maker.Dispose();
        _checker.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>198 bn in the nation's general central-budget fund, in two entrustments below the threshold.</summary>
    private async Task FundTheNationAsync()
    {
        (await _maker.EntrustCentralBudgetAsync(99 * Billion)).Expect(200);
        (await _maker.EntrustCentralBudgetAsync(99 * Billion)).Expect(200);
    }

    private static Task<Answer> ApproveAsync(HttpClient client, object approvalId, Guid? commandId = null, string? reason = null) =>
        client.PostJsonAsync($"/api/approvals/{approvalId}/approve", new { commandId = commandId ?? Guid.NewGuid(), reason });

    private static Task<Answer> RejectAsync(HttpClient client, object approvalId, Guid? commandId = null, string? reason = null) =>
        client.PostJsonAsync($"/api/approvals/{approvalId}/reject", new { commandId = commandId ?? Guid.NewGuid(), reason });

    private async Task<long> AvailableAsync(string locality) =>
        (await _maker.ReadJsonAsync($"/api/localities/{locality}/capital")).GetProperty("own").FundAvailable(CentralBudget, General);

    private static Guid ApprovalIdOf(Answer held) => held.Json.GetProperty("approvalId").GetGuid();

    [Fact]
    public async Task A_large_allocation_is_held_pending_and_nothing_moves()
    {
        await FundTheNationAsync();
        var before = await service.EventCountAsync();
        var commandId = Guid.NewGuid();

        var held = (await _maker.AllocateAsync("VN", "01", 150 * Billion, commandId: commandId)).Expect(202);

        Assert.Equal(commandId, held.Json.GetProperty("commandId").GetGuid());
        Assert.Equal("pending", held.Json.GetProperty("status").GetString());
        Assert.NotEqual(Guid.Empty, ApprovalIdOf(held));
        Assert.Equal(before, await service.EventCountAsync());
        Assert.Equal(198 * Billion, await AvailableAsync("VN"));
        Assert.Equal(0, await AvailableAsync("01"));
    }

    [Fact]
    public async Task The_threshold_itself_is_held_and_an_allocation_below_it_applies_at_once()
    {
        await FundTheNationAsync();

        (await _maker.AllocateAsync("VN", "01", FourEyesService.ThresholdVnd)).Expect(202);
        (await _maker.AllocateAsync("VN", "01", FourEyesService.ThresholdVnd - 1)).Expect(200);

        Assert.Equal(FourEyesService.ThresholdVnd - 1, await AvailableAsync("01"));
    }

    [Fact]
    public async Task The_maker_may_not_approve_their_own_command()
    {
        await FundTheNationAsync();
        var held = (await _maker.AllocateAsync("VN", "01", 150 * Billion)).Expect(202);
        var before = await service.EventCountAsync();

        var answer = (await ApproveAsync(_maker, ApprovalIdOf(held))).Expect(403);

        Assert.Equal("/problems/same-approver", answer.ProblemType);
        Assert.Equal(before, await service.EventCountAsync());
        Assert.Equal(0, await AvailableAsync("01"));
    }

    [Fact]
    public async Task Another_central_finance_user_approves_it_and_it_is_applied_with_both_users_on_its_events()
    {
        await FundTheNationAsync();
        var commandId = Guid.NewGuid();
        var held = (await _maker.AllocateAsync("VN", "01", 150 * Billion, commandId: commandId)).Expect(202);

        var approved = (await ApproveAsync(_checker, ApprovalIdOf(held), reason: "Checked against QĐ 123")).Expect(200);

        Assert.Equal("approved", approved.Json.GetProperty("status").GetString());
        var applied = approved.Json.GetProperty("command");
        Assert.Equal(commandId, applied.GetProperty("commandId").GetGuid());
        Assert.Equal(2, applied.GetProperty("events").GetInt32());
        Assert.Equal(48 * Billion, await AvailableAsync("VN"));
        Assert.Equal(150 * Billion, await AvailableAsync("01"));
        var users = await service.EventUsersAsync(commandId);
        Assert.Equal(2, users.Count);
        Assert.All(users, u => Assert.Equal(("cf-lan", "cf-minh", "Trần Văn Minh"), u));
    }

    [Fact]
    public async Task An_approval_sent_again_gets_its_first_answer_and_a_second_approval_is_refused()
    {
        await FundTheNationAsync();
        var held = (await _maker.AllocateAsync("VN", "01", 150 * Billion)).Expect(202);
        var approvalCommand = Guid.NewGuid();
        var first = (await ApproveAsync(_checker, ApprovalIdOf(held), approvalCommand)).Expect(200);
        var after = await service.EventCountAsync();

        var again = (await ApproveAsync(_checker, ApprovalIdOf(held), approvalCommand)).Expect(200);
        var second = (await ApproveAsync(_checker, ApprovalIdOf(held))).Expect(409);
        var reject = (await RejectAsync(_checker, ApprovalIdOf(held))).Expect(409);

        Assert.Equal(first.Body, again.Body);
        Assert.Equal("/problems/approval-decided", second.ProblemType);
        Assert.Equal("approved", second.Json.GetProperty("status").GetString());
        Assert.Equal("/problems/approval-decided", reject.ProblemType);
        Assert.Equal(after, await service.EventCountAsync());
        Assert.Equal(150 * Billion, await AvailableAsync("01"));
    }

    [Fact]
    public async Task Two_checkers_approving_at_once_apply_the_command_once()
    {
        await FundTheNationAsync();
        var commandId = Guid.NewGuid();
        var held = (await _maker.AllocateAsync("VN", "01", 150 * Billion, commandId: commandId)).Expect(202);
        using var another = service.Client(Roles.CentralFinance, "cf-hoa", "Lê Thị Hoa");

        var answers = await Task.WhenAll(ApproveAsync(_checker, ApprovalIdOf(held)), ApproveAsync(another, ApprovalIdOf(held)));

        Assert.Equal([200, 409], answers.Select(a => a.Status).Order());
        Assert.Equal("/problems/approval-decided", answers.Single(a => a.Status == 409).ProblemType);
        Assert.Equal(2, (await service.EventUsersAsync(commandId)).Count);
        Assert.Equal(150 * Billion, await AvailableAsync("01"));
    }

    [Fact]
    public async Task An_approval_and_a_rejection_at_once_decide_it_one_way()
    {
        await FundTheNationAsync();
        var commandId = Guid.NewGuid();
        var held = (await _maker.AllocateAsync("VN", "01", 150 * Billion, commandId: commandId)).Expect(202);
        using var another = service.Client(Roles.CentralFinance, "cf-hoa", "Lê Thị Hoa");

        var answers = await Task.WhenAll(ApproveAsync(_checker, ApprovalIdOf(held)), RejectAsync(another, ApprovalIdOf(held)));

        Assert.Equal([200, 409], answers.Select(a => a.Status).Order());
        var approved = answers[0].Status == 200;
        Assert.Equal(approved ? 2 : 0, (await service.EventUsersAsync(commandId)).Count);
        Assert.Equal(approved ? 150 * Billion : 0, await AvailableAsync("01"));
        var decided = await _checker.ReadJsonAsync($"/api/approvals?status={(approved ? "approved" : "rejected")}");
        Assert.Single(decided.EnumerateArray());
    }

    [Fact]
    public async Task The_original_commands_retry_returns_its_current_state()
    {
        await FundTheNationAsync();
        var commandId = Guid.NewGuid();
        var held = (await _maker.AllocateAsync("VN", "01", 150 * Billion, commandId: commandId)).Expect(202);

        var whilePending = (await _maker.AllocateAsync("VN", "01", 150 * Billion, commandId: commandId)).Expect(202);
        Assert.Equal(held.Body, whilePending.Body);

        var approved = (await ApproveAsync(_checker, ApprovalIdOf(held))).Expect(200);
        var afterApproval = (await _maker.AllocateAsync("VN", "01", 150 * Billion, commandId: commandId)).Expect(200);
        var applied = approved.Json.GetProperty("command");
        foreach (var field in new[] { "commandId", "recordedAt", "effectiveOn" })
            Assert.Equal(applied.GetProperty(field).GetString(), afterApproval.Json.GetProperty(field).GetString());
        Assert.Equal(2, afterApproval.Json.GetProperty("events").GetInt32());
        Assert.Equal(150 * Billion, await AvailableAsync("01"));
    }

    [Fact]
    public async Task The_same_commandId_with_another_body_is_refused_while_held()
    {
        await FundTheNationAsync();
        var commandId = Guid.NewGuid();
        (await _maker.AllocateAsync("VN", "01", 150 * Billion, commandId: commandId)).Expect(202);

        var larger = (await _maker.AllocateAsync("VN", "01", 160 * Billion, commandId: commandId)).Expect(409);
        var small = (await _maker.AllocateAsync("VN", "01", 1 * Billion, commandId: commandId)).Expect(409);

        Assert.Equal("/problems/command-id-reused", larger.ProblemType);
        Assert.Equal("/problems/command-id-reused", small.ProblemType);
        Assert.Equal(0, await AvailableAsync("01"));
    }

    [Fact]
    public async Task A_rejection_drops_the_command_and_its_retry_is_told_so()
    {
        await FundTheNationAsync();
        var commandId = Guid.NewGuid();
        var held = (await _maker.AllocateAsync("VN", "01", 150 * Billion, commandId: commandId)).Expect(202);
        var before = await service.EventCountAsync();
        var rejection = Guid.NewGuid();

        var rejected = (await RejectAsync(_checker, ApprovalIdOf(held), rejection, "Wrong province")).Expect(200);
        var again = (await RejectAsync(_checker, ApprovalIdOf(held), rejection, "Wrong province")).Expect(200);
        var approve = (await ApproveAsync(_checker, ApprovalIdOf(held))).Expect(409);
        var retry = (await _maker.AllocateAsync("VN", "01", 150 * Billion, commandId: commandId)).Expect(409);

        Assert.Equal("rejected", rejected.Json.GetProperty("status").GetString());
        Assert.Equal(rejected.Body, again.Body);
        Assert.Equal("/problems/approval-decided", approve.ProblemType);
        Assert.Equal("/problems/command-rejected", retry.ProblemType);
        Assert.Contains("Wrong province", retry.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await service.EventCountAsync());
        Assert.Equal(198 * Billion, await AvailableAsync("VN"));
    }

    [Fact]
    public async Task An_approval_is_decided_on_the_state_of_its_day_and_a_refusal_leaves_it_pending()
    {
        await FundTheNationAsync();
        var held = (await _maker.AllocateAsync("VN", "01", 150 * Billion)).Expect(202);
        (await _maker.AllocateAsync("VN", "79", 90 * Billion)).Expect(200);

        var refused = (await ApproveAsync(_checker, ApprovalIdOf(held))).Expect(409);

        Assert.Equal("/problems/insufficient-funds", refused.ProblemType);
        var pending = await _checker.ReadJsonAsync("/api/approvals?status=pending");
        Assert.Equal(ApprovalIdOf(held), Assert.Single(pending.EnumerateArray()).GetProperty("approvalId").GetGuid());
        Assert.Equal(0, await AvailableAsync("01"));
    }

    [Fact]
    public async Task Every_reversal_is_held_whatever_its_amount()
    {
        var entrustment = (await _maker.EntrustCentralBudgetAsync(5 * Billion)).Expect(200).Json.GetProperty("commandId").GetGuid();
        var reversalId = Guid.NewGuid();

        var held = (await _maker.PostJsonAsync("/api/reversals", new { commandId = reversalId, reversedCommandId = entrustment, reason = "Entered in error" })).Expect(202);
        Assert.Equal(5 * Billion, await AvailableAsync("VN"));

        (await ApproveAsync(_checker, ApprovalIdOf(held))).Expect(200);
        Assert.Equal(0, await AvailableAsync("VN"));
        Assert.All(await service.EventUsersAsync(reversalId), u => Assert.Equal(("cf-lan", "cf-minh", "Trần Văn Minh"), u));
    }

    [Fact]
    public async Task A_merge_is_held_and_applied_when_approved()
    {
        var today = ServiceFixture.Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var held = (await _maker.MergeAsync(["04"], "01", today)).Expect(202);
        Assert.Equal("active", (await _maker.ReadJsonAsync("/api/localities/04")).GetProperty("status").GetString());

        (await ApproveAsync(_checker, ApprovalIdOf(held))).Expect(200);

        var merged = await _maker.ReadJsonAsync("/api/localities/04");
        Assert.Equal("merged", merged.GetProperty("status").GetString());
        Assert.Equal("01", merged.GetProperty("successor").GetString());
    }

    [Fact]
    public async Task A_large_entrustment_is_held_but_a_branch_officers_allocation_is_not()
    {
        (await _maker.EntrustCentralBudgetAsync(FourEyesService.ThresholdVnd)).Expect(202);
        (await _maker.PostJsonAsync("/api/capital/mobilisations", new
        {
            commandId = Guid.NewGuid(), amountVnd = 500 * Billion, instrument = "bonds", reference = "TP-1",
        })).Expect(202);
        using var committee = service.Client(Roles.PeopleCommittee, "pc-01", "UBND Hà Nội", "01");
        using var branch = service.Client(Roles.BranchOfficer, "bo-01", "Chi nhánh Hà Nội", "01");
        (await committee.TopUpLocalBudgetAsync("01", 200 * Billion)).Expect(200);

        (await branch.AllocateAsync("01", "00004", 150 * Billion, LocalBudget)).Expect(200);

        Assert.Equal(0, await AvailableAsync("VN"));
    }

    [Fact]
    public async Task The_pending_list_shows_what_waits_with_its_maker_and_the_decided_ones_by_status()
    {
        await FundTheNationAsync();
        var first = (await _maker.AllocateAsync("VN", "01", 150 * Billion)).Expect(202);
        var second = (await _maker.AllocateAsync("VN", "79", 120 * Billion)).Expect(202);
        (await RejectAsync(_checker, ApprovalIdOf(second), reason: "Duplicate")).Expect(200);
        using var analyst = service.Client(Roles.Analyst, "an-1", "Analyst");

        var pending = await analyst.ReadJsonAsync("/api/approvals");
        var rejected = await analyst.ReadJsonAsync("/api/approvals?status=rejected");

        var row = Assert.Single(pending.EnumerateArray());
        Assert.Equal(ApprovalIdOf(first), row.GetProperty("approvalId").GetGuid());
        Assert.Equal("/api/allocations", row.GetProperty("route").GetString());
        Assert.Equal(150 * Billion, row.GetProperty("body").GetProperty("amountVnd").GetInt64());
        Assert.Equal("Nguyễn Thị Lan", row.GetProperty("maker").GetProperty("name").GetString());
        var dropped = Assert.Single(rejected.EnumerateArray());
        Assert.Equal("cf-minh", dropped.GetProperty("checker").GetProperty("sub").GetString());
        Assert.Equal("Duplicate", dropped.GetProperty("reason").GetString());
        Assert.Empty((await analyst.ReadJsonAsync("/api/approvals?status=approved")).EnumerateArray());
    }

    [Fact]
    public async Task Bad_input_to_the_approval_routes_is_refused_and_appends_nothing()
    {
        await FundTheNationAsync();
        var held = (await _maker.AllocateAsync("VN", "01", 150 * Billion)).Expect(202);
        var before = await service.EventCountAsync();
        using var analyst = service.Client(Roles.Analyst, "an-1", "Analyst");
        using var branch = service.Client(Roles.BranchOfficer, "bo-01", "Chi nhánh Hà Nội", "01");

        Assert.Equal("/problems/not-found", (await ApproveAsync(_checker, Guid.NewGuid())).Expect(404).ProblemType);
        Assert.Equal("/problems/not-found", (await RejectAsync(_checker, Guid.NewGuid())).Expect(404).ProblemType);
        Assert.Equal("/problems/validation", (await ApproveAsync(_checker, "not-a-uuid")).Expect(400).ProblemType);
        Assert.Equal("/problems/validation", (await RejectAsync(_checker, "12345")).Expect(400).ProblemType);
        var noCommandId = (await _checker.PostJsonAsync($"/api/approvals/{ApprovalIdOf(held)}/approve", new { reason = "ok" })).Expect(400);
        Assert.True(noCommandId.Json.GetProperty("errors").TryGetProperty("commandId", out _), noCommandId.Body);
        Assert.Equal("/problems/forbidden", (await ApproveAsync(analyst, ApprovalIdOf(held))).Expect(403).ProblemType);
        Assert.Equal("/problems/forbidden", (await RejectAsync(branch, ApprovalIdOf(held))).Expect(403).ProblemType);
        Assert.Equal("/problems/forbidden", (await branch.GetAnswerAsync("/api/approvals")).Expect(403).ProblemType);
        Assert.Equal("/problems/validation", (await analyst.GetAnswerAsync("/api/approvals?status=maybe")).Expect(400).ProblemType);

        Assert.Equal(before, await service.EventCountAsync());
        var stillPending = await _checker.ReadJsonAsync("/api/approvals");
        Assert.Equal(JsonValueKind.Object, Assert.Single(stillPending.EnumerateArray()).ValueKind);
    }

    [Fact]
    public async Task A_held_command_that_fails_validation_is_still_its_400_and_is_not_held()
    {
        var answer = (await _maker.AllocateAsync("VN", "nowhere", 150 * Billion)).Expect(400);

        Assert.Equal("/problems/validation", answer.ProblemType);
        Assert.Empty((await _checker.ReadJsonAsync("/api/approvals")).EnumerateArray());
    }
}
