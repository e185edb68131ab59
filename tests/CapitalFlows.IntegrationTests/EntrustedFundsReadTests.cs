using System.Globalization;
using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The People's Committee's statement on both time axes (API.md, second edition): as of a date, as known at an
/// instant, its rows named by programme and by year, a year's flows apart from its year-end balances.
/// </summary>
public sealed class EntrustedFundsReadTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Billion = 1_000_000_000;

    private HttpClient Committee => Service.Client(Roles.PeopleCommittee, "01");

    /// <summary>
    /// Hà Nội's committee entrusts 20bn for job creation in March 2024 and 5bn for poor households in October 2024;
    /// 2bn is lent from the job-creation money in November 2024; 7bn more for job creation in February 2025.
    /// Returns the instant between the 2024 top-ups and the 2025 one being recorded.
    /// </summary>
    private async Task<DateTimeOffset> RecordHanoiHistoryAsync()
    {
        (await TopUpAsync(20 * Billion, JobCreation, "2024-03-01")).Expect(200);
        (await TopUpAsync(5 * Billion, PoorHouseholds, "2024-10-01")).Expect(200);
        using var branch = Service.Client(Roles.BranchOfficer, "01");
        (await branch.DrawDownAsync("01", LocalBudget, JobCreation, 2 * Billion / 1_000, effectiveOn: "2024-11-01")).Expect(201);
        await Task.Delay(20);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        (await TopUpAsync(7 * Billion, JobCreation, "2025-02-01")).Expect(200);
        return between;
    }

    private Task<Answer> TopUpAsync(long amountVnd, string programme, string effectiveOn) =>
        Committee.PostJsonAsync("/api/capital/local-budget-top-ups", new
        {
            commandId = Guid.NewGuid(),
            locality = "01",
            amountVnd,
            programme,
            decisionRef = "NQ-HĐND",
            effectiveOn,
        });

    private static (long, long, long, long, long) Totals(JsonElement s) =>
        (s.Vnd("entrustedVnd"), s.Vnd("lentVnd"), s.Vnd("repaidVnd"), s.Vnd("outstandingVnd"), s.Vnd("availableVnd"));

    private static string At(DateTimeOffset instant) =>
        Uri.EscapeDataString(instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));

    [Fact]
    public async Task The_committee_of_01_reads_its_statement_as_of_the_end_of_2024()
    {
        await RecordHanoiHistoryAsync();
        const long lent = 2 * Billion / 1_000;

        var statement = await Committee.ReadJsonAsync("/api/localities/01/entrusted-funds?asOf=2024-12-31");

        Assert.Equal("01", statement.GetProperty("locality").GetString());
        Assert.Equal("Thành phố Hà Nội", statement.GetProperty("localityName").GetString());
        Assert.Equal("2024-12-31", statement.GetProperty("asOf").GetString());
        Assert.Equal((25 * Billion, lent, 0L, lent, 25 * Billion - lent), Totals(statement));
        var jobCreation = statement.GetProperty("byProgramme").Line("programme", JobCreation);
        Assert.Equal("Cho vay giải quyết việc làm", jobCreation.GetProperty("programmeName").GetString());
        Assert.Equal((20 * Billion, lent, 0L, lent, 20 * Billion - lent), Totals(jobCreation));
        var years = statement.GetProperty("byYear").EnumerateArray().ToList();
        var only = Assert.Single(years);
        Assert.Equal(2024, only.GetProperty("year").GetInt32());
        Assert.Equal(25 * Billion, only.Vnd("entrustedInYearVnd"));
        Assert.Equal(lent, only.Vnd("lentInYearVnd"));
        Assert.Equal(0, only.Vnd("repaidInYearVnd"));
        Assert.Equal(lent, only.Vnd("outstandingAtYearEndVnd"));
        Assert.Equal(25 * Billion - lent, only.Vnd("availableAtYearEndVnd"));
        Assert.False(only.TryGetProperty("key", out _));

        var now = await Committee.ReadJsonAsync("/api/localities/01/entrusted-funds");
        Assert.Equal(32 * Billion, now.Vnd("entrustedVnd"));
        Assert.Equal([2024, 2025], now.GetProperty("byYear").EnumerateArray().Select(y => y.GetProperty("year").GetInt32()));
    }

    [Fact]
    public async Task The_committee_of_01_reads_its_statement_as_known_at_an_earlier_instant()
    {
        var between = await RecordHanoiHistoryAsync();

        var known = await Committee.ReadJsonAsync($"/api/localities/01/entrusted-funds?knownAt={At(between)}");
        var now = await Committee.ReadJsonAsync("/api/localities/01/entrusted-funds");

        Assert.Equal(25 * Billion, known.Vnd("entrustedVnd"));
        Assert.Equal(32 * Billion, now.Vnd("entrustedVnd"));
        Assert.Equal([2024], known.GetProperty("byYear").EnumerateArray().Select(y => y.GetProperty("year").GetInt32()));
        var before = await Committee.ReadJsonAsync($"/api/localities/01/entrusted-funds?asOf=2025-12-31&knownAt={At(between)}");
        Assert.Equal(25 * Billion, before.Vnd("entrustedVnd"));
    }

    [Fact]
    public async Task With_a_year_only_that_years_row_is_listed_with_its_flows_and_its_year_end_balances()
    {
        await RecordHanoiHistoryAsync();
        const long lent = 2 * Billion / 1_000;

        var statement = await Committee.ReadJsonAsync("/api/localities/01/entrusted-funds?year=2025");

        Assert.Equal(2025, statement.GetProperty("year").GetInt32());
        Assert.Equal((7 * Billion, 0L, 0L, lent, 32 * Billion - lent), Totals(statement));
        var only = Assert.Single(statement.GetProperty("byYear").EnumerateArray().ToList());
        Assert.Equal(2025, only.GetProperty("year").GetInt32());
        Assert.Equal(7 * Billion, only.Vnd("entrustedInYearVnd"));
        Assert.Equal(32 * Billion - lent, only.Vnd("availableAtYearEndVnd"));
    }

    [Theory]
    [InlineData("asOf=garbage", "asOf")]
    [InlineData("asOf=2024-12-32", "asOf")]
    [InlineData("asOf=2099-01-01", "asOf")]
    [InlineData("knownAt=1%2F2%2F2026", "knownAt")]
    [InlineData("knownAt=2026-01-02T00:00:00", "knownAt")]
    [InlineData("knownAt=2099-01-02T00:00:00Z", "knownAt")]
    [InlineData("year=2025&asOf=2024-12-31", "year")]
    [InlineData("year=+2024", "year")]
    public async Task Malformed_or_future_dates_and_a_year_after_asOf_are_refused_naming_the_field(string query, string field)
    {
        await RecordHanoiHistoryAsync();
        var before = await Service.EventCountAsync();

        var answer = await Committee.GetAnswerAsync($"/api/localities/01/entrusted-funds?{query}");

        answer.ExpectProblem(400, Validation);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }
}
