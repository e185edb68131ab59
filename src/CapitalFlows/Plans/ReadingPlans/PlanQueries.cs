using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Reading;
using Marten;

namespace CapitalFlows.Plans.ReadingPlans;

/// <summary>
/// Reads of plans and of the actuals beside them. Plans are read from their own streams (a handful of keys, each an
/// index lookup in the log), keeping only the events recorded by <c>knownAt</c>: a plan adjusted later is seen as it
/// was. Actuals are the funds as of two dates from the fund movements (<see cref="FundQueries"/>), on the same axis.
/// </summary>
public static class PlanQueries
{
    /// <summary>The events of each stream recorded by the instant (all when it is null).</summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<object>>> StreamsAsync(
        IQuerySession session, IReadOnlyCollection<string> keys, DateTimeOffset? knownAt, CancellationToken ct)
    {
        var streams = new Dictionary<string, IReadOnlyList<object>>(StringComparer.Ordinal);
        if (keys.Count == 0) return streams;
        var batch = session.CreateBatchQuery();
        var tasks = keys.Distinct(StringComparer.Ordinal).Select(k => (Key: k, Events: batch.Events.FetchStream(k))).ToList();
        await batch.Execute(ct);
        foreach (var (key, events) in tasks)
            streams[key] = (await events)
                .Where(e => knownAt is null || FundMovementProjection.RecordedAt(e) <= knownAt)
                .Select(e => e.Data)
                .ToList();
        return streams;
    }

    /// <summary>
    /// The funds of these localities as of the reading's date and as of the end of the previous year, both known at the
    /// reading's instant. When the date falls before the year began, nothing was lent in it yet: both are the same funds.
    /// </summary>
    public static async Task<(IReadOnlyList<Fund> AtDate, IReadOnlyList<Fund> AtYearStart)> FundsAsync(
        IQuerySession session, IReadOnlyList<string>? codes, int year, BalanceReading reading, CancellationToken ct)
    {
        var atDate = await Read(session, codes, reading with { IsLive = false }, ct);
        var yearStart = new DateOnly(year, 1, 1);
        var atYearStart = reading.AsOf < yearStart
            ? atDate
            : await Read(session, codes, new BalanceReading(yearStart.AddDays(-1), reading.KnownAt, false), ct);
        return (atDate, atYearStart);
    }

    private static Task<IReadOnlyList<Fund>> Read(IQuerySession session, IReadOnlyList<string>? codes, BalanceReading reading, CancellationToken ct) =>
        codes is null ? FundQueries.All(session, reading, ct) : FundQueries.HeldAt(session, codes, reading, ct);

    /// <summary>The date the actuals are read on: <c>asOf</c>, or the end of the year when <c>asOf</c> is later.</summary>
    public static DateOnly ActualsDate(int year, DateOnly asOf)
    {
        var yearEnd = new DateOnly(year, 12, 31);
        return asOf < yearEnd ? asOf : yearEnd;
    }
}
