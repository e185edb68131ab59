using System.Text.Json;
using CapitalFlows.Commands;
using CapitalFlows.Funds;
using CapitalFlows.History.Seeding;
using CapitalFlows.Loans;
using CapitalFlows.Localities;
using CapitalFlows.Localities.Merging;
using CapitalFlows.Programmes;

namespace CapitalFlows.Tests;

/// <summary>
/// The demo history, simulated in memory (no store): a small run of 20,000 events read back through the write
/// models' own folds, independently of the simulation's ledger.
/// </summary>
public sealed class DemoHistoryTests
{
    private static readonly DemoHistoryOptions Small = new(new DateOnly(2021, 1, 1), new DateOnly(2026, 6, 30), 20_000, 42);
    private static readonly DateOnly Merger = LocalityDirectory.Reorganisation2025Date;
    private static readonly Lazy<Simulated> Run = new(() => Simulate(Small));

    private sealed record Simulated(DemoHistory History, IReadOnlyList<SeededCommand> Commands)
    {
        public IEnumerable<SeededEvent> Events => Commands.SelectMany(c => c.Events);
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
    public void It_writes_at_least_the_events_asked_for_and_not_many_more()
    {
        var events = Run.Value.Events.Count();

        Assert.InRange(events, Small.TargetEvents, Small.TargetEvents * 105 / 100);
        Assert.Equal(events, Run.Value.History.Events);
    }

    [Fact]
    public void Commands_move_forward_day_by_day_from_the_first_day_to_the_last()
    {
        var dates = Run.Value.Commands.Select(c => c.EffectiveOn).ToList();

        Assert.Equal(Small.From, dates[0]);
        Assert.Equal(Small.To, dates[^1]);
        Assert.Equal(dates.Order(), dates);
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
                funds[key] = funds.GetValueOrDefault(key, Fund.Empty(key)).Then(e.Data);
            }
            Assert.All(command.Events.Where(e => e.AggregateType == typeof(Fund)),
                e => Assert.True(funds[FundKey.Parse(e.StreamKey)].AvailableVnd >= 0, $"{e.StreamKey} below zero after {command.Type} {command.CommandId}"));
        }

        Assert.Equal(Run.Value.History.Ledger.Funds.OrderBy(f => f.Key.StreamKey), funds.OrderBy(f => f.Key.StreamKey));
    }

    [Fact]
    public void Funds_plus_loans_outstanding_equal_inflows_less_reversed_inflows_per_source()
    {
        var events = Run.Value.Events.ToList();
        var funds = events.Where(e => e.AggregateType == typeof(Fund))
            .GroupBy(e => FundKey.Parse(e.StreamKey))
            .Select(g => g.Aggregate(Fund.Empty(g.Key), (fund, e) => fund.Then(e.Data)))
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
            Assert.Equal(received, Run.Value.History.NetCapitalBySource[source]);
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
        Assert.InRange(drawdowns.Average(d => d.AmountVnd), 45_000_000, 75_000_000);
        Assert.Contains(drawdowns, d => d.EffectiveOn < Merger && d.Locality.Length == 2);
        Assert.Contains(drawdowns, d => d.EffectiveOn >= Merger && d.Locality.Length == 5);
    }

    [Fact]
    public void Capital_grows_from_about_250_to_about_426_trillion_with_local_budget_at_about_15_percent()
    {
        long NetOn(DateOnly day, string? source = null) => Run.Value.Events.Select(e => e.Data switch
        {
            CentralBudgetEntrusted x when x.EffectiveOn <= day && source is null or Sources.CentralBudget => x.AmountVnd,
            MobilisedCapitalReceived x when x.EffectiveOn <= day && source is null or Sources.Mobilised => x.AmountVnd,
            LocalBudgetToppedUp x when x.EffectiveOn <= day && source is null or Sources.LocalBudget => x.AmountVnd,
            CharityDonationReceived x when x.EffectiveOn <= day && source is null or Sources.Charity => x.AmountVnd,
            InflowReversed x when x.EffectiveOn <= day && (source is null || source == x.Source) => -x.AmountVnd,
            _ => 0,
        }).Sum();
        var endOf2025 = new DateOnly(2025, 12, 31);

        Assert.InRange(NetOn(Small.From), 245e12, 255e12);
        Assert.InRange(NetOn(endOf2025), 415e12, 437e12);
        Assert.InRange(NetOn(endOf2025, Sources.LocalBudget) / (double)NetOn(endOf2025), 0.13, 0.17);
        Assert.True(NetOn(Small.To) > NetOn(endOf2025));
    }

    [Fact]
    public void It_allocates_repays_reverses_and_recalls_as_well_as_it_lends()
    {
        var events = Run.Value.Events.Select(e => e.Data).ToList();
        var repaid = events.OfType<LoanRepaid>().ToList();

        Assert.Contains(events, e => e is CapitalAllocated { From: LocalityDirectory.Nation, Programme: Programme.General, ToProgramme: not Programme.General });
        Assert.Contains(events, e => e is CapitalAllocated a && a.EffectiveOn >= Merger && a.To.Length == 5);
        Assert.Contains(events, e => e is LocalBudgetToppedUp t && t.Locality.Length == 5);
        Assert.Contains(events, e => e is CapitalRecalled);
        Assert.Contains(Run.Value.History.Ledger.Loans.Values, l => l.Status == LoanStatus.Repaid);
        Assert.Contains(Run.Value.History.Ledger.Loans.Values, l => l is { Status: LoanStatus.Active, RepaidVnd: > 0 });
        Assert.NotEmpty(repaid);
        foreach (var reversal in new[] { typeof(InflowReversed), typeof(AllocationReversed), typeof(LoanDrawdownReversed), typeof(LoanRepaymentReversed) })
            Assert.Contains(events, e => e.GetType() == reversal);
        Assert.InRange(Run.Value.Commands.Count(c => c.Type == "ReverseMovement"), 5, 50);
    }

    [Fact]
    public void A_history_that_starts_after_the_reorganisation_records_the_merger_first_and_lends_at_communes()
    {
        var late = Simulate(new DemoHistoryOptions(new DateOnly(2025, 9, 1), new DateOnly(2026, 3, 31), 5_000, 42));

        Assert.Equal(Enumerable.Repeat(nameof(MergeLocalities), 23), late.Commands.Take(23).Select(c => c.Type));
        Assert.All(late.Commands.Take(23), c => Assert.Equal(Merger, c.EffectiveOn));
        Assert.True(late.History.Events >= 5_000);
        var firstMonth = late.Events.Select(e => e.Data).OfType<LoanDrawnDown>().Where(d => d.EffectiveOn < new DateOnly(2025, 10, 1)).ToList();
        Assert.True(firstMonth.Count(d => d.Locality.Length == 5) > firstMonth.Count / 2, "communes get capital in the first weeks, and most loans are drawn there");
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
