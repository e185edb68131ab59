using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>Credit quality of a locality (issue 12): outstanding, overdue and its ratio, loans and borrowers, written off, by programme, organisation or child.</summary>
public sealed class CreditQualityTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Million = 1_000_000;
    private const long Billion = 1_000_000_000;

    private static readonly DateOnly VnToday = VietnamCalendar.Today(TimeProvider.System);
    private static readonly DateOnly Drawn = VnToday.AddMonths(-9);
    private static readonly DateOnly FirstDue = Drawn.AddMonths(6);

    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private static string D(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// At 01 two 24-month poor-households loans of 60 million to one borrower (one misses its first instalment of 15
    /// million, the other pays it) and a job-creation loan of 40 million to another through the Farmers' Association,
    /// 10 million of it written off today; at 79 a loan that is not 01's. Returns the loan that missed its instalment.
    /// </summary>
    private async Task<string> RecordLoansAsync()
    {
        (await Finance.EntrustCentralBudgetAsync(10 * Billion, PoorHouseholds, effectiveOn: D(Drawn.AddDays(-2)))).Expect(200);
        (await Finance.EntrustCentralBudgetAsync(10 * Billion, JobCreation, effectiveOn: D(Drawn.AddDays(-2)))).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 1 * Billion, CentralBudget, PoorHouseholds, effectiveOn: D(Drawn.AddDays(-1)))).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 1 * Billion, CentralBudget, JobCreation, effectiveOn: D(Drawn.AddDays(-1)))).Expect(200);
        (await Finance.AllocateAsync("VN", "79", 1 * Billion, CentralBudget, PoorHouseholds, effectiveOn: D(Drawn.AddDays(-1)))).Expect(200);
        using var hanoi = Service.Client(Roles.BranchOfficer, "01");
        using var hcmc = Service.Client(Roles.BranchOfficer, "79");
        var missing = (await hanoi.DrawDownAsync("01", CentralBudget, PoorHouseholds, 60 * Million, "HH-A", termMonths: 24, effectiveOn: D(Drawn))).LoanId();
        var paying = (await hanoi.DrawDownAsync("01", CentralBudget, PoorHouseholds, 60 * Million, "HH-A", termMonths: 24, effectiveOn: D(Drawn))).LoanId();
        (await hanoi.RepayAsync(paying, 15 * Million, effectiveOn: D(FirstDue))).Expect(200);
        var business = (await hanoi.DrawDownAsync("01", CentralBudget, JobCreation, 40 * Million, "HH-B", termMonths: 36, effectiveOn: D(Drawn),
            entrustedOrganisation: "farmers-association")).LoanId();
        (await Finance.PostJsonAsync($"/api/loans/{business}/write-offs",
            new { commandId = Guid.NewGuid(), amountVnd = 10 * Million, cause = "natural-disaster", decisionRef = "QĐ 7/2026" })).Expect(200);
        await hcmc.DrawDownAsync("79", CentralBudget, PoorHouseholds, 60 * Million, "HH-C", termMonths: 24, effectiveOn: D(Drawn));
        return missing;
    }

    private static JsonElement Row(JsonElement quality, string key) =>
        quality.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("key").GetString() == key);

    [Fact]
    public async Task A_provinces_credit_quality_counts_its_loans_overdue_principal_borrowers_and_write_offs_by_programme()
    {
        await RecordLoansAsync();

        var quality = await Finance.ReadJsonAsync("/api/localities/01/credit-quality");

        Assert.Equal((60 + 45 + 30) * Million, quality.Vnd("outstandingVnd"));
        // The first job-creation instalment (40/6) fell due three months ago: the write-off settled it first.
        Assert.Equal(15 * Million, quality.Vnd("overdueVnd"));
        Assert.Equal(15.0 / 135, quality.GetProperty("overdueRatio").GetDouble(), 6);
        Assert.Equal(3, quality.GetProperty("loansOutstanding").GetInt32());
        Assert.Equal(1, quality.GetProperty("loansOverdue").GetInt32());
        Assert.Equal(2, quality.GetProperty("borrowersOutstanding").GetInt32());
        Assert.Equal(10 * Million, quality.Vnd("writtenOffVnd"));
        Assert.Equal(105 * Million, Row(quality, PoorHouseholds).Vnd("outstandingVnd"));
        Assert.Equal(15 * Million, Row(quality, PoorHouseholds).Vnd("overdueVnd"));
        Assert.Equal(10 * Million, Row(quality, JobCreation).Vnd("writtenOffVnd"));
    }

    [Fact]
    public async Task A_repayments_and_a_write_offs_rows_start_from_the_loan_the_recorder_read_not_from_the_log_again()
    {
        long foldedFromLog = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CommandCounter.MeterName && instrument.Name == "capitalflows.loan_quality.loans_folded_from_log")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref foldedFromLog, value));
        listener.Start();

        await RecordLoansAsync();

        Assert.Equal(0, Interlocked.Read(ref foldedFromLog));
        var quality = await Finance.ReadJsonAsync("/api/localities/01/credit-quality");
        Assert.Equal((60 + 45 + 30) * Million, quality.Vnd("outstandingVnd"));
        Assert.Equal(10 * Million, quality.Vnd("writtenOffVnd"));
    }

    [Fact]
    public async Task Nothing_is_overdue_as_of_the_day_the_first_instalment_fell_due_and_rows_go_by_organisation_and_child()
    {
        await RecordLoansAsync();

        var onDue = await Finance.ReadJsonAsync($"/api/localities/01/credit-quality?asOf={D(FirstDue)}");
        var byOrganisation = await Finance.ReadJsonAsync("/api/localities/01/credit-quality?by=organisation");
        var byChild = await Finance.ReadJsonAsync("/api/localities/VN/credit-quality?by=child");

        Assert.Equal(0, onDue.Vnd("overdueVnd"));
        Assert.Equal(0, onDue.Vnd("writtenOffVnd"));
        Assert.Equal(30 * Million, Row(byOrganisation, "farmers-association").Vnd("outstandingVnd"));
        Assert.Equal(135 * Million, Row(byChild, "01").Vnd("outstandingVnd"));
        Assert.Equal(60 * Million, Row(byChild, "79").Vnd("outstandingVnd"));
        Assert.Equal(15 * Million, Row(byChild, "79").Vnd("overdueVnd"));
    }

    [Fact]
    public async Task Known_at_an_instant_before_a_late_repayment_the_instalment_is_still_overdue()
    {
        var missing = await RecordLoansAsync();
        var before = DateTimeOffset.UtcNow;
        await Task.Delay(50, TestContext.Current.CancellationToken);
        using var hanoi = Service.Client(Roles.BranchOfficer, "01");
        (await hanoi.RepayAsync(missing, 15 * Million)).Expect(200);

        var now = await Finance.ReadJsonAsync("/api/localities/01/credit-quality");
        var known = Uri.EscapeDataString(before.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        var thenKnown = await Finance.ReadJsonAsync($"/api/localities/01/credit-quality?knownAt={known}");

        Assert.Equal(0, now.Vnd("overdueVnd"));
        Assert.Equal(15 * Million, thenKnown.Vnd("overdueVnd"));
        Assert.Equal(10 * Million, thenKnown.Vnd("writtenOffVnd"));
        Assert.Equal(135 * Million, thenKnown.Vnd("outstandingVnd"));
    }

    [Theory]
    [InlineData("?by=province")]
    [InlineData("?asOf=2026-02-30")]
    [InlineData("?asOf=2999-01-01")]
    public async Task A_bad_grouping_or_date_is_a_validation_problem(string query)
    {
        (await Finance.GetAnswerAsync($"/api/localities/01/credit-quality{query}")).ExpectProblem(400, Validation);
    }

    [Fact]
    public async Task A_branch_officer_reads_only_their_province()
    {
        using var hcmc = Service.Client(Roles.BranchOfficer, "79");

        Assert.Equal(403, (await hcmc.GetAnswerAsync("/api/localities/01/credit-quality")).Status);
    }
}
