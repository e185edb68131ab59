using System.Collections.Concurrent;
using System.Text.Json;
using CapitalFlows.Funds;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// The commands of the multi-node test, as clients of the bank send them, and what the clients know from the answers:
/// students' capital (no loan cap) entrusted centrally, allocated VN → three provinces → two communes each, recalled,
/// lent and repaid. Every command it makes is remembered, so the test can derive from the accepted ones what every
/// fund and loan must hold.
/// </summary>
public sealed class MultiNodeWorkload(string financeToken, Func<string, string> branchToken)
{
    public const string Source = "central-budget";
    public const string Programme = "students";
    public const string Nation = "VN";
    public const long Million = 1_000_000;
    public const long Billion = 1_000_000_000;

    /// <summary>A commune of Hà Nội that only the in-flight checks use, so the test can hold its fund's lock without stalling the rest.</summary>
    public const string HeldCommune = "00025";

    public const string HeldProvince = "01";

    /// <summary>The provinces the workload moves money through, with two communes each.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Communes = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["01"] = ["00004", "00008"],
        ["79"] = ["25747", "25750"],
        ["31"] = ["10507", "10525"],
    };

    private static readonly string[] Provinces = [.. Communes.Keys];

    private readonly ConcurrentQueue<SentCommand> _sent = new();
    private readonly ConcurrentDictionary<Guid, string> _loanCommunes = new();
    private readonly ConcurrentDictionary<Guid, long> _openLoans = new();

    /// <summary>Every command made so far, in the order they were made.</summary>
    public IReadOnlyList<SentCommand> Sent => [.. _sent];

    public static string FundOf(string locality) => new FundKey(locality, Source, Programme).StreamKey;

    public static string ProvinceOf(string commune) => Communes.Single(p => p.Value.Contains(commune) || (p.Key == HeldProvince && commune == HeldCommune)).Key;

    public SentCommand Entrust(long amountVnd, string phase) =>
        Make(SentCommand.Entrustment, "/api/capital/central-entrustments", financeToken, phase, id => new()
        {
            ["commandId"] = id,
            ["amountVnd"] = amountVnd,
            ["programme"] = Programme,
            ["decisionRef"] = "QĐ-TTg multi-node",
        }, amountVnd, from: Nation);

    /// <summary>An allocation from a parent to its direct child: central finance from VN, the province's branch (or central finance) below.</summary>
    public SentCommand Allocate(string from, string to, long amountVnd, string phase, bool byCentralFinance = false) =>
        Make(SentCommand.Allocation, "/api/allocations", from == Nation || byCentralFinance ? financeToken : branchToken(from), phase, id => new()
        {
            ["commandId"] = id,
            ["from"] = from,
            ["to"] = to,
            ["source"] = Source,
            ["programme"] = Programme,
            ["amountVnd"] = amountVnd,
            ["decisionRef"] = "QĐ multi-node",
        }, amountVnd, from, to);

    /// <summary>A recall from a child back to its parent.</summary>
    public SentCommand Recall(string from, string to, long amountVnd, string phase, bool byCentralFinance = false) =>
        Make(SentCommand.Recall, "/api/recalls", to == Nation || byCentralFinance ? financeToken : branchToken(to), phase, id => new()
        {
            ["commandId"] = id,
            ["from"] = from,
            ["to"] = to,
            ["source"] = Source,
            ["programme"] = Programme,
            ["amountVnd"] = amountVnd,
            ["reason"] = "Unused capital recalled",
        }, amountVnd, from, to);

    /// <summary>A drawdown with a loan id chosen by the client, so that a retry names the same loan.</summary>
    public SentCommand DrawDown(string commune, long amountVnd, string phase, bool byCentralFinance = false)
    {
        var loanId = Guid.NewGuid();
        _loanCommunes[loanId] = commune;
        return Make(SentCommand.Drawdown, "/api/loans", byCentralFinance ? financeToken : branchToken(ProvinceOf(commune)), phase, id => new()
        {
            ["commandId"] = id,
            ["loanId"] = loanId,
            ["locality"] = commune,
            ["source"] = Source,
            ["programme"] = Programme,
            ["amountVnd"] = amountVnd,
            ["borrowerRef"] = $"SV-{loanId:N}"[..15],
            ["entrustedOrganisation"] = "youth-union",
            ["termMonths"] = 48,
        }, amountVnd, from: commune, loanId: loanId);
    }

    public SentCommand Repay(Guid loanId, long amountVnd, string phase, bool byCentralFinance = false)
    {
        var commune = _loanCommunes[loanId];
        return Make(SentCommand.Repayment, $"/api/loans/{loanId}/repayments", byCentralFinance ? financeToken : branchToken(ProvinceOf(commune)), phase, id => new()
        {
            ["commandId"] = id,
            ["amountVnd"] = amountVnd,
        }, amountVnd, from: commune, loanId: loanId);
    }

    /// <summary>The next command of the mixed workload: mostly lending and repaying, with allocations, recalls and inflows.</summary>
    public SentCommand Next(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var province = Provinces[random.Next(Provinces.Length)];
        var commune = Communes[province][random.Next(2)];
        var byCentralFinance = random.Next(4) == 0;
        var roll = random.Next(100);
        if (roll < 25 && OpenLoan(random) is { } loan)
            return Repay(loan.Id, Math.Min(loan.OutstandingVnd, random.Next(1, 30) * Million), "workload", byCentralFinance);
        return roll switch
        {
            < 55 => DrawDown(commune, random.Next(5, 50) * Million, "workload", byCentralFinance),
            < 70 => Allocate(province, commune, random.Next(100, 1_000) * Million, "workload", byCentralFinance),
            < 82 => Recall(commune, province, random.Next(200, 1_500) * Million, "workload", byCentralFinance),
            < 90 => Allocate(Nation, province, random.Next(1, 5) * Billion, "workload"),
            < 95 => Recall(province, Nation, random.Next(1, 3) * Billion, "workload"),
            _ => Entrust(random.Next(1, 10) * Billion, "workload"),
        };
    }

    /// <summary>Learns from an answered command: a new loan to repay, or what is still outstanding on one.</summary>
    public void Observe(SentCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.LoanId is not { } loanId || command.Answer is null) return;
        if (command.Kind == SentCommand.Drawdown && command.Accepted)
            _openLoans[loanId] = command.AmountVnd;
        else if (command.Kind == SentCommand.Repayment && command.Accepted)
        {
            var outstanding = command.Answer.Json.GetProperty("outstandingVnd").GetInt64();
            if (outstanding > 0) _openLoans[loanId] = outstanding;
            else _openLoans.TryRemove(loanId, out _);
        }
    }

    /// <summary>What every fund must hold, derived from the accepted commands alone.</summary>
    public Dictionary<string, FundTotals> ExpectedFunds()
    {
        var funds = new Dictionary<string, FundTotals>(StringComparer.Ordinal);
        void Add(string locality, FundTotals delta) =>
            funds[FundOf(locality)] = funds.GetValueOrDefault(FundOf(locality), FundTotals.Zero) + delta;

        foreach (var command in Sent.Where(c => c.Accepted))
        {
            var a = command.AmountVnd;
            switch (command.Kind)
            {
                case SentCommand.Entrustment:
                    Add(command.From, new FundTotals(a, a, 0, 0, 0));
                    break;
                case SentCommand.Allocation:
                    Add(command.From, new FundTotals(0, 0, a, 0, 0));
                    Add(command.To, new FundTotals(0, a, 0, 0, 0));
                    break;
                case SentCommand.Recall:
                    Add(command.From, new FundTotals(0, -a, 0, 0, 0));
                    Add(command.To, new FundTotals(0, 0, -a, 0, 0));
                    break;
                case SentCommand.Drawdown:
                    Add(command.From, new FundTotals(0, 0, 0, a, 0));
                    break;
                case SentCommand.Repayment:
                    Add(command.From, new FundTotals(0, 0, 0, 0, a));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown kind {command.Kind}");
            }
        }

        return funds;
    }

    /// <summary>What every loan must show (principal, repaid), derived from the accepted commands alone.</summary>
    public Dictionary<Guid, (long PrincipalVnd, long RepaidVnd)> ExpectedLoans()
    {
        var accepted = Sent.Where(c => c.Accepted).ToList();
        return accepted
            .Where(c => c.Kind == SentCommand.Drawdown)
            .ToDictionary(
                c => c.LoanId!.Value,
                c => (c.AmountVnd, accepted.Where(r => r.Kind == SentCommand.Repayment && r.LoanId == c.LoanId).Sum(r => r.AmountVnd)));
    }

    private (Guid Id, long OutstandingVnd)? OpenLoan(Random random)
    {
        var open = _openLoans.ToArray();
        if (open.Length == 0) return null;
        var (id, outstanding) = open[random.Next(open.Length)];
        return (id, outstanding);
    }

    private SentCommand Make(
        string kind, string route, string token, string phase, Func<Guid, Dictionary<string, object>> body, long amountVnd,
        string from, string to = "", Guid? loanId = null)
    {
        var id = Guid.NewGuid();
        var command = new SentCommand(kind, route, token, id, JsonSerializer.Serialize(body(id), JsonSerializerOptions.Web))
        {
            AmountVnd = amountVnd,
            From = from,
            To = to,
            LoanId = loanId,
            Phase = phase,
        };
        _sent.Enqueue(command);
        return command;
    }

    /// <summary>Tokens for the workload: central finance, and a branch officer per province.</summary>
    public static MultiNodeWorkload WithDevelopmentTokens()
    {
        var branches = Communes.Keys.ToDictionary(p => p, p => ServiceFixture.Token(Roles.BranchOfficer, p), StringComparer.Ordinal);
        return new MultiNodeWorkload(ServiceFixture.Token(Roles.CentralFinance), province => branches[province]);
    }
}
