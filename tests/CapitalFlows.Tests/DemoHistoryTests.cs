using System.Text.Json;
using CapitalFlows.Api;
using CapitalFlows.Demo;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans;
using CapitalFlows.Localities;
using CapitalFlows.Localities.Merging;
using CapitalFlows.Programmes;

namespace CapitalFlows.Tests;

/// <summary>
/// The demo history, simulated in memory (no store): a small run (the bank at 1 : 1,000 through 2025, after its
/// opening year, the 2025 merger inside it) read back through the write models' own folds, independently of the
/// simulation's ledger.
/// </summary>
public sealed class DemoHistoryTests
{
    private static readonly DemoHistoryOptions Small = new(new DateOnly(2025, 1, 1), new DateOnly(2025, 12, 31), 0, 42) { SampleFactor = 1_000 };
    private static readonly DateOnly Merger = LocalityDirectory.Reorganisation2025Date;
    private static readonly Lazy<Simulated> Run = new(() => Simulate(Small));

    private sealed record Simulated(DemoHistory History, IReadOnlyList<DecidedCommand> Commands)
    {
        public IEnumerable<DecidedEvent> Events => Commands.SelectMany(c => c.Events);
    }

    private sealed record Inflow(string Source, long AmountVnd);

    private static readonly string[] LocalityFields = ["locality", "from", "to"];

    private static Simulated Simulate(DemoHistoryOptions options)
    {
        var history = new DemoHistory(options, ProgrammeCatalogue.LoadEmbedded(), TimeProvider.System);
        return new Simulated(history, history.Commands().ToList());
    }

    [Fact]
    public void The_same_seed_gives_the_same_history_and_another_seed_another()
    {
        static IEnumerable<string> Fingerprint(Simulated run) => run.Commands.Select(c =>
            $"{c.CommandId} {c.Type} {c.EffectiveOn} {c.Processed.BodyHash} {string.Join(";", c.Processed.Events.Select(e => e.StreamKey + e.Data))}");

        var again = Simulate(Small);
        var other = Simulate(Small with { Seed = 7 });

        Assert.Equal(Fingerprint(Run.Value), Fingerprint(again));
        Assert.NotEqual(Fingerprint(Run.Value).Take(100), Fingerprint(other).Take(100));
    }

    [Fact]
    public void Its_command_ids_are_version_7_in_the_order_the_commands_are_made_and_timed_on_the_day_each_base_command_is_made()
    {
        var commands = Run.Value.Commands;
        var instant = Run.Value.History.CorrectionsRecordedAfter!.Value;
        var ids = commands.Select(c => c.CommandId.ToString("D")).ToList();

        Assert.All(commands, c => Assert.Equal(7, c.CommandId.Version));
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(commands.TakeWhile(c => c.RecordedAt <= instant), c => Assert.Equal(c.EffectiveOn, DayOf(c.CommandId)));

        // The first 48 bits of a version 7 UUID are its time in Unix milliseconds.
        static DateOnly DayOf(Guid id) =>
            DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(id.ToString("N")[..12], 16)).UtcDateTime);
    }

    [Fact]
    public void Its_figures_times_k_are_the_published_ones_where_the_simulation_controls_them()
    {
        var rows = DemoCheck.Rows(Run.Value.History.Tally, Small.SampleFactor);

        Assert.Equal(Run.Value.Events.Count(), Run.Value.History.Events);
        Assert.Contains(rows, r => r.Figure.StartsWith("total capital 2025-12-31", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Figure.StartsWith("local budget end 2024, province 01", StringComparison.Ordinal));
        Assert.All(rows.Where(r => r.Controlled), r => Assert.True(Math.Abs(r.Ratio - 1) <= 0.10, $"{r.Figure}: {r.Demo} against {r.Published}"));
        Assert.All(rows.Where(r => r.Figure.StartsWith("total capital", StringComparison.Ordinal)), r => Assert.InRange(r.Ratio, 0.97, 1.03));
    }

    [Fact]
    public void The_base_history_moves_forward_from_the_opening_year_then_the_corrections_go_back_in_effective_time_but_not_in_recorded_time()
    {
        var instant = Run.Value.History.CorrectionsRecordedAfter!.Value;
        var commands = Run.Value.Commands;
        var corrections = commands.SkipWhile(c => c.RecordedAt <= instant).ToList();
        var dates = commands.Take(commands.Count - corrections.Count).Select(c => c.EffectiveOn).ToList();

        Assert.Equal(Small.From.AddYears(-1), dates[0]);
        Assert.Equal(Small.To, dates[^1]);
        Assert.Equal(dates.Order(), dates);
        Assert.NotEmpty(corrections);
        Assert.All(corrections, c => Assert.True(c.RecordedAt > instant));
        Assert.Contains(corrections, c => c.Type == "ReverseMovement" && c.EffectiveOn < Small.To.AddDays(-28));
        Assert.Contains(corrections, c => c.Type != "ReverseMovement" && c.EffectiveOn < Small.To.AddDays(-28));
        Assert.Equal(commands.Select(c => c.RecordedAt).Order(), commands.Select(c => c.RecordedAt));
    }

    [Fact]
    public void Every_fund_stays_at_or_above_zero_after_every_command_and_ends_as_the_ledger_holds_it()
    {
        var funds = new Dictionary<FundKey, Fund>();
        foreach (var command in Run.Value.Commands)
        {
            foreach (var e in command.Events.Where(e => e.AggregateType == typeof(Fund)))
            {
                var key = FundKey.Parse(e.StreamKey);
                Assert.Equal(e.StartsStream, !funds.ContainsKey(key));
                funds[key] = funds.GetValueOrDefault(key, Fund.Empty(key)).Evolve(e.Data);
            }
            Assert.All(command.Events.Where(e => e.AggregateType == typeof(Fund)),
                e => Assert.True(funds[FundKey.Parse(e.StreamKey)].AvailableVnd >= 0, $"{e.StreamKey} below zero after {command.Type} {command.CommandId}"));
        }

        Assert.Equal(Run.Value.History.Ledger.Funds.OrderBy(f => f.Key.StreamKey), funds.OrderBy(f => f.Key.StreamKey));
    }

    [Fact]
    public void Funds_plus_loans_outstanding_equal_inflows_less_reversed_inflows_and_write_offs_per_source()
    {
        var events = Run.Value.Events.ToList();
        var funds = events.Where(e => e.AggregateType == typeof(Fund))
            .GroupBy(e => FundKey.Parse(e.StreamKey))
            .Select(g => g.Aggregate(Fund.Empty(g.Key), (fund, e) => fund.Evolve(e.Data)))
            .ToList();
        var loans = events.Where(e => e.AggregateType == typeof(Loan))
            .GroupBy(e => e.StreamKey)
            .Select(g => Loan.Fold(g.Select(e => e.Data))!)
            .ToList();
        var inflows = events.Select(e => e.Data switch
        {
            CentralBudgetEntrusted x => new Inflow(Sources.CentralBudget, x.AmountVnd),
            MobilisedCapitalReceived x => new Inflow(Sources.Mobilised, x.AmountVnd),
            LocalBudgetToppedUp x => new Inflow(Sources.LocalBudget, x.AmountVnd),
            CharityDonationReceived x => new Inflow(Sources.Charity, x.AmountVnd),
            InflowReversed x => new Inflow(x.Source, -x.AmountVnd),
            LoanPrincipalWrittenOff x => new Inflow(x.Source, -x.AmountVnd),
            _ => new Inflow("", 0),
        }).ToList();

        Assert.All(Sources.All, source =>
        {
            var received = inflows.Where(i => i.Source == source).Sum(i => i.AmountVnd);
            var available = funds.Where(f => f.Source == source).Sum(f => f.AvailableVnd);
            var outstanding = loans.Where(l => l.Source == source).Sum(l => l.OutstandingVnd);
            Assert.True(received > 0, $"some {source} capital came in");
            Assert.Equal(received, available + outstanding);
            Assert.Equal(outstanding, funds.Where(f => f.Source == source).Sum(f => f.LoansOutstandingVnd));
            Assert.Equal(inflows.Where(i => i.Source == source && i.AmountVnd > 0).Sum(i => i.AmountVnd)
                - events.Select(e => e.Data).OfType<InflowReversed>().Where(r => r.Source == source).Sum(r => r.AmountVnd),
                Run.Value.History.NetCapitalBySource[source]);
        });
    }

    [Fact]
    public void The_merger_of_1_July_2025_goes_through_the_merge_command_and_closes_29_provinces()
    {
        var merges = Run.Value.Commands.Where(c => c.Type == nameof(MergeLocalities)).ToList();
        var provinces = Run.Value.History.Localities.All.Where(l => l.Level == LocalityLevel.Province).ToList();

        Assert.Equal(23, merges.Count);
        Assert.All(merges, m =>
        {
            Assert.Equal(Merger, m.EffectiveOn);
            var merged = Assert.IsType<LocalitiesMerged>(m.Events[0].Data);
            Assert.Equal(LocalityDirectory.StructureStream, m.Events[0].StreamKey);
            Assert.False(merged.FromReferenceData);
        });
        Assert.Equal(29, provinces.Count(p => p.ClosedOn == Merger));
        Assert.Equal(63, provinces.Count(p => p.IsOpenOn(Merger.AddDays(-1))));
        Assert.Equal(34, provinces.Count(p => p.IsOpenOn(Merger)));
        var closed = provinces.Where(p => p.ClosedOn is not null).Select(p => p.Code).ToHashSet();
        Assert.DoesNotContain(Run.Value.History.Ledger.Loans.Values, l => closed.Contains(l.Locality));
        Assert.All(Run.Value.History.Ledger.Funds.Values.Where(f => closed.Contains(f.Locality)), f =>
        {
            Assert.Equal(0, f.AvailableVnd);
            Assert.Equal(0, f.LoansOutstandingVnd);
        });
    }

    [Fact]
    public void No_event_after_the_merger_names_a_closed_province()
    {
        var closed = Run.Value.History.Localities.All.Where(l => l.ClosedOn is not null).Select(l => l.Code).ToHashSet();
        var lastMerge = Run.Value.Commands.ToList().FindLastIndex(c => c.Type == nameof(MergeLocalities));
        var after = Run.Value.Commands.Skip(lastMerge + 1).ToList();

        Assert.NotEmpty(after);
        Assert.All(after.SelectMany(c => c.Processed.Events), e =>
        {
            if (e.StreamKey.Contains('/', StringComparison.Ordinal)) Assert.DoesNotContain(FundKey.Parse(e.StreamKey).Locality, closed);
            using var data = JsonDocument.Parse(e.Data);
            foreach (var field in LocalityFields)
                if (data.RootElement.TryGetProperty(field, out var code))
                    Assert.DoesNotContain(code.GetString()!, closed);
        });
    }

    [Fact]
    public void Loans_are_drawn_from_earmarked_capital_within_the_programmes_caps_through_the_four_organisations()
    {
        var programmes = ProgrammeCatalogue.LoadEmbedded();
        var drawdowns = Run.Value.Events.Select(e => e.Data).OfType<LoanDrawnDown>().ToList();

        Assert.All(drawdowns, d =>
        {
            var programme = programmes.Find(d.Programme)!;
            Assert.NotEqual(Programme.General, d.Programme);
            Assert.Null(LendingRules.RefuseIfNotLendable(d.Programme, d.AmountVnd, d.TermMonths, d.EffectiveOn, programmes));
            Assert.True(d.AmountVnd <= programme.RulesOn(d.EffectiveOn)!.MaxLoanVnd);
            Assert.Contains(d.EntrustedOrganisation, EntrustedOrganisations.All);
        });
        Assert.Equal(EntrustedOrganisations.All.Order(), drawdowns.Select(d => d.EntrustedOrganisation).Distinct().Order());
        Assert.InRange(drawdowns.Where(d => d.EffectiveOn >= Small.From).Average(d => d.AmountVnd), 35_000_000, 75_000_000);
        Assert.Contains(drawdowns, d => d.EffectiveOn < Merger && d.Locality.Length == 2);
        Assert.Contains(drawdowns, d => d.EffectiveOn >= Merger && d.Locality.Length == 5);
    }

    [Fact]
    public void Capital_follows_the_published_curve_at_one_in_k_with_the_local_budget_of_the_named_provinces_at_their_published_sizes()
    {
        long NetOn(DateOnly day, string? source = null, string? locality = null) => Run.Value.Events.Select(e => e.Data switch
        {
            CentralBudgetEntrusted x when x.EffectiveOn <= day && source is null or Sources.CentralBudget => x.AmountVnd,
            MobilisedCapitalReceived x when x.EffectiveOn <= day && source is null or Sources.Mobilised => x.AmountVnd,
            LocalBudgetToppedUp x when x.EffectiveOn <= day && (source is null or Sources.LocalBudget) && (locality is null || x.Locality == locality) => x.AmountVnd,
            CharityDonationReceived x when x.EffectiveOn <= day && source is null or Sources.Charity => x.AmountVnd,
            _ => 0,
        }).Sum();
        var k = Small.SampleFactor;
        var (endOf2024, endOf2025) = (new DateOnly(2024, 12, 31), new DateOnly(2025, 12, 31));

        Assert.InRange(NetOn(Small.From.AddDays(-1)) * k, 0.97 * PublishedFigures.CapitalOn(Small.From), 1.03 * PublishedFigures.CapitalOn(Small.From));
        Assert.InRange(NetOn(endOf2024) * k / 1e9, 0.97 * 376_247, 1.03 * 376_247);
        Assert.InRange(NetOn(endOf2025) * k / 1e9, 0.97 * 426_262, 1.03 * 426_262);
        Assert.InRange(NetOn(endOf2025, Sources.LocalBudget) / (double)NetOn(endOf2025), 0.145, 0.165);
        Assert.InRange(NetOn(endOf2025, Sources.CentralBudget) / (double)NetOn(endOf2025), 0.10, 0.125);
        Assert.InRange(NetOn(endOf2024, Sources.LocalBudget, "01") * k / 1e9, 0.95 * 8_834, 1.05 * 8_834);
        Assert.InRange(NetOn(endOf2024, Sources.LocalBudget, "22") * k / 1e9, 0.95 * 1_502, 1.05 * 1_502);
    }

    [Fact]
    public void It_allocates_repays_reverses_and_recalls_as_well_as_it_lends()
    {
        var events = Run.Value.Events.Select(e => e.Data).ToList();
        var repaid = events.OfType<LoanRepaid>().ToList();

        Assert.True(events.Any(e => e is CapitalAllocated { From: LocalityDirectory.Nation, Programme: Programme.General, ToProgramme: not Programme.General }), "e => e is CapitalAllocated { From: LocalityDirectory.Nation, Programme: Programme.General, ToProgramme: not Programme.General }");
        Assert.True(events.Any(e => e is CapitalAllocated a && a.EffectiveOn >= Merger && a.To.Length == 5), "e => e is CapitalAllocated a && a.EffectiveOn >= Merger && a.To.Length == 5");
        Assert.True(events.Any(e => e is LocalBudgetToppedUp t && t.Locality.Length == 5), "e => e is LocalBudgetToppedUp t && t.Locality.Length == 5");
        Assert.True(events.Any(e => e is CapitalRecalled), "e => e is CapitalRecalled");
        Assert.Contains(Run.Value.History.Ledger.Loans.Values, l => l.Status == LoanStatus.Repaid);
        Assert.Contains(Run.Value.History.Ledger.Loans.Values, l => l is { Status: LoanStatus.Active, RepaidVnd: > 0 });
        Assert.NotEmpty(repaid);
        foreach (var reversal in new[] { typeof(InflowReversed), typeof(AllocationReversed), typeof(LoanDrawdownReversed), typeof(LoanRepaymentReversed) })
            Assert.True(events.Any(e => e.GetType() == reversal), reversal.Name);
        Assert.InRange(Run.Value.Commands.Count(c => c.Type == "ReverseMovement"), 5, 80);
        Assert.True(events.Any(e => e is LoanExtended), "e => e is LoanExtended");
        Assert.True(events.Any(e => e is LoanWrittenOff), "e => e is LoanWrittenOff");
        Assert.True(events.Any(e => e is CapitalFlows.Plans.CreditPlanSet { Locality.Length: 5 }), "e => e is CapitalFlows.Plans.CreditPlanSet { Locality.Length: 5 }");
        Assert.True(events.Any(e => e is CapitalFlows.Plans.LocalCapitalPlanSet), "e => e is CapitalFlows.Plans.LocalCapitalPlanSet");
    }

    [Fact]
    public void A_history_whose_opening_year_spans_the_reorganisation_records_the_merger_on_its_date_and_then_lends_mostly_at_communes()
    {
        var late = Simulate(new DemoHistoryOptions(new DateOnly(2025, 9, 1), new DateOnly(2026, 3, 31), 0, 42) { SampleFactor = 5_000 });

        var merges = late.Commands.Where(c => c.Type == nameof(MergeLocalities)).ToList();
        Assert.Equal(23, merges.Count);
        Assert.All(merges, c => Assert.Equal(Merger, c.EffectiveOn));
        Assert.Equal(new DateOnly(2024, 9, 1), late.Commands[0].EffectiveOn);
        var after = late.Events.Select(e => e.Data).OfType<LoanDrawnDown>().Where(d => d.EffectiveOn >= new DateOnly(2025, 9, 1)).ToList();
        Assert.True(after.Count(d => d.Locality.Length == 5) > after.Count / 2, "communes get capital monthly, and most loans are drawn there");
        Assert.All(late.History.Ledger.Funds.Values, f => Assert.True(f.AvailableVnd >= 0));
    }

    [Fact]
    public void Each_command_is_remembered_as_the_recorder_remembers_it()
    {
        Assert.All(Run.Value.Commands, c =>
        {
            Assert.Equal(c.Events.Select(e => (e.StreamKey, e.Data.GetType().Name)), c.Processed.Events.Select(e => (e.StreamKey, e.Type)));
            using var answer = JsonDocument.Parse(c.Processed.Answer);
            Assert.Equal(c.CommandId, answer.RootElement.GetProperty("commandId").GetGuid());
            Assert.Equal(c.Events.Count, answer.RootElement.GetProperty("events").GetInt32());
            Assert.Equal(c.Type == "DrawDownLoan" ? 201 : 200, c.Processed.Status);
            if (c.ReversedOriginal is { } original)
            {
                Assert.Equal(c.CommandId, original.ReversedBy);
                Assert.Equal(original.Id, c.Processed.Reverses);
            }
        });
        Assert.Equal(Run.Value.Commands.Count, Run.Value.Commands.Select(c => c.CommandId).Distinct().Count());
    }
}
