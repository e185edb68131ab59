using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Tests;

/// <summary>The dates every balance read takes, parsed strictly (API.md, second edition).</summary>
public sealed class ReadDatesTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>2026-12-05 12:00 in Vietnam.</summary>
    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 12, 5, 5, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("2026-01-02T00:00:00+07:00", "2026-01-01T17:00:00Z")]
    [InlineData("2026-01-01T17:00:00Z", "2026-01-01T17:00:00Z")]
    [InlineData("2026-01-01T17:00:00.1234567Z", "2026-01-01T17:00:00.1234567Z")]
    [InlineData("2026-01-02T00:00+07:00", "2026-01-01T17:00:00Z")]
    [InlineData("2026-12-05T05:00:00Z", "2026-12-05T05:00:00Z")]
    public void KnownAt_is_an_ISO_8601_instant_with_its_offset_or_Z(string knownAt, string utc)
    {
        var (reading, problem) = ReadDates.Reading(null, knownAt, Clock);

        Assert.Null(problem);
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), reading.KnownAt);
        Assert.False(reading.IsLive);
    }

    [Theory]
    [InlineData("1/2/2026")]
    [InlineData("01/02/2026 00:00:00")]
    [InlineData("2026-01-02")]
    [InlineData("2026-01-02T00:00:00")]
    [InlineData("2026-01-02 00:00:00+07:00")]
    [InlineData("Fri, 02 Jan 2026 00:00:00 GMT")]
    [InlineData("2026-13-02T00:00:00Z")]
    [InlineData("soon")]
    [InlineData("")]
    [InlineData("2026-12-05T05:00:01Z")]
    [InlineData("2027-01-01T00:00:00+07:00")]
    public void A_locale_form_an_instant_without_offset_or_a_future_instant_is_refused_naming_knownAt(string knownAt)
    {
        var (_, problem) = ReadDates.Reading(null, knownAt, Clock);

        Assert.Equal("/problems/validation", problem?.Type);
        Assert.Equal(["knownAt"], ((IReadOnlyDictionary<string, string[]>)problem!.Extensions["errors"]!).Keys);
    }

    [Theory]
    [InlineData("2026-12-06")]
    [InlineData("5/12/2026")]
    [InlineData("2026-12-5")]
    [InlineData("2026-12-05T00:00:00Z")]
    [InlineData("garbage")]
    public void AsOf_is_exactly_a_date_not_in_the_future(string asOf)
    {
        var (_, problem) = ReadDates.Reading(asOf, null, Clock);

        Assert.Equal(["asOf"], ((IReadOnlyDictionary<string, string[]>)problem!.Extensions["errors"]!).Keys);
    }

    [Fact]
    public void Both_malformed_are_listed_together()
    {
        var (_, problem) = ReadDates.Reading("garbage", "1/2/2026", Clock);

        Assert.Equal(["asOf", "knownAt"], ((IReadOnlyDictionary<string, string[]>)problem!.Extensions["errors"]!).Keys.Order());
    }

    [Fact]
    public void Today_and_no_knownAt_is_the_live_reading()
    {
        var (reading, problem) = ReadDates.Reading("2026-12-05", null, Clock);

        Assert.Null(problem);
        Assert.True(reading.IsLive);
        Assert.Null(reading.KnownAt);
    }
}
