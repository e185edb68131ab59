using System.Globalization;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Operations;
using CapitalFlows.Programmes;
using JasperFx.CommandLine;
using Marten;

namespace CapitalFlows.Demo;

public sealed class SeedDemoInput : NetCoreInput
{
    [Description("The first effective date (YYYY-MM-DD); the history runs from it to yesterday in Vietnam")]
    public string FromFlag { get; set; } = "2021-01-01";

    [Description("The last effective date (YYYY-MM-DD); default yesterday in Vietnam")]
    public string? ToFlag { get; set; }

    [Description("k: one borrower in k simulated, every capital amount divided by k (loan amounts, caps and terms real)")]
    [FlagAlias("sample-factor", true)]
    public int SampleFactorFlag { get; set; } = DemoHistoryOptions.DefaultSampleFactor;

    [Description("Obsolete: the real bank at 1 : k sets the number of events; kept so that old command lines still run")]
    [FlagAlias("events", true)]
    public long EventsFlag { get; set; } = 1_000_000;

    [Description("The seed of the simulation: the same seed writes the same history")]
    public int SeedFlag { get; set; } = 42;

    [Description("Delete every event and document in the store first (the 2025 reorganisation is not recorded again)")]
    public bool ResetFlag { get; set; }

    [Description("Simulate and print the check without writing anything (no database needed)")]
    public bool DryRunFlag { get; set; }

    [Description("Commands written per transaction")]
    public int BatchFlag { get; set; } = 4_000;
}

/// <summary>
/// <c>seed-demo --from 2021-01-01 [--events 1000000] [--seed 42] [--reset]</c>: writes a realistic demo history
/// (<see cref="DemoHistory"/>) into an empty store, effective from <c>--from</c> to yesterday in Vietnam and recorded
/// now, through the engine's bulk path (<see cref="BulkWriter"/>: COPY, then the projections written from the log). The simulation runs ahead of
/// the writer on a thread of its own, a few batches at most. The store must hold no event (a store the service has
/// started on holds the 2025 reorganisation): <c>--reset</c> deletes every event and document first, without
/// Marten's initial data, because the history starts in the 63-province structure and records the merger itself.
/// Run it while no service uses the database: a running service's asynchronous daemon keeps progress that a reset
/// deletes under it, and its locality structure would not follow the merger until it refreshes.
/// </summary>
[Description("Write the demo history, the bank at 1 : k (--sample-factor, default 100), effective from --from to --to (default yesterday), into an empty store", Name = "seed-demo")]
public sealed class SeedDemoCommand : JasperFxAsyncCommand<SeedDemoInput>
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    public override async Task<bool> Execute(SeedDemoInput input)
    {
        var clock = TimeProvider.System;
        var lastDay = VietnamCalendar.Today(clock).AddDays(-1);
        if (!DateOnly.TryParseExact(input.FromFlag, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from) || from > lastDay)
        {
            await Console.Error.WriteLineAsync($"--from must be a date YYYY-MM-DD no later than yesterday in Vietnam ({lastDay:yyyy-MM-dd}).");
            return false;
        }
        var to = lastDay;
        if (input.ToFlag is not null &&
            (!DateOnly.TryParseExact(input.ToFlag, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out to) || to < from || to > lastDay))
        {
            await Console.Error.WriteLineAsync($"--to must be a date YYYY-MM-DD from --from ({from:yyyy-MM-dd}) to yesterday in Vietnam ({lastDay:yyyy-MM-dd}).");
            return false;
        }
        if (input.EventsFlag < 1 || input.BatchFlag < 1 || input.SampleFactorFlag < 1)
        {
            await Console.Error.WriteLineAsync("--events, --batch and --sample-factor must be at least 1.");
            return false;
        }

        var k = input.SampleFactorFlag;
        if (input.DryRunFlag) return DryRun(new DemoHistoryOptions(from, to, input.EventsFlag, input.SeedFlag) { SampleFactor = k }, clock);

        using var host = input.BuildHost();
        var store = (IDocumentStore)host.Services.GetService(typeof(IDocumentStore))!;
        var programmes = (ProgrammeCatalogue)host.Services.GetService(typeof(ProgrammeCatalogue))!;
        // A command line does not start the host, so nothing has applied the schema yet.
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        if (!await IsEmptyOrResetAsync(store, input.ResetFlag)) return false;

        var history = new DemoHistory(new DemoHistoryOptions(from, to, input.EventsFlag, input.SeedFlag) { SampleFactor = k }, programmes, clock);
        Console.WriteLine(Invariant($"Seeding the bank at 1 : {k} (sample factor k = {k}: one borrower in {k} simulated, every capital amount divided by {k}; loan amounts, caps and terms real)"));
        Console.WriteLine(Invariant($"  effective {from:yyyy-MM-dd} to {to:yyyy-MM-dd}, after an opening year from {from.AddYears(-1):yyyy-MM-dd} (seed {input.SeedFlag}, {input.BatchFlag:N0} commands a transaction)"));
        var (reportedAt, reportedEvents) = (TimeSpan.Zero, 0L);
        // A batch job: no background collections beside the work (they cost about 6 s of CPU a 1,000,000-event seed).
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.Batch;
        var writer = new BulkWriter(store);
        var collector = CollectorFigures.Now();
        var done = await writer.WriteAllAsync(history.Commands(), input.BatchFlag, progress =>
        {
            if (progress.Elapsed - reportedAt < ProgressEvery) return;
            var rate = (progress.Events - reportedEvents) / (progress.Elapsed - reportedAt).TotalSeconds;
            Console.WriteLine(Invariant($"  {progress.Events,12:N0} events written, effective {progress.EffectiveOn:yyyy-MM-dd}, {rate,8:N0} events/s"));
            (reportedAt, reportedEvents) = (progress.Elapsed, progress.Events);
        }, CancellationToken.None);

        Summarise(history, done);
        if (writer.Rebuilt is { } rebuilt)
            Console.WriteLine(Invariant($"Projections written from the log (within the time above): {string.Join(", ", rebuilt.Tables.Select(t => Invariant($"{t.Table} {t.Rows:N0} rows")))} from {rebuilt.Events:N0} events in {rebuilt.Elapsed.TotalSeconds:N1} s, {rebuilt.EventsPerSecond:N0} events/s."));
        Console.WriteLine(CollectorFigures.Since(collector));
        await RecordScaleAsync(store, history, clock);
        Console.WriteLine(Invariant($"Base history recorded by {history.CorrectionsRecordedAfter:O}; the back-dated corrections after it: ask knownAt={history.CorrectionsRecordedAfter:O} for the books before them."));
        foreach (var line in DemoCheck.Lines(DemoCheck.Rows(history.Tally, k), k)) Console.WriteLine(line);
        return true;
    }

    /// <summary>The history simulated in memory only: its size, its refusals and its check.</summary>
    private static bool DryRun(DemoHistoryOptions options, TimeProvider clock)
    {
        var history = new DemoHistory(options, ProgrammeCatalogue.LoadEmbedded(), clock);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var collector = CollectorFigures.Now();
        var (commands, events) = (0L, 0L);
        foreach (var command in history.Commands())
        {
            commands++;
            events += command.Events.Count;
        }
        Console.WriteLine(Invariant($"Dry run at 1 : {options.SampleFactor}, {options.From:yyyy-MM-dd} to {options.To:yyyy-MM-dd}: {events:N0} events of {commands:N0} commands simulated in {started.Elapsed:h\\:mm\\:ss}, nothing written."));
        Console.WriteLine(CollectorFigures.Since(collector));
        Console.WriteLine("Accepted: " + string.Join(", ", history.Accepted.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => Invariant($"{t.Key} {t.Value:N0}"))));
        Console.WriteLine("Refused and skipped: " + (history.Refusals.Count == 0
            ? "none"
            : string.Join(", ", history.Refusals.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => Invariant($"{r.Key} {r.Value:N0}")))));
        foreach (var line in DemoCheck.Lines(DemoCheck.Rows(history.Tally, options.SampleFactor), options.SampleFactor)) Console.WriteLine(line);
        return true;
    }

    /// <summary>Keeps the scale the history was written at, which the capital summary shows as <c>sampleFactor</c>.</summary>
    private static async Task RecordScaleAsync(IDocumentStore store, DemoHistory history, TimeProvider clock)
    {
        var options = (await DemoScale.RecordAsync(store, history, clock, CancellationToken.None));
        Console.WriteLine(Invariant($"Recorded the sample factor k = {options.SampleFactor} in the store (document {DemoScale.DocumentId}): GET /api/capital/summary shows it as sampleFactor."));
    }

    /// <summary>
    /// The store must start empty: a store holding events (for example the 2025 reorganisation the service records
    /// at start-up) is refused unless <paramref name="reset"/>, which deletes every document and event.
    /// </summary>
    private static async Task<bool> IsEmptyOrResetAsync(IDocumentStore store, bool reset)
    {
        long events;
        await using (var query = store.QuerySession())
            events = await query.Events.QueryAllRawEvents().CountAsync();
        if (reset)
        {
            await store.Advanced.Clean.DeleteAllDocumentsAsync();
            await store.Advanced.Clean.DeleteAllEventDataAsync();
            Console.WriteLine(Invariant($"Reset: deleted {events:N0} events and every document."));
            return true;
        }
        if (events == 0) return true;
        await Console.Error.WriteLineAsync(
            Invariant($"The store already holds {events:N0} events (a store the service has started on holds the 2025 reorganisation). ") +
            "The demo history starts from an empty store in the 63-province structure: run seed-demo with --reset to delete " +
            "every event and document first.");
        return false;
    }

    private static void Summarise(DemoHistory history, SeedProgress done)
    {
        var loans = history.Ledger.Loans.Values.ToList();
        var net = history.NetCapitalBySource;
        Console.WriteLine(Invariant($"Wrote {done.Events:N0} events of {done.CommandCount:N0} commands in {done.Elapsed:h\\:mm\\:ss}: {done.Events / done.Elapsed.TotalSeconds:N0} events/s."));
        Console.WriteLine("Commands: " + string.Join(", ", done.Commands.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => Invariant($"{t.Key} {t.Value:N0}"))));
        Console.WriteLine("Refused and skipped: " + (history.Refusals.Count == 0
            ? "none"
            : string.Join(", ", history.Refusals.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => Invariant($"{r.Key} {r.Value:N0}")))));
        Console.WriteLine(Invariant($"Capital (inflows less reversed inflows): {net.Values.Sum() / 1e12:N1} trillion VND; ") +
            string.Join(", ", net.Select(s => Invariant($"{s.Key} {s.Value / 1e12:N1}"))));
        if (loans.Count > 0)
            Console.WriteLine(Invariant($"Loans: {loans.Count:N0} (the opening book included), {loans.Average(l => l.PrincipalVnd) / 1e6:N1} million VND on average; {loans.Sum(l => l.OutstandingVnd) / 1e12:N2} trillion VND outstanding."));
        Console.WriteLine("Accepted: " + string.Join(", ", history.Accepted.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => Invariant($"{t.Key} {t.Value:N0}"))));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
