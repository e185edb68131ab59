using System.Text.Json.Serialization;
using CapitalFlows.Funds;
using CapitalFlows.Localities;
using CapitalFlows.Programmes;

namespace CapitalFlows.National.ComparingCapital;

/// <summary>
/// Capital compared across dates (<c>GET /api/capital/compare</c>): one row per province, programme or source, one
/// cell per date, in the order the dates were asked. <c>Totals</c> are each date's national capital (the summary's
/// <c>totalVnd</c> of that date); by province, what the nation holds itself is <c>HeldNationally</c>, so that the rows
/// and it add up to the totals.
/// </summary>
public sealed record CapitalComparison(
    string By, string Structure, IReadOnlyList<DateOnly> Dates, DateTimeOffset? KnownAt,
    IReadOnlyList<ComparisonRow> Rows, IReadOnlyList<ComparisonCell> Totals)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ComparisonCell>? HeldNationally { get; init; }
}

/// <summary>
/// One row: its code and name, and a cell per date (null where the row did not exist on that date: a province
/// already merged, or not yet one, with <c>structure=asof</c>).
/// </summary>
public sealed record ComparisonRow(string Code, string? Name, IReadOnlyList<ComparisonCell?> Values)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LocalityName { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ProgrammeName { get; init; }
}

/// <summary>Capital at one date: <c>TotalVnd</c> = available + loans outstanding.</summary>
public sealed record ComparisonCell(long TotalVnd, long AvailableVnd, long LoansOutstandingVnd)
{
    public static ComparisonCell Of(IEnumerable<Fund> funds)
    {
        long available = 0, outstanding = 0;
        foreach (var fund in funds)
        {
            available += fund.AvailableVnd;
            outstanding += fund.LoansOutstandingVnd;
        }
        return new ComparisonCell(available + outstanding, available, outstanding);
    }
}

/// <summary>Builds the table from each date's funds: a pure function of the funds, the structure and today.</summary>
public static class CapitalComparisonTable
{
    public const string ByProvince = "province";
    public const string ByProgramme = "programme";
    public const string BySource = "source";
    public const string Current = "current";
    public const string AsOf = "asof";

    public static readonly IReadOnlyList<string> Bys = [ByProvince, ByProgramme, BySource];
    public static readonly IReadOnlyList<string> Structures = [Current, AsOf];

    /// <param name="columns">Each date asked, with every fund as of that date.</param>
    /// <param name="structure">The locality tree (as known at the reading's instant).</param>
    /// <param name="today">Today in Vietnam: <c>structure=current</c> restates every date on the provinces open today.</param>
    public static CapitalComparison Build(
        string by, string structureMode, IReadOnlyList<(DateOnly Date, IReadOnlyList<Fund> Funds)> columns, DateTimeOffset? knownAt,
        LocalityDirectory structure, ProgrammeCatalogue programmes, DateOnly today)
    {
        var dates = columns.Select(c => c.Date).ToList();
        var totals = columns.Select(c => ComparisonCell.Of(c.Funds)).ToList();
        return by switch
        {
            ByProgramme => new CapitalComparison(by, structureMode, dates, knownAt,
                programmes.All
                    .Select(p => new ComparisonRow(p.Code, p.Name,
                        columns.Select(c => (ComparisonCell?)ComparisonCell.Of(c.Funds.Where(f => f.Programme == p.Code))).ToList())
                    {
                        ProgrammeName = p.NameVi,
                    })
                    .ToList(),
                totals),
            BySource => new CapitalComparison(by, structureMode, dates, knownAt,
                Sources.All
                    .Select(s => new ComparisonRow(s, null,
                        columns.Select(c => (ComparisonCell?)ComparisonCell.Of(c.Funds.Where(f => f.Source == s))).ToList()))
                    .ToList(),
                totals),
            _ => ByProvinces(structureMode, columns, knownAt, structure, today, totals),
        };
    }

    private static CapitalComparison ByProvinces(
        string structureMode, IReadOnlyList<(DateOnly Date, IReadOnlyList<Fund> Funds)> columns, DateTimeOffset? knownAt,
        LocalityDirectory structure, DateOnly today, List<ComparisonCell> totals)
    {
        // Each fund's province on the column's date; with structure=current, the province that holds it today
        // (a merged province's capital is counted under its successor).
        string? RowOf(Fund fund, DateOnly date) =>
            structure.ProvinceOf(fund.Locality, date) is { } province
                ? structureMode == Current ? structure.HolderOf(province) : province
                : null;

        var provinces = structure.All
            .Where(l => l.Level == LocalityLevel.Province)
            .Where(l => structureMode == Current ? l.IsOpenOn(today) : columns.Any(c => l.IsOpenOn(c.Date)))
            .ToList();
        var byRow = columns.Select(c => c.Funds.ToLookup(f => RowOf(f, c.Date))).ToList();
        var rows = provinces
            .Select(p =>
            {
                var named = structureMode == Current ? today : columns.Select(c => c.Date).Where(p.IsOpenOn).Max();
                var cells = columns
                    .Select((c, i) => structureMode == AsOf && !p.IsOpenOn(c.Date) ? null : (ComparisonCell?)ComparisonCell.Of(byRow[i][p.Code]))
                    .ToList();
                return new ComparisonRow(p.Code, p.NameOn(named), cells) { LocalityName = p.NameOn(named) };
            })
            .ToList();
        return new CapitalComparison(ByProvince, structureMode, columns.Select(c => c.Date).ToList(), knownAt, rows, totals)
        {
            HeldNationally = byRow.Select(r => ComparisonCell.Of(r[null])).ToList(),
        };
    }
}
