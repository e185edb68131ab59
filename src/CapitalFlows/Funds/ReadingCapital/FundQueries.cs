using CapitalFlows.Localities;
using Marten;

namespace CapitalFlows.Funds.ReadingCapital;

/// <summary>Reads of the fund snapshots, which the inline projection keeps current with every command.</summary>
public static class FundQueries
{
    public static Task<IReadOnlyList<Fund>> All(IQuerySession session, CancellationToken ct) =>
        session.Query<Fund>().ToListAsync(ct);

    /// <summary>The funds held at the locality and at every locality below it on that date.</summary>
    public static Task<IReadOnlyList<Fund>> SubtreeOf(
        IQuerySession session, string code, DateOnly date, LocalityDirectory localities, CancellationToken ct) =>
        code == LocalityDirectory.Nation ? All(session, ct) : HeldAt(session, localities.SubtreeOn(code, date), ct);

    /// <summary>The funds held at these localities (a fund's id starts with its locality's code).</summary>
    public static Task<IReadOnlyList<Fund>> HeldAt(IQuerySession session, IReadOnlyList<string> codes, CancellationToken ct) =>
        session.QueryAsync<Fund>("where split_part(id, '/', 1) = ANY(?)", ct, [codes.ToArray()]);
}
