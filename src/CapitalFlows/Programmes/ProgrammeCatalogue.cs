using System.Globalization;
using CapitalFlows.ReferenceData;

namespace CapitalFlows.Programmes;

/// <summary>The credit programmes of the reference data, in the order the bank lists them, with their dated rules.</summary>
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

    /// <summary>
    /// <c>programmes.csv</c> names the programmes; <c>programme-rules.csv</c> gives each lendable one its dated caps
    /// (a row per version, <c>from</c> empty for the first when it predates any history).
    /// </summary>
    public static ProgrammeCatalogue LoadEmbedded()
    {
        var rules = Csv.ReadEmbedded("programme-rules.csv")
            .Select(row => (Code: row["code"], Rules: new ProgrammeRules(
                string.IsNullOrEmpty(row["from"]) ? null : DateOnly.ParseExact(row["from"], "yyyy-MM-dd", CultureInfo.InvariantCulture),
                long.Parse(row["maxLoanVnd"], CultureInfo.InvariantCulture),
                int.Parse(row["maxTermMonths"], CultureInfo.InvariantCulture),
                row["basis"])))
            .ToLookup(r => r.Code, r => r.Rules, StringComparer.Ordinal);
        return new(Csv.ReadEmbedded("programmes.csv").Select(row =>
        {
            var versions = rules[row["code"]].OrderBy(v => v.From ?? DateOnly.MinValue).ToList();
            var latest = versions.LastOrDefault();
            return new Programme(row["code"], row["name"], row["nameVi"], latest?.MaxLoanVnd, latest?.MaxTermMonths) { Versions = versions };
        }));
    }
}
