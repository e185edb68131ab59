using System.Globalization;
using CapitalFlows.ReferenceData;

namespace CapitalFlows.Programmes;

/// <summary>The credit programmes of the reference data, in the order the bank lists them.</summary>
public sealed class ProgrammeCatalogue
{
    private readonly Dictionary<string, Programme> _byCode;

    public ProgrammeCatalogue(IEnumerable<Programme> programmes)
    {
        All = programmes.ToList();
        _byCode = All.ToDictionary(p => p.Code, StringComparer.Ordinal);
    }

    public IReadOnlyList<Programme> All { get; }

    public bool Exists(string? code) => code is not null && _byCode.ContainsKey(code);

    public Programme? Find(string? code) => code is not null && _byCode.TryGetValue(code, out var p) ? p : null;

    /// <summary>The programme's official Vietnamese name, shown beside its code in reads (the code when unknown).</summary>
    public string NameOf(string code) => Find(code)?.NameVi ?? code;

    public static ProgrammeCatalogue LoadEmbedded() => new(Csv.ReadEmbedded("programmes.csv").Select(row => new Programme(
        row["code"], row["name"], row["nameVi"],
        string.IsNullOrEmpty(row["maxLoanVnd"]) ? null : long.Parse(row["maxLoanVnd"], CultureInfo.InvariantCulture),
        string.IsNullOrEmpty(row["maxTermMonths"]) ? null : int.Parse(row["maxTermMonths"], CultureInfo.InvariantCulture))));
}
