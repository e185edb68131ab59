using Marten;

namespace CapitalFlows.Demo;

/// <summary>
/// The scale a demo history was written at, kept as one small document by <c>seed-demo</c> (id
/// <see cref="DocumentId"/>): one borrower in <see cref="SampleFactor"/> simulated and every capital amount divided by
/// it (loan amounts, caps and terms real). <see cref="CorrectionsRecordedAfter"/> is the instant between the base
/// history and its back-dated corrections: "as known at" it shows the books before them. A store that was not seeded
/// has no such document, and its figures are at 1 : 1.
/// </summary>
public sealed record DemoScale(
    string Id, int SampleFactor, DateOnly From, DateOnly To, int Seed, DateTimeOffset? CorrectionsRecordedAfter, DateTimeOffset SeededAt)
{
    public const string DocumentId = "demo-history";

    /// <summary>Keeps the scale a history was written at (after it is written), replacing any kept before.</summary>
    public static async Task<DemoScale> RecordAsync(IDocumentStore store, DemoHistory history, TimeProvider clock, CancellationToken ct)
    {
        var options = history.Options;
        var scale = new DemoScale(DocumentId, options.SampleFactor, options.From, options.To, options.Seed, history.CorrectionsRecordedAfter, clock.GetUtcNow());
        await using var session = store.LightweightSession();
        session.Store(scale);
        await session.SaveChangesAsync(ct);
        return scale;
    }
}
