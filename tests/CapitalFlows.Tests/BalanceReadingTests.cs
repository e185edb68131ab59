using CapitalFlows.Api;
using CapitalFlows.Loans.ReadingCreditQuality;
using CapitalFlows.Reading;

namespace CapitalFlows.Tests;

/// <summary>Where an as-of read of the movements starts its index range: <see cref="BalanceReading.EffectiveBy"/>.</summary>
public sealed class BalanceReadingTests
{
    [Fact]
    public void Without_an_instant_the_read_looks_back_from_the_date_asked()
    {
        Assert.Equal(new DateOnly(2025, 6, 30), new BalanceReading(new DateOnly(2025, 6, 30), null, IsLive: false).EffectiveBy);
    }

    [Fact]
    public void As_known_at_an_earlier_instant_it_looks_back_from_the_day_after_that_instant_in_Vietnam()
    {
        // 20:00 UTC on 1 January is 03:00 on 2 January in Vietnam: nothing recorded by then is effective after 2 January.
        var reading = new BalanceReading(new DateOnly(2025, 6, 30), new DateTimeOffset(2025, 1, 1, 20, 0, 0, TimeSpan.Zero), IsLive: false);

        Assert.Equal(new DateOnly(2025, 1, 3), reading.EffectiveBy);
    }

    [Fact]
    public void As_known_at_an_instant_after_the_date_asked_it_looks_back_from_that_date()
    {
        var reading = new BalanceReading(new DateOnly(2025, 6, 30), new DateTimeOffset(2025, 6, 30, 0, 0, 0, TimeSpan.Zero), IsLive: false);

        Assert.Equal(new DateOnly(2025, 6, 30), reading.EffectiveBy);
    }

    [Fact]
    public void The_fund_movements_read_and_the_credit_quality_read_both_bound_their_index_range_by_it()
    {
        var reading = new BalanceReading(new DateOnly(2025, 6, 30), new DateTimeOffset(2025, 1, 1, 20, 0, 0, TimeSpan.Zero), IsLive: false);

        using var funds = FundQueries.HistoricalCommand("capitalflows", ["01"], reading);
        using var quality = CreditQualityQueries.Command("capitalflows", new Dictionary<string, string> { ["01"] = "01" }, "programme", reading);

        Assert.Contains("effective_on <= @effectiveBy", funds.CommandText, StringComparison.Ordinal);
        Assert.Contains("t.effective_on <= @effectiveBy", quality.CommandText, StringComparison.Ordinal);
        Assert.Equal(new DateOnly(2025, 1, 3), funds.Parameters["effectiveBy"].Value);
        Assert.Equal(new DateOnly(2025, 1, 3), quality.Parameters["effectiveBy"].Value);
        // Overdue is still judged on the date asked.
        Assert.Equal(new DateOnly(2025, 6, 30), quality.Parameters["asOf"].Value);
    }
}
