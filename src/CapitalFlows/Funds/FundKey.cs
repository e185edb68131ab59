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
        var parts = streamKey.Split('/');
        return parts.Length == 3
            ? new FundKey(parts[0], parts[1], parts[2])
            : throw new FormatException($"'{streamKey}' is not a fund stream key (locality/source/programme).");
    }
}
