using System.Text.Json.Serialization;
using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Localities;
using CapitalFlows.Localities.Merging;

namespace CapitalFlows.Api;

/// <summary>
/// The answer to an accepted command (API.md): what was recorded, when, how many events, and what changed —
/// every fund the command touched with its balance right after it, and for a command on one loan the loan's state
/// after it (second edition).
/// </summary>
public sealed record CommandAnswer(Guid CommandId, DateTimeOffset RecordedAt, DateOnly EffectiveOn, int Events)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? LoanId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? OutstandingVnd { get; init; }

    public IReadOnlyList<FundAfter> Funds { get; init; } = [];

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LoanAfter? Loan { get; init; }

    /// <summary>
    /// The answer of a decision taken on <paramref name="state"/> (the funds and loans the recorder read under their
    /// locks): its events folded onto them, in the order the decision first touched each fund. Names are as of the
    /// effective date, a successor's new name included when the command is the merge that gives it.
    /// </summary>
    public static CommandAnswer Of(
        Guid commandId, DateTimeOffset recordedAt, DateOnly effectiveOn, Decision decision, LedgerState state, LocalityDirectory localities)
    {
        var renamed = decision.Events.Select(e => e.Event).OfType<LocalitiesMerged>().Where(m => m.Name is not null)
            .ToDictionary(m => m.Into, m => m.Name!, StringComparer.Ordinal);
        string NameOf(string code) =>
            renamed.GetValueOrDefault(code) ?? localities.Find(code)?.NameOn(effectiveOn) ?? code;

        var funds = decision.Events
            .Where(e => e.StreamKey.Contains('/', StringComparison.Ordinal))
            .GroupBy(e => e.StreamKey, StringComparer.Ordinal)
            .Select(g =>
            {
                var key = FundKey.Parse(g.Key);
                var after = g.Aggregate(state.Funds[key], (fund, e) => fund.Evolve(e.Event));
                return new FundAfter(key.Locality, NameOf(key.Locality), key.Source, key.Programme, after.AvailableVnd);
            })
            .ToList();

        // A command on a loan appends to that one loan's stream; a merge moves many and is not one.
        var loanStreams = decision.Events
            .Where(e => Engine.Rebuilding.StreamFolds.IsLoan(e.StreamKey))
            .GroupBy(e => e.StreamKey, StringComparer.Ordinal)
            .ToList();
        LoanAfter? loan = null;
        if (loanStreams is [var only] && !decision.Events.Any(e => e.Event is LocalitiesMerged)
            && Loans.Loan.Fold(only.Select(e => e.Event), state.Loan(only.Key)) is { } folded)
            // Overdue principal is a reading of the repayment schedule, as of the command's effective date.
            loan = new LoanAfter(Guid.Parse(folded.Id), folded.OutstandingVnd, folded.OverdueOn(effectiveOn), folded.Status);

        return new CommandAnswer(commandId, recordedAt, effectiveOn, decision.Events.Count)
        {
            LoanId = decision.LoanId,
            OutstandingVnd = decision.OutstandingVnd,
            Funds = funds,
            Loan = loan,
        };
    }
}

/// <summary>A fund the command touched, with what it holds available right after the command.</summary>
public sealed record FundAfter(string Locality, string LocalityName, string Source, string Programme, long AvailableVnd);

/// <summary>The loan a command acted on, right after it.</summary>
public sealed record LoanAfter(Guid LoanId, long OutstandingVnd, long OverdueVnd, string Status);
