using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The shapes of API answers, held in approved files (Approved/&lt;TestName&gt;.approved.json): a change to a
/// field name, an order or a value shows as a diff to review.
/// </summary>
public sealed class ApiSnapshotTests(ServiceFixture service) : IntegrationTest(service)
{
    [Fact]
    public async Task The_programme_list()
    {
        using var analyst = Service.Client(Roles.Analyst);

        var answer = (await analyst.GetAnswerAsync("/api/programmes")).Expect(200);

        Approved.Verify(answer.Body);
    }

    [Fact]
    public async Task One_province()
    {
        using var committee = Service.Client(Roles.PeopleCommittee, "79");

        var answer = (await committee.GetAnswerAsync("/api/localities/01")).Expect(200);

        Approved.Verify(answer.Body);
    }

    [Fact]
    public async Task Hanoi_capital_after_the_ledger_scenario()
    {
        await Service.RecordLedgerScenarioAsync();
        using var branch = Service.Client(Roles.BranchOfficer, "01");

        var answer = (await branch.GetAnswerAsync("/api/localities/01/capital")).Expect(200);

        Approved.Verify(answer.Body);
    }

    [Fact]
    public async Task Hanoi_allocation_balances_after_the_ledger_scenario()
    {
        await Service.RecordLedgerScenarioAsync();
        using var branch = Service.Client(Roles.BranchOfficer, "01");

        var answer = (await branch.GetAnswerAsync("/api/localities/01/allocations")).Expect(200);

        Approved.Verify(answer.Body);
    }

    [Fact]
    public async Task An_accepted_allocation()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(1_000_000_000)).Expect(200);

        var answer = (await finance.AllocateAsync("VN", "01", 300_000_000, toProgramme: "poor-households")).Expect(200);

        Approved.Verify(answer.Body);
    }

    [Fact]
    public async Task A_validation_problem_listing_every_field_error()
    {
        using var finance = Service.Client(Roles.CentralFinance);

        var answer = (await finance.PostJsonAsync("/api/allocations", new
        {
            commandId = Guid.NewGuid(),
            from = "XX",
            to = "01",
            source = "gold",
            programme = "poor-households",
            toProgramme = "students",
            amountVnd = 0,
        })).Expect(400);

        Approved.Verify(answer.Body);
    }

    [Fact]
    public async Task An_insufficient_funds_problem()
    {
        using var finance = Service.Client(Roles.CentralFinance);

        var answer = (await finance.AllocateAsync("VN", "01", 10_000_000)).Expect(409);

        Approved.Verify(answer.Body);
    }
}
