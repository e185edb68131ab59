using CapitalFlows.Funds;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Loans;
using CapitalFlows.Security;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static CapitalFlows.IntegrationTests.Infrastructure.LedgerDriver;
using static CapitalFlows.IntegrationTests.Infrastructure.LendingDriver;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The guarantee for lending (DOMAIN.md invariants 1, 3, 4 and 5): drawdowns racing on one fund queue, so
/// every one the money covers is lent and the rest are insufficient funds; repayments racing on one loan never
/// repay more than its principal; and a mixed race through a province keeps every fund at zero or above and the
/// ledger balanced.
/// </summary>
public sealed class LendingConcurrencyTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long TenMillion = 10_000_000;
    private const string Commune = "00004";
    private static readonly string[] HanoiCommunes = ["00004", "00008", "00025", "00070"];

    [Theory]
    [InlineData(Students)]
    [InlineData(PoorHouseholds)]
    public async Task Two_hundred_concurrent_drawdowns_on_a_commune_fund_that_covers_one_hundred_give_exactly_one_hundred_loans(string programme)
    {
        for (var round = 1; round <= 3; round++)
        {
            if (round > 1) await Service.ResetAsync();
            await RaceTwoHundredDrawdownsForOneHundredAsync(programme, round);
        }
    }

    private async Task RaceTwoHundredDrawdownsForOneHundredAsync(string programme, int round)
    {
        const long fundVnd = 100 * TenMillion;
        using var finance = Service.Client(Roles.CentralFinance);
        using var branch = Service.Client(Roles.BranchOfficer, "01");
        (await finance.EntrustCentralBudgetAsync(fundVnd, programme)).Expect(200);
        (await finance.AllocateAsync("VN", "01", fundVnd, CentralBudget, programme)).Expect(200);
        (await branch.AllocateAsync("01", Commune, fundVnd, CentralBudget, programme)).Expect(200);
        var eventsBefore = await Service.EventCountAsync();
        var clients = Enumerable.Range(0, 4).Select(_ => Service.Client(Roles.BranchOfficer, "01")).ToArray();
        try
        {
            var answers = await AllAtOnceAsync(Enumerable.Range(0, 200).Select(i => (Func<Task<Answer>>)(() =>
                clients[i % clients.Length].DrawDownAsync(Commune, CentralBudget, programme, TenMillion, $"R{round}-{i:D3}"))));

            Assert.True(
                answers.Count(a => a.Status == 201) == 100
                && answers.Count(a => a.Status == 409 && a.ProblemType == InsufficientFunds) == 100,
                $"Round {round}: expected 100 × 201 and 100 × 409 insufficient-funds, got {Tally(answers)}");
            var loanIds = answers.Where(a => a.Status == 201).Select(a => a.LoanId()).ToList();
            Assert.Equal(100, loanIds.Distinct().Count());
            Assert.Equal(eventsBefore + (2 * 100), await Service.EventCountAsync());

            var own = (await branch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own");
            Assert.Equal(0, own.FundAvailable(CentralBudget, programme));
            Assert.Equal(fundVnd, own.FundOutstanding(CentralBudget, programme));
            var check = await finance.ReadJsonAsync("/api/ledger/balance-check");
            Assert.Equal(fundVnd, check.Vnd("receivedVnd"));
            Assert.Equal(0, check.Vnd("fundsVnd"));
            Assert.Equal(fundVnd, check.Vnd("loansOutstandingVnd"));
            Assert.True(check.GetProperty("balanced").GetBoolean());

            await using var session = Store.QuerySession();
            var loans = await session.Query<Loan>().ToListAsync(TestContext.Current.CancellationToken);
            Assert.Equal(loanIds.Order(StringComparer.Ordinal), loans.Select(l => l.Id).Order(StringComparer.Ordinal));
            Assert.All(loans, l => Assert.Equal(TenMillion, l.OutstandingVnd));
            await AssertNoFundWasEverNegativeAsync(session);
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    [Fact]
    public async Task Thirty_concurrent_repayments_of_ten_million_on_a_loan_of_one_hundred_million_repay_it_exactly_once()
    {
        for (var round = 1; round <= 3; round++)
        {
            if (round > 1) await Service.ResetAsync();
            await RaceThirtyRepaymentsAsync(round);
        }
    }

    private async Task RaceThirtyRepaymentsAsync(int round)
    {
        const long fundVnd = 100 * TenMillion;
        using var finance = Service.Client(Roles.CentralFinance);
        using var branch = Service.Client(Roles.BranchOfficer, "01");
        (await finance.EntrustCentralBudgetAsync(fundVnd, PoorHouseholds)).Expect(200);
        (await finance.AllocateAsync("VN", "01", fundVnd, CentralBudget, PoorHouseholds)).Expect(200);
        (await branch.AllocateAsync("01", Commune, fundVnd, CentralBudget, PoorHouseholds)).Expect(200);
        var loanId = (await branch.DrawDownAsync(Commune, CentralBudget, PoorHouseholds, 10 * TenMillion)).LoanId();
        var eventsBefore = await Service.EventCountAsync();
        var clients = Enumerable.Range(0, 4).Select(_ => Service.Client(Roles.BranchOfficer, "01")).ToArray();
        try
        {
            var answers = await AllAtOnceAsync(Enumerable.Range(0, 30).Select(i => (Func<Task<Answer>>)(() =>
                clients[i % clients.Length].RepayAsync(loanId, TenMillion))));

            Assert.True(
                answers.Count(a => a.Status == 200) == 10
                && answers.Count(a => a.Status == 409 && a.ProblemType == OverRepayment) == 20,
                $"Round {round}: expected 10 × 200 and 20 × 409 over-repayment, got {Tally(answers)}");
            Assert.Equal(
                Enumerable.Range(0, 10).Select(i => 9 * TenMillion - (i * TenMillion)),
                answers.Where(a => a.Status == 200).Select(a => a.Json.Vnd("outstandingVnd")).OrderDescending());
            Assert.Equal(eventsBefore + (2 * 10), await Service.EventCountAsync());

            var loan = await branch.ReadLoanAsync(loanId);
            Assert.Equal("repaid", loan.GetProperty("status").GetString());
            Assert.Equal(10 * TenMillion, loan.Vnd("repaidVnd"));
            Assert.Equal(0, loan.Vnd("outstandingVnd"));
            var own = (await branch.ReadJsonAsync($"/api/localities/{Commune}/capital")).GetProperty("own");
            Assert.Equal(fundVnd, own.FundAvailable(CentralBudget, PoorHouseholds));
            Assert.Equal(0, own.FundOutstanding(CentralBudget, PoorHouseholds));
            Assert.True((await finance.ReadJsonAsync("/api/ledger/balance-check")).GetProperty("balanced").GetBoolean());
        }
        finally
        {
            foreach (var client in clients) client.Dispose();
        }
    }

    [Fact]
    public async Task A_mixed_race_of_drawdowns_repayments_allocations_and_recalls_through_one_province_keeps_every_invariant()
    {
        const long entrusted = 200 * TenMillion;
        using var finance = Service.Client(Roles.CentralFinance);
        using var branch = Service.Client(Roles.BranchOfficer, "01");
        (await finance.EntrustCentralBudgetAsync(entrusted, PoorHouseholds)).Expect(200);
        (await finance.AllocateAsync("VN", "01", 60 * TenMillion, CentralBudget, PoorHouseholds)).Expect(200);
        foreach (var commune in HanoiCommunes)
            (await branch.AllocateAsync("01", commune, 10 * TenMillion, CentralBudget, PoorHouseholds)).Expect(200);
        var earlierLoans = new List<(string LoanId, string Locality)>();
        foreach (var locality in (string[])["01", "01", .. HanoiCommunes])
            earlierLoans.Add(((await branch.DrawDownAsync(locality, CentralBudget, PoorHouseholds, 5 * TenMillion)).LoanId(), locality));
        // VN 140, 01 60 − 40 − 10 = 10, each commune 10 − 5 = 5 (× 10M); six loans of 50M outstanding.
        var expected = new Dictionary<string, long>(StringComparer.Ordinal) { ["VN"] = 140 * TenMillion, ["01"] = 10 * TenMillion };
        foreach (var commune in HanoiCommunes) expected[commune] = 5 * TenMillion;
        var eventsBefore = await Service.EventCountAsync();

        // 01 is asked for far more (20 × 10M recalled, 32 × 10M passed down, 10 × 10M lent) than it can ever
        // hold, so some movements must be refused; each earlier loan gets 8 repayments of 10M against 50M.
        var movements = new List<Movement>();
        for (var i = 0; i < 20; i++)
        {
            movements.Add(new Movement(finance, Kind.Allocate, "VN", "01", TenMillion));
            movements.Add(new Movement(finance, Kind.Recall, "01", "VN", TenMillion));
        }

        for (var i = 0; i < 8; i++)
        {
            foreach (var commune in HanoiCommunes)
            {
                movements.Add(new Movement(branch, Kind.Allocate, "01", commune, TenMillion));
                movements.Add(new Movement(branch, Kind.Recall, commune, "01", TenMillion / 2));
                movements.Add(new Movement(branch, Kind.DrawDown, commune, null, TenMillion));
            }
        }

        for (var i = 0; i < 10; i++) movements.Add(new Movement(branch, Kind.DrawDown, "01", null, TenMillion));
        foreach (var (loanId, locality) in earlierLoans)
            for (var i = 0; i < 8; i++) movements.Add(new Movement(branch, Kind.Repay, null, locality, TenMillion, loanId));

        var answers = await AllAtOnceAsync(movements.Select(m => (Func<Task<Answer>>)m.SendAsync));

        var unexpected = answers
            .Where(a => a.Status is not (200 or 201) && !(a.Status == 409 && a.ProblemType is InsufficientFunds or OverRepayment))
            .ToList();
        Assert.True(unexpected.Count == 0, $"answers other than 2xx, 409 insufficient-funds or over-repayment: {Tally(answers)}; e.g. {unexpected.FirstOrDefault()}");
        var outcomes = movements.Zip(answers).ToList();
        Assert.All(outcomes.Where(o => o.Second.Status < 300), o => Assert.Equal(o.First.Kind == Kind.DrawDown ? 201 : 200, o.Second.Status));
        Assert.All(outcomes.Where(o => o.Second.Status == 409), o => Assert.Equal(o.First.Kind == Kind.Repay ? OverRepayment : InsufficientFunds, o.Second.ProblemType));
        Assert.True(answers.Any(a => a.ProblemType == InsufficientFunds), "the race was meant to refuse some movements of 01: it cannot cover them all");
        var accepted = outcomes.Where(o => o.Second.Status < 300).ToList();
        Assert.Contains(accepted, o => o.First.Kind == Kind.Recall && o.First.To == "01");
        Assert.Contains(accepted, o => o.First.Kind == Kind.DrawDown && o.First.From == "01");
        foreach (var (loanId, _) in earlierLoans)
            Assert.Equal(5, accepted.Count(o => o.First.Kind == Kind.Repay && o.First.LoanId == loanId));

        var expectedOutstanding = earlierLoans.ToDictionary(l => l.LoanId, _ => 0L, StringComparer.Ordinal);
        foreach (var (movement, answer) in accepted)
        {
            if (movement.From is { } from) expected[from] -= movement.AmountVnd;
            if (movement.To is { } to) expected[to] += movement.AmountVnd;
            if (movement.Kind == Kind.DrawDown) expectedOutstanding[answer.LoanId()] = movement.AmountVnd;
        }

        await using var session = Store.QuerySession();
        var funds = await session.Query<Fund>().ToListAsync(TestContext.Current.CancellationToken);
        Assert.All(funds, f => Assert.True(f.AvailableVnd >= 0, $"fund {f.Id} holds {f.AvailableVnd}"));
        Assert.Equal(
            expected.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => ($"{e.Key}/{CentralBudget}/{PoorHouseholds}", e.Value)),
            funds.OrderBy(f => f.Id, StringComparer.Ordinal).Select(f => (f.Id, f.AvailableVnd)));
        var loans = await session.Query<Loan>().ToListAsync(TestContext.Current.CancellationToken);
        Assert.All(loans, l => Assert.True(l.RepaidVnd <= l.PrincipalVnd && l.OutstandingVnd >= 0, $"loan {l.Id} repaid {l.RepaidVnd} of {l.PrincipalVnd}"));
        Assert.Equal(
            expectedOutstanding.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => (l.Key, l.Value)),
            loans.OrderBy(l => l.Id, StringComparer.Ordinal).Select(l => (l.Id, l.OutstandingVnd)));
        Assert.All(loans.Where(l => expectedOutstanding[l.Id] == 0), l => Assert.Equal(LoanStatus.Repaid, l.Status));
        Assert.Equal(entrusted, funds.Sum(f => f.AvailableVnd) + loans.Sum(l => l.OutstandingVnd));
        Assert.Equal(eventsBefore + (2 * accepted.Count), await Service.EventCountAsync());
        await AssertNoFundWasEverNegativeAsync(session);

        var check = await finance.ReadJsonAsync("/api/ledger/balance-check");
        Assert.Equal(entrusted, check.Vnd("receivedVnd"));
        Assert.Equal(expectedOutstanding.Values.Sum(), check.Vnd("loansOutstandingVnd"));
        Assert.Equal(entrusted - expectedOutstanding.Values.Sum(), check.Vnd("fundsVnd"));
        Assert.True(check.GetProperty("balanced").GetBoolean());
        var subtree = (await branch.ReadJsonAsync("/api/localities/01/capital")).GetProperty("subtree");
        Assert.Equal(expected["01"] + HanoiCommunes.Sum(c => expected[c]), subtree.Vnd("availableVnd"));
        Assert.Equal(expectedOutstanding.Values.Sum(), subtree.Vnd("loansOutstandingVnd"));
    }

    private IDocumentStore Store => Service.Host.Services.GetRequiredService<IDocumentStore>();

    /// <summary>Folds every fund's stream in order: at no point of history did a fund hold less than zero.</summary>
    private static async Task AssertNoFundWasEverNegativeAsync(IQuerySession session)
    {
        var events = await session.Events.QueryAllRawEvents().ToListAsync(TestContext.Current.CancellationToken);
        foreach (var stream in events.Where(e => e.StreamKey!.Contains('/', StringComparison.Ordinal)).GroupBy(e => e.StreamKey!))
        {
            var fund = Fund.Empty(FundKey.Parse(stream.Key));
            foreach (var e in stream.OrderBy(e => e.Version))
            {
                fund = fund.Evolve(e.Data);
                Assert.True(fund.AvailableVnd >= 0, $"fund {stream.Key} went to {fund.AvailableVnd} at version {e.Version}");
            }
        }
    }

    private enum Kind
    {
        Allocate,
        Recall,
        DrawDown,
        Repay,
    }

    /// <summary>One movement of the race: money leaves <c>From</c>'s fund (when named) and enters <c>To</c>'s (when named).</summary>
    private sealed record Movement(HttpClient Client, Kind Kind, string? From, string? To, long AmountVnd, string? LoanId = null)
    {
        public Task<Answer> SendAsync() => Kind switch
        {
            Kind.Allocate => Client.AllocateAsync(From!, To!, AmountVnd, CentralBudget, PoorHouseholds),
            Kind.Recall => Client.RecallAsync(From!, To!, AmountVnd, CentralBudget, PoorHouseholds),
            Kind.DrawDown => Client.DrawDownAsync(From!, CentralBudget, PoorHouseholds, AmountVnd),
            _ => Client.RepayAsync(LoanId!, AmountVnd),
        };
    }
}
