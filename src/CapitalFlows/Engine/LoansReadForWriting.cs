using System.Runtime.CompilerServices;
using CapitalFlows.Loans;
using JasperFx.Events;
using Marten;

namespace CapitalFlows.Engine;

/// <summary>
/// The states of the loans a session's transaction appends to, as its recorder read them under their locks before
/// any of the transaction's events (<c>FetchForWriting</c>: the loan's inline snapshot, the same fold as
/// <see cref="Loan.Fold"/>). An inline projection that needs a loan's state before the transaction (credit quality's
/// movement rows) starts those loans from here instead of folding them again from the log: one query and its round
/// trip fewer inside every write of a batch with a repayment. A loan not told here (a rebuild, the bulk path, a stream
/// appended without being read) is folded from the log as before.
/// </summary>
public static class LoansReadForWriting
{
    private static readonly ConditionalWeakTable<object, IReadOnlyDictionary<string, Loan?>> Told = new();

    /// <summary>Tells the session's projections the loans' states as fetched, before its events (null: a loan not drawn yet).</summary>
    public static void Tell(IDocumentSession session, IReadOnlyDictionary<string, IEventStream<Loan>> loans) =>
        Told.AddOrUpdate(session, loans.ToDictionary(l => l.Key, l => l.Value.Aggregate, StringComparer.Ordinal));

    /// <summary>The loans' states told for this session, or none.</summary>
    public static IReadOnlyDictionary<string, Loan?> Of(IDocumentOperations operations) =>
        Told.TryGetValue(operations, out var loans) ? loans : EmptyLoans;

    private static readonly IReadOnlyDictionary<string, Loan?> EmptyLoans = new Dictionary<string, Loan?>(StringComparer.Ordinal);
}
