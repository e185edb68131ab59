using CapitalFlows.Funds;
using CapitalFlows.Loans;

namespace CapitalFlows.Engine.Rebuilding;

/// <summary>
/// Every fund's and every loan's state, folded event by event with the one fold of each (<see cref="Fund.Evolve"/>,
/// <see cref="Loan.Evolve"/>), which the live projections, the decisions and the as-of reads use too. An event its
/// fold does not know stops the rebuild. A fund's stream is a key with a '/' (<c>locality/source/programme</c>), a
/// loan's its id; any other stream is counted but not folded.
/// </summary>
public sealed class StreamFolds
{
    private readonly Dictionary<string, Fund> _funds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Loan> _loans = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _positions = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Fund> Funds => _funds;

    public IReadOnlyDictionary<string, Loan> Loans => _loans;

    /// <summary>How many events each stream holds so far: its version.</summary>
    public IReadOnlyDictionary<string, long> Versions => _positions;

    /// <summary>The last event's sequence number (0 before any).</summary>
    public long LastSequence { get; private set; }

    /// <summary>Folds one more event of the log into its stream's state.</summary>
    public FoldedEvent Fold(LogRow row)
    {
        var (sequence, id, streamKey, data, timestamp, recordedAt) = row;
        var position = _positions.GetValueOrDefault(streamKey) + 1;
        _positions[streamKey] = position;
        LastSequence = sequence;
        var folded = new FoldedEvent(sequence, id, streamKey, position, data, timestamp, recordedAt);
        try
        {
            if (IsFund(streamKey))
            {
                var fund = (_funds.GetValueOrDefault(streamKey) ?? Fund.Empty(FundKey.Parse(streamKey))).Evolve(data);
                _funds[streamKey] = fund;
                return folded with { Fund = fund };
            }
            if (IsLoan(streamKey))
            {
                var loan = (_loans.GetValueOrDefault(streamKey) ?? new Loan()).Evolve(data);
                _loans[streamKey] = loan;
                return folded with { Loan = loan };
            }
        }
        catch (EventNotFoldedException e)
        {
            throw new InvalidOperationException($"Event {sequence} ({data.GetType().Name}) of stream {streamKey}: {e.Message}", e);
        }

        return folded;
    }

    public static bool IsFund(string streamKey) => streamKey.Contains('/', StringComparison.Ordinal);

    public static bool IsLoan(string streamKey) => Guid.TryParseExact(streamKey, "D", out _);
}
