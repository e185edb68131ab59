using System.Collections.Concurrent;
using CapitalFlows.Funds.ReadingHistory;
using CapitalFlows.Localities.Merging;
using CapitalFlows.ReferenceData;
using Marten;

namespace CapitalFlows.Localities;

/// <summary>A merge as the store recorded it: the event and the instant it was recorded.</summary>
public sealed record RecordedMerge(LocalitiesMerged Merge, DateTimeOffset RecordedAt);

/// <summary>Which version of the structure stream a directory was built from (version and last write).</summary>
public sealed record StructureVersion(long Version, DateTimeOffset LastWrite);

/// <summary>
/// The tree of localities over time. The reference data (embedded in the service) gives the nation, the 63
/// provinces as they stood before 1 July 2025 and the 3,321 communes, open from 2025-07-01 under their 2025
/// province codes; the merges recorded on the structure stream (<see cref="StructureStream"/>) close
/// provinces, rename successors and re-parent communes. A fresh store starts with the 2025 reorganisation
/// recorded (<see cref="Reorganisation2025"/>; DOMAIN.md, "Localities over time").
/// <para>One instance per node is shared by every request; when a merge is recorded (here or on another node) the
/// tree is rebuilt from the stream and swapped in whole (<see cref="RefreshAsync"/>). Reads that ask for
/// <c>knownAt</c> use <see cref="KnownAt"/>: only the merges recorded by then.</para>
/// </summary>
public sealed class LocalityDirectory
{
    public const string Nation = "VN";

    /// <summary>The stream of the locality structure: the merges, in the order they were recorded.</summary>
    public const string StructureStream = "localities";

    public static readonly DateOnly Reorganisation2025Date = new(2025, 7, 1);
    public static readonly DateOnly CommuneRenaming2026 = new(2026, 4, 30);

    private volatile Tree _tree;

    private LocalityDirectory(Tree tree) => _tree = tree;

    /// <summary>What a fresh store holds: the reference data with the 2025 reorganisation recorded.</summary>
    public static LocalityDirectory LoadEmbedded() =>
        new(Tree.Build(Reorganisation2025().Select(m => new RecordedMerge(m, DateTimeOffset.MinValue)).ToList(), null));

    /// <summary>The structure before any merge: the 63 provinces, as the demo history starts.</summary>
    public static LocalityDirectory Before2025() => new(Tree.Build([], null));

    public IReadOnlyList<Locality> All => _tree.All;

    public IReadOnlyList<RecordedMerge> Merges => _tree.Merges;

    public StructureVersion? Version => _tree.Version;

    public Locality? Find(string? code) => _tree.Find(code);

    /// <summary>The unit holding that code on that date, or null when no unit held it yet.</summary>
    public Locality? FindOn(string? code, DateOnly date) => Find(code) is { } l && l.ExistsOn(date) ? l : null;

    public IEnumerable<Locality> ChildrenOn(string code, DateOnly date) => _tree.ChildrenOn(code, date);

    /// <summary>The locality and every locality below it on that date.</summary>
    public IReadOnlyList<string> SubtreeOn(string code, DateOnly date)
    {
        var tree = _tree;
        var codes = new List<string> { code };
        for (var i = 0; i < codes.Count; i++)
            tree.AddChildrenOn(codes[i], date, codes);
        return codes;
    }

    /// <summary>True when <paramref name="code"/> is <paramref name="ancestor"/> or lies below it on that date.</summary>
    public bool IsWithin(string code, string ancestor, DateOnly date)
    {
        var tree = _tree;
        for (string? current = code; current is not null; current = tree.Find(current)?.ParentOn(date))
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

    /// <summary>Where the capital of a locality sits now: itself, or the successor its merges lead to.</summary>
    public string HolderOf(string code)
    {
        var tree = _tree;
        var current = code;
        while (tree.Find(current)?.Successor is { } successor) current = successor;
        return current;
    }

    /// <summary>The codes, and every locality merged into one of them (directly or through earlier merges).</summary>
    public IReadOnlyList<string> WithMergedInto(IReadOnlyList<string> codes)
    {
        var wanted = codes.ToHashSet(StringComparer.Ordinal);
        return [.. codes, .. All.Where(l => l.Successor is not null && !wanted.Contains(l.Code) && wanted.Contains(HolderOf(l.Code))).Select(l => l.Code)];
    }

    /// <summary>The structure as known at an instant: only the merges recorded by then (the reference data's always).</summary>
    public LocalityDirectory KnownAt(DateTimeOffset? knownAt)
    {
        if (knownAt is null) return this;
        var tree = _tree;
        var known = tree.Merges.Where(m => m.Merge.FromReferenceData || knownAt is null || m.RecordedAt <= knownAt).ToList();
        return known.Count == tree.Merges.Count ? this : new(tree.KnownView(known));
    }

    /// <summary>Adds merges just decided (the demo history writes them without reading the store back).</summary>
    public void Apply(IEnumerable<RecordedMerge> merges) => _tree = Tree.Build([.. _tree.Merges, .. merges], null);

    /// <summary>Rebuilds the tree from the structure stream when its version differs from the one this tree was built from.</summary>
    public async Task RefreshAsync(IQuerySession session, CancellationToken ct)
    {
        var state = await session.Events.FetchStreamStateAsync(StructureStream, ct);
        var version = state is null ? null : new StructureVersion(state.Version, state.LastTimestamp);
        if (version == _tree.Version && version is not null) return;
        var events = state is null ? [] : await session.Events.FetchStreamAsync(StructureStream, token: ct);
        _tree = Tree.Build(
            events.Where(e => e.Data is LocalitiesMerged)
                .Select(e => new RecordedMerge((LocalitiesMerged)e.Data, FundMovementProjection.RecordedAt(e)))
                .ToList(),
            version);
    }

    /// <summary>
    /// The 2025 reorganisation as merges, from the reference data: each 2025 province that took in others is a
    /// merge into its code (the administrative centre's), renamed when its name changed. Provinces that took
    /// nobody in need no merge.
    /// </summary>
    public static IReadOnlyList<LocalitiesMerged> Reorganisation2025()
    {
        var names2025 = Csv.ReadEmbedded("provinces-2025.csv").ToDictionary(r => r["code"], r => r["name"]);
        var old = Csv.ReadEmbedded("provinces-pre2025.csv").ToList();
        var oldNames = old.ToDictionary(r => r["old_code"], r => r["old_name"]);
        return old
            .GroupBy(r => r["new_code"])
            .Where(g => g.Any(r => r["old_code"] != g.Key))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new LocalitiesMerged(
                g.Select(r => r["old_code"]).Order(StringComparer.Ordinal).ToList(),
                g.Key,
                names2025[g.Key] != oldNames[g.Key] ? names2025[g.Key] : null,
                Reorganisation2025Date,
                FromReferenceData: true))
            .ToList();
    }

    /// <summary>One immutable build of the tree: the reference data with a list of merges applied in date order.</summary>
    private sealed class Tree
    {
        private readonly Dictionary<string, Locality> _byCode;
        private readonly ILookup<string, Locality> _everChildOf;

        /// <summary>The trees as known at earlier instants, by how many merges they hold, built once each.</summary>
        private readonly ConcurrentDictionary<int, Tree> _knownViews = new();

        private Tree(List<Locality> all, IReadOnlyList<RecordedMerge> merges, StructureVersion? version)
        {
            All = all;
            Merges = merges;
            Version = version;
            _byCode = all.ToDictionary(l => l.Code, StringComparer.Ordinal);
            _everChildOf = all
                .SelectMany(l => l.Parents.Where(p => p.Value is not null).Select(p => (parent: p.Value!, child: l)))
                .Distinct()
                .ToLookup(x => x.parent, x => x.child, StringComparer.Ordinal);
        }

        public IReadOnlyList<Locality> All { get; }

        public IReadOnlyList<RecordedMerge> Merges { get; }

        public StructureVersion? Version { get; }

        public Locality? Find(string? code) => code is not null && _byCode.TryGetValue(code, out var l) ? l : null;

        /// <summary>
        /// The tree of some of this tree's merges. Merges are recorded one at a time on one stream, so those known at
        /// an instant are the reference data's and a first part of the rest: their number says which they are.
        /// </summary>
        public Tree KnownView(List<RecordedMerge> known) => _knownViews.GetOrAdd(known.Count, _ => Build(known, Version));

        public IEnumerable<Locality> ChildrenOn(string code, DateOnly date) =>
            _everChildOf[code].Where(c => c.ExistsOn(date) && c.ParentOn(date) == code);

        /// <summary>Adds the codes of <see cref="ChildrenOn"/> to <paramref name="codes"/> (the subtree walk of every locality read, without an iterator per locality).</summary>
        public void AddChildrenOn(string code, DateOnly date, List<string> codes)
        {
            foreach (var child in _everChildOf[code])
                if (child.ExistsOn(date) && child.ParentOn(date) == code) codes.Add(child.Code);
        }

        public static Tree Build(IReadOnlyList<RecordedMerge> merges, StructureVersion? version)
        {
            var localities = ReferenceLocalities.Value.ToDictionary(l => l.Code, StringComparer.Ordinal);
            foreach (var merge in merges.Select(m => m.Merge).OrderBy(m => m.EffectiveOn))
            {
                var date = merge.EffectiveOn;
                foreach (var code in merge.Closing)
                    localities[code] = localities[code] with { ClosedOn = date, Successor = merge.Into };
                if (merge.Name is { } name)
                    localities[merge.Into] = localities[merge.Into] with { Names = WithValueFrom(localities[merge.Into].Names, date, name) };
                var closing = merge.Closing.ToHashSet(StringComparer.Ordinal);
                foreach (var child in localities.Values.Where(l => l.ParentOn(date) is { } p && closing.Contains(p)).ToList())
                    localities[child.Code] = child with { Parents = WithValueFrom(child.Parents, date, merge.Into) };
            }
            return new Tree([.. localities.Values.OrderBy(l => l.Code, StringComparer.Ordinal)], merges, version);
        }

        /// <summary>The history with a new value from a date on (replacing whatever held from that date).</summary>
        private static List<Dated<T>> WithValueFrom<T>(IReadOnlyList<Dated<T>> history, DateOnly from, T value) =>
            [.. history.Where(h => h.From is null || h.From < from), new(from, value), .. history.Where(h => h.From > from)];
    }

    /// <summary>The nation, the 63 provinces (names over time, without any merge) and the communes of 2025.</summary>
    private static readonly Lazy<IReadOnlyList<Locality>> ReferenceLocalities = new(() =>
    {
        var provinces2025 = Csv.ReadEmbedded("provinces-2025.csv").ToDictionary(r => r["code"]);
        var localities = new List<Locality>
        {
            new(Nation, LocalityLevel.Nation, [new(null, "Việt Nam")], [new(null, null)], null, null, null),
        };
        foreach (var old in Csv.ReadEmbedded("provinces-pre2025.csv"))
        {
            var names = new List<Dated<string>> { new(null, old["old_name"]) };
            // Provinces that became cities on 2026-04-30 (reference data, not a merge).
            if (provinces2025.TryGetValue(old["old_code"], out var now)
                && now["type_2025_07_01"] != now["type_2026_04_30"] && now["type_2026_04_30"] == "thanh_pho")
                names.Add(new(CommuneRenaming2026, "Thành phố " + StripUnitType(now["name"])));
            localities.Add(new(old["old_code"], LocalityLevel.Province, names, [new(null, Nation)], null, null, null));
        }
        foreach (var row in Csv.ReadEmbedded("communes-2025.csv"))
        {
            var names = new List<Dated<string>> { new(Reorganisation2025Date, row["name"]) };
            if (!string.IsNullOrWhiteSpace(row["name_2026_04_30_thanglequoc"]) && row["name_2026_04_30_thanglequoc"] != row["name"])
                names.Add(new(CommuneRenaming2026, row["name_2026_04_30_thanglequoc"]));
            localities.Add(new(row["code"], LocalityLevel.Commune, names,
                [new(Reorganisation2025Date, row["province_code"])], Reorganisation2025Date, null, null));
        }
        return localities;
    });

    private static string StripUnitType(string name) =>
        name.StartsWith("Tỉnh ", StringComparison.Ordinal) ? name["Tỉnh ".Length..] : name;
}
