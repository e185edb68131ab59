using System.Globalization;
using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Localities.Merging;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>Balances on both time axes, the locality's history and the event log export.</summary>
public sealed class HistoryReadTests(ServiceFixture service) : IntegrationTest(service)
{
    private HttpClient Finance => Service.Client(Roles.CentralFinance);

    private async Task<DateTimeOffset> RecordBackDatedHistoryAsync()
    {
        (await Finance.EntrustCentralBudgetAsync(1_000, effectiveOn: "2024-01-10")).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 300, effectiveOn: "2024-06-01")).Expect(200);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        (await Finance.EntrustCentralBudgetAsync(5_000, effectiveOn: "2025-01-01")).Expect(200);
        return between;
    }

    private async Task<long> AvailableAsync(string locality, string query, string side = "own")
    {
        var answer = await Finance.GetAnswerAsync($"/api/localities/{locality}/capital?{query}");
        Assert.True(answer.Status == 200, answer.ToString());
        return answer.Json.GetProperty(side).GetProperty("availableVnd").GetInt64();
    }

    [Fact]
    public async Task Capital_as_of_a_date_counts_the_movements_effective_by_the_end_of_that_day()
    {
        await RecordBackDatedHistoryAsync();

        Assert.Equal(0, await AvailableAsync("VN", "asOf=2024-01-09"));
        Assert.Equal(1_000, await AvailableAsync("VN", "asOf=2024-01-10"));
        Assert.Equal(700, await AvailableAsync("VN", "asOf=2024-06-01"));
        Assert.Equal(300, await AvailableAsync("01", "asOf=2024-12-31"));
        Assert.Equal(1_000, await AvailableAsync("VN", "asOf=2024-12-31", "subtree"));
        Assert.Equal(5_700, await AvailableAsync("VN", "asOf=2025-01-01"));
        Assert.Equal(5_700, await AvailableAsync("VN", ""));
    }

    [Fact]
    public async Task Known_at_an_instant_before_a_back_dated_entry_was_recorded_excludes_it()
    {
        var between = (await RecordBackDatedHistoryAsync()).ToString("O", CultureInfo.InvariantCulture);

        Assert.Equal(700, await AvailableAsync("VN", $"asOf=2025-06-30&knownAt={Uri.EscapeDataString(between)}"));
        Assert.Equal(5_700, await AvailableAsync("VN", "asOf=2025-06-30"));
        Assert.Equal(700, await AvailableAsync("VN", $"knownAt={Uri.EscapeDataString(between)}"));
    }

    [Fact]
    public async Task The_summary_as_of_the_end_of_2024_lists_the_63_provinces_and_from_July_2025_the_34()
    {
        await RecordBackDatedHistoryAsync();

        var before = await Finance.GetAnswerAsync("/api/capital/summary?asOf=2024-12-31");
        var after = await Finance.GetAnswerAsync("/api/capital/summary?asOf=2025-07-01");

        Assert.Equal(63, before.Json.GetProperty("byProvince").GetArrayLength());
        Assert.Equal(1_000, before.Json.GetProperty("totalVnd").GetInt64());
        Assert.Equal(34, after.Json.GetProperty("byProvince").GetArrayLength());
        Assert.Equal(6_000, after.Json.GetProperty("totalVnd").GetInt64());
    }

    [Theory]
    [InlineData("asOf=2024-13-01", "asOf")]
    [InlineData("asOf=2999-01-01", "asOf")]
    [InlineData("knownAt=yesterday", "knownAt")]
    public async Task A_malformed_or_future_date_is_400_validation(string query, string field)
    {
        foreach (var url in new[] { $"/api/localities/VN/capital?{query}", $"/api/localities/01/allocations?{query}", $"/api/capital/summary?{query}" })
        {
            var answer = await Finance.GetAnswerAsync(url);
            Assert.Equal(400, answer.Status);
            Assert.Equal("/problems/validation", answer.ProblemType);
            Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.ToString());
        }
    }

    [Fact]
    public async Task A_localitys_history_pages_through_its_own_funds_events_with_both_dates_and_who()
    {
        await RecordBackDatedHistoryAsync();

        var first = await Finance.GetAnswerAsync("/api/localities/VN/history?limit=2");
        var items = first.Json.GetProperty("items");
        Assert.Equal(2, items.GetArrayLength());
        Assert.Equal("CentralBudgetEntrusted", items[0].GetProperty("type").GetString());
        Assert.Equal("2024-01-10", items[0].GetProperty("effectiveOn").GetString());
        Assert.Equal(Roles.CentralFinance, items[0].GetProperty("user").GetProperty("role").GetString());
        Assert.False(items[0].GetProperty("reversed").GetBoolean());
        Assert.Equal("CapitalAllocated", items[1].GetProperty("type").GetString());
        Assert.Matches("^[0-9a-f]{64}$", items[0].GetProperty("hash").GetString());

        var next = first.Json.GetProperty("next").GetInt64();
        var second = await Finance.GetAnswerAsync($"/api/localities/VN/history?limit=2&after={next}");
        Assert.Equal(1, second.Json.GetProperty("items").GetArrayLength());
        Assert.False(second.Json.TryGetProperty("next", out var more) && more.ValueKind != JsonValueKind.Null);

        var commune = await Finance.GetAnswerAsync("/api/localities/01/history?from=2024-06-01&to=2024-06-01");
        Assert.Equal("AllocationReceived", Assert.Single(commune.Json.GetProperty("items").EnumerateArray()).GetProperty("type").GetString());
        Assert.Equal(400, (await Finance.GetAnswerAsync("/api/localities/VN/history?limit=1001")).Status);
    }

    [Fact]
    public async Task The_event_log_export_has_one_line_per_event_in_global_order_and_resumes_after_a_sequence()
    {
        await RecordBackDatedHistoryAsync();
        // Every event of the store: the commands' and the 2025 reorganisation a fresh store starts with.
        var events = await Service.EventCountAsync() + Reorganisation2025Data.EventCount;

        var ndjson = (await Finance.GetAnswerAsync("/api/events")).Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(events, ndjson.Length);
        var sequences = ndjson.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.Order(), sequences);
        // Every event carries its link of the chain, hex; the chain's head, as verify gives it, is one of them.
        var hashes = ndjson.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("hash").GetString()!).ToList();
        Assert.All(hashes, h => Assert.Matches("^[0-9a-f]{64}$", h));
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
        var head = (await Finance.GetAnswerAsync("/api/ledger/verify")).Json.GetProperty("lastHash").GetString();
        Assert.Contains(head, hashes);

        var resumed = (await Finance.GetAnswerAsync($"/api/events?after={sequences[1]}")).Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(events - 2, resumed.Length);

        var csv = (await Finance.GetAnswerAsync("/api/events?format=csv&limit=1")).Body.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            "sequence,effectiveOn,recordedAt,type,streamKey,locality,localityName,source,programme,amountVnd,loanId,commandId,correlationId,userSub,userName,userRole,data,hash",
            csv[0]);
        Assert.Equal(2, csv.Length);

        Assert.Equal(403, (await Service.Client(Roles.BranchOfficer, "01").GetAnswerAsync("/api/events")).Status);
    }

    [Fact]
    public async Task A_loan_as_of_a_date_and_as_known_at_an_instant_shows_only_what_had_happened_and_was_recorded()
    {
        (await Finance.EntrustCentralBudgetAsync(1_000_000_000, effectiveOn: "2025-01-02")).Expect(200);
        (await Finance.AllocateAsync("VN", "01", 1_000_000_000, toProgramme: "students", effectiveOn: "2025-01-02")).Expect(200);
        var loanId = (await Finance.DrawDownAsync("01", "central-budget", "students", 90_000_000, effectiveOn: "2025-03-01")).LoanId();
        var beforeRepayment = DateTimeOffset.UtcNow;
        await Task.Delay(50, TestContext.Current.CancellationToken);
        (await Finance.RepayAsync(loanId, 30_000_000, effectiveOn: "2025-06-01")).Expect(200);

        async Task<long> OutstandingAsync(string query) =>
            (await Finance.GetAnswerAsync($"/api/loans/{loanId}?{query}")).Expect(200).Json.GetProperty("outstandingVnd").GetInt64();

        Assert.Equal(90_000_000, await OutstandingAsync("asOf=2025-05-31"));
        Assert.Equal(60_000_000, await OutstandingAsync("asOf=2025-06-01"));
        Assert.Equal(60_000_000, await OutstandingAsync(""));
        Assert.Equal(90_000_000, await OutstandingAsync($"knownAt={Uri.EscapeDataString(beforeRepayment.ToString("O", CultureInfo.InvariantCulture))}"));
        var notYet = await Finance.GetAnswerAsync($"/api/loans/{loanId}?asOf=2025-02-28");
        Assert.Equal(404, notYet.Status);
        Assert.Equal("/problems/not-found", notYet.ProblemType);
    }

    [Theory]
    [InlineData("/api/events?limit=0", "limit")]
    [InlineData("/api/events?after=-1", "after")]
    [InlineData("/api/events?format=xml", "format")]
    [InlineData("/api/capital/daily?from=2025-02-30", "from")]
    [InlineData("/api/capital/daily?to=2999-01-01", "to")]
    [InlineData("/api/localities/VN/history?after=abc", "after")]
    [InlineData("/api/localities/VN/history?from=yesterday", "from")]
    [InlineData("/api/loans/00000000-0000-0000-0000-000000000001?knownAt=soon", "knownAt")]
    public async Task A_malformed_paging_or_date_parameter_of_a_history_read_is_400_naming_it(string url, string field)
    {
        var answer = await Finance.GetAnswerAsync(url);

        Assert.Equal(400, answer.Status);
        Assert.Equal("/problems/validation", answer.ProblemType);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.ToString());
    }
}
