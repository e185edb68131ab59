using CapitalFlows.ReferenceData;

namespace CapitalFlows.Localities;

/// <summary>
/// The tree of localities over time: the nation, the 63 provinces before 1 July 2025, the 34 after, and the
/// 3,321 communes of the 2025 structure, built from the official lists embedded in the service. A fresh store
/// starts with the 2025 reorganisation already recorded on 2025-07-01 (DOMAIN.md, "Localities over time").
/// </summary>
public sealed class LocalityDirectory
{
    public const string Nation = "VN";
    public static readonly DateOnly Reorganisation2025 = new(2025, 7, 1);
    public static readonly DateOnly CommuneRenaming2026 = new(2026, 4, 30);

    private readonly Dictionary<string, Locality> _byCode;
    private readonly ILookup<string, Locality> _everChildOf;

    public LocalityDirectory(IEnumerable<Locality> localities)
    {
        All = localities.ToList();
        _byCode = All.ToDictionary(l => l.Code, StringComparer.Ordinal);
        _everChildOf = All
            .SelectMany(l => l.Parents.Where(p => p.Value is not null).Select(p => (parent: p.Value!, child: l)))
            .Distinct()
            .ToLookup(x => x.parent, x => x.child, StringComparer.Ordinal);
    }

    public IReadOnlyList<Locality> All { get; }

    public Locality? Find(string? code) => code is not null && _byCode.TryGetValue(code, out var l) ? l : null;

    /// <summary>The unit holding that code on that date, or null when no unit held it yet.</summary>
    public Locality? FindOn(string? code, DateOnly date) => Find(code) is { } l && l.ExistsOn(date) ? l : null;

    public IEnumerable<Locality> ChildrenOn(string code, DateOnly date) =>
        _everChildOf[code].Where(c => c.ExistsOn(date) && c.ParentOn(date) == code);

    /// <summary>The locality and every locality below it on that date.</summary>
    public IReadOnlyList<string> SubtreeOn(string code, DateOnly date)
    {
        var codes = new List<string> { code };
        for (var i = 0; i < codes.Count; i++)
            codes.AddRange(ChildrenOn(codes[i], date).Select(c => c.Code));
        return codes;
    }

    /// <summary>True when <paramref name="code"/> is <paramref name="ancestor"/> or lies below it on that date.</summary>
    public bool IsWithin(string code, string ancestor, DateOnly date)
    {
        for (string? current = code; current is not null; current = Find(current)?.ParentOn(date))
            if (current == ancestor) return true;
        return false;
    }

    /// <summary>The province a locality belongs to on that date (itself for a province, null for the nation).</summary>
    public string? ProvinceOf(string code, DateOnly date) => Find(code) switch
    {
        { Level: LocalityLevel.Province } p => p.Code,
        { Level: LocalityLevel.Commune } c => c.ParentOn(date),
        _ => null,
    };

    public static LocalityDirectory LoadEmbedded()
    {
        var provinces2025 = Csv.ReadEmbedded("provinces-2025.csv").ToDictionary(r => r["code"]);
        var localities = new List<Locality>
        {
            new(Nation, LocalityLevel.Nation, [new(null, "Việt Nam")], [new(null, null)], null, null, null),
        };

        foreach (var old in Csv.ReadEmbedded("provinces-pre2025.csv"))
        {
            var code = old["old_code"];
            var successor = old["new_code"];
            if (code != successor)
            {
                localities.Add(new(code, LocalityLevel.Province, [new(null, old["old_name"])], [new(null, Nation)],
                    null, Reorganisation2025, successor));
                continue;
            }
            // The administrative centre's province keeps its code and becomes the 2025 province.
            var now = provinces2025[code];
            var names = new List<Dated<string>> { new(null, old["old_name"]) };
            AddNameIfChanged(names, Reorganisation2025, now["name"]);
            if (now["type_2025_07_01"] != now["type_2026_04_30"] && now["type_2026_04_30"] == "thanh_pho")
                AddNameIfChanged(names, CommuneRenaming2026, "Thành phố " + StripUnitType(now["name"]));
            localities.Add(new(code, LocalityLevel.Province, names, [new(null, Nation)], null, null, null));
        }

        foreach (var row in Csv.ReadEmbedded("communes-2025.csv"))
        {
            var names = new List<Dated<string>> { new(Reorganisation2025, row["name"]) };
            AddNameIfChanged(names, CommuneRenaming2026, row["name_2026_04_30_thanglequoc"]);
            localities.Add(new(row["code"], LocalityLevel.Commune, names,
                [new(Reorganisation2025, row["province_code"])], Reorganisation2025, null, null));
        }
        return new LocalityDirectory(localities);
    }

    private static void AddNameIfChanged(List<Dated<string>> names, DateOnly from, string name)
    {
        if (!string.IsNullOrWhiteSpace(name) && names[^1].Value != name) names.Add(new(from, name));
    }

    private static string StripUnitType(string name) =>
        name.StartsWith("Tỉnh ", StringComparison.Ordinal) ? name["Tỉnh ".Length..] : name;
}
