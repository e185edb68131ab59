using CapitalFlows.Api;
using CapitalFlows.Reading;

namespace CapitalFlows.Tests;

/// <summary>Where an as-of read of the fund movements starts looking back from.</summary>
public sealed class FundQueriesTests
{
    [Fact]
    public void Without_an_instant_the_read_looks_back_from_the_date_asked()
    {
        Assert.Equal(new DateOnly(2025, 6, 30), FundQueries.EffectiveBy(new BalanceReading(new DateOnly(2025, 6, 30), null, IsLive: false)));
    }

    [Fact]
    public void As_known_at_an_earlier_instant_it_looks_back_from_the_day_after_that_instant_in_Vietnam()
    {
        // 20:00 UTC on 1 January is 03:00 on 2 January in Vietnam: nothing recorded by then is effective after 2 January.
        var reading = new BalanceReading(new DateOnly(2025, 6, 30), new DateTimeOffset(2025, 1, 1, 20, 0, 0, TimeSpan.Zero), IsLive: false);

        Assert.Equal(new DateOnly(2025, 1, 3), FundQueries.EffectiveBy(reading));
    }

    [Fact]
    public void As_known_at_an_instant_after_the_date_asked_it_looks_back_from_that_date()
    {
        var reading = new BalanceReading(new DateOnly(2025, 6, 30), new DateTimeOffset(2025, 6, 30, 0, 0, 0, TimeSpan.Zero), IsLive: false);

        Assert.Equal(new DateOnly(2025, 6, 30), FundQueries.EffectiveBy(reading));
    }
}
