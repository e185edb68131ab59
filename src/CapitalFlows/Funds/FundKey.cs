namespace CapitalFlows.Funds;

/// <summary>
/// A fund is the capital of one source for one programme held at one locality. Its stream key reads as
/// the triple: <c>01/central-budget/poor-households</c>.
/// </summary>
public readonly record struct FundKey(string Locality, string Source, string Programme)
{
    public string StreamKey => $"{Locality}/{Source}/{Programme}";

    public override string ToString() => StreamKey;

    public static FundKey Parse(string streamKey)
    {
        var first = streamKey.IndexOf('/', StringComparison.Ordinal);
        var second = first < 0 ? -1 : streamKey.IndexOf('/', first + 1);
        return second >= 0 && streamKey.IndexOf('/', second + 1) < 0
            ? new FundKey(streamKey[..first], streamKey[(first + 1)..second], streamKey[(second + 1)..])
            : throw new FormatException($"'{streamKey}' is not a fund stream key (locality/source/programme).");
    }
}
