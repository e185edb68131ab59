using System.Globalization;
using System.Text;
using System.Text.Json;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Loans;
using CapitalFlows.Loans.ReadingCreditQuality;
using CapitalFlows.Localities;
using CapitalFlows.Security;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Credit quality is read as one SQL aggregate over the loan quality movements; it must answer exactly what folding
/// every loan's stream to the reading and reading its schedule answers (the read's former method, kept here as the
/// specification). After a seeded mixed workload (repayments, back-dated commands, reversals of every kind, a merge
/// that moves loans, extensions, an extension reversed, write-offs, a write-off reversed), every figure of every row
/// is compared on many dates, with and without knownAt, for the nation and a province, by programme, organisation
/// and child.
/// </summary>
public sealed class CreditQualityFoldEquivalenceTests(ServiceFixture service) : IntegrationTest(service)
{
    private const int Seed = 20_261_205;
    private const int Steps = 160;

    [Fact]
    public async Task The_aggregate_over_the_loan_quality_movements_equals_folding_every_loan_to_the_reading()
    {
        var ct = TestContext.Current.CancellationToken;
        using var workload = new ReplayWorkload(Service, Seed, Steps);
        await workload.RunAsync(ct);
        var loanEvents = await LoanEventsAsync(ct);
        Assert.Contains(loanEvents.SelectMany(s => s), e => e.Data is LoanTransferred);
        Assert.Contains(loanEvents.SelectMany(s => s), e => e.Data is LoanWrittenOff);
        Assert.Contains(loanEvents.SelectMany(s => s), e => e.Data is LoanExtended);

        var localities = Service.Host.Services.GetRequiredService<LocalityDirectory>();
        var today = ServiceFixture.Today;
        DateOnly[] dates =
        [
            today.AddDays(-ReplayWorkload.DaysBack - 5), today.AddDays(-30), today.AddDays(-20), today.AddDays(-10), today.AddDays(-3),
            workload.MidwayDate, new DateOnly(today.Year, 1, 1).AddDays(-1), today,
        ];
        DateTimeOffset?[] instants = [null, workload.Midway];
        using var finance = Service.Client(Roles.CentralFinance);
        var differences = new StringBuilder();
        var compared = 0;
        foreach (var date in dates.Distinct().Where(d => d <= today))
            foreach (var knownAt in instants)
                foreach (var (code, by) in new[] { ("VN", "child"), ("VN", "programme"), ("VN", "organisation"), ("01", "child"), ("01", "programme") })
                {
                    var url = $"/api/localities/{code}/credit-quality?by={by}&asOf={date:yyyy-MM-dd}"
                        + (knownAt is { } k ? $"&knownAt={Uri.EscapeDataString(k.ToString("O", CultureInfo.InvariantCulture))}" : "");
                    var read = Figures(await finance.ReadJsonAsync(url));
                    var folded = Folded(loanEvents, localities, code, by, date, knownAt);
                    compared++;
                    if (read != folded) differences.AppendLine(CultureInfo.InvariantCulture, $"GET {url}\n  read   {read}\n  folded {folded}");
                }

        Assert.True(differences.Length == 0, differences.ToString());
        Assert.True(compared >= 60);
    }

    /// <summary>Every loan stream's events, in order.</summary>
    private async Task<List<List<IEvent>>> LoanEventsAsync(CancellationToken ct)
    {
        await using var session = Service.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync(ct);
        return [.. events
            .Where(e => e.Data is LoanDrawnDown or LoanRepaid or LoanDrawdownReversed or LoanRepaymentReversed or LoanTransferred
                or LoanExtended or LoanExtensionReversed or LoanWrittenOff or LoanWriteOffReversed)
            .GroupBy(e => e.StreamKey!, StringComparer.Ordinal)
            .Select(g => g.ToList())];
    }

    /// <summary>The read as it was made before the table: each loan folded to the date and instant, kept when it then stood in the subtree.</summary>
    private static string Folded(List<List<IEvent>> streams, LocalityDirectory localities, string code, string by, DateOnly date, DateTimeOffset? knownAt)
    {
        var structure = localities.KnownAt(knownAt);
        var codes = structure.SubtreeOn(code, date).ToHashSet(StringComparer.Ordinal);
        var childOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var child in structure.ChildrenOn(code, date))
            foreach (var below in structure.SubtreeOn(child.Code, date))
                childOf[below] = child.Code;
        var loans = streams
            .Select(s => Loan.Fold(s
                .Where(e => ((ILedgerEvent)e.Data).EffectiveOn <= date)
                .Where(e => knownAt is null || FundMovementProjection.RecordedAt(e) <= knownAt)
                .Select(e => e.Data)))
            .OfType<Loan>()
            .Where(l => codes.Contains(l.Locality))
            .ToList();
        var rows = loans
            .GroupBy(l => by switch { "programme" => l.Programme, "organisation" => l.EntrustedOrganisation, _ => childOf.GetValueOrDefault(l.Locality, code) },
                StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}: {Text(CreditQualityFigures.Of(g, date))}");
        return $"{Text(CreditQualityFigures.Of(loans, date))} | {string.Join(" | ", rows)}";
    }

    private static string Figures(JsonElement read)
    {
        static string Of(JsonElement f) => Text(new CreditQualityFigures(
            f.GetProperty("outstandingVnd").GetInt64(), f.GetProperty("overdueVnd").GetInt64(), f.GetProperty("overdueRatio").GetDouble(),
            f.GetProperty("loansOutstanding").GetInt32(), f.GetProperty("loansOverdue").GetInt32(), f.GetProperty("borrowersOutstanding").GetInt32(),
            f.GetProperty("writtenOffVnd").GetInt64()));
        var rows = read.GetProperty("rows").EnumerateArray().Select(r => $"{r.GetProperty("key").GetString()}: {Of(r)}");
        return $"{Of(read)} | {string.Join(" | ", rows)}";
    }

    private static string Text(CreditQualityFigures f) => string.Create(CultureInfo.InvariantCulture,
        $"out {f.OutstandingVnd} overdue {f.OverdueVnd} ratio {f.OverdueRatio:R} loans {f.LoansOutstanding}/{f.LoansOverdue} borrowers {f.BorrowersOutstanding} written off {f.WrittenOffVnd}");
}
