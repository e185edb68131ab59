namespace CapitalFlows.Demo;

/// <summary>
/// The published figures of the Vietnam Bank for Social Policies the demo history follows, at 1 : 1 (the history
/// divides them by its sample factor). Copied from the bank's and the press's reports for 2020–2025 (README, "Demo
/// history"); a figure marked <c>derived</c> is computed from published ones, <c>interpolated</c> lies on a straight
/// line between two published ones, <c>extrapolated</c> goes on after 2025 at the pace of 2025, and <c>proxy</c>
/// stands in where nothing is published. Amounts in đồng.
/// </summary>
public static class PublishedFigures
{
    public const double Billion = 1e9;

    /// <summary>Total capital at the year-ends (and 31 May 2025) the reports give.</summary>
    public static readonly IReadOnlyList<(DateOnly On, double Vnd, string Note)> Capital =
    [
        (new(2020, 12, 31), 233_545 * Billion, "derived: 256,324 less 22,779 growth in 2021"),
        (new(2021, 12, 31), 256_324 * Billion, "published"),
        (new(2022, 12, 31), 301_000 * Billion, "interpolated"),
        (new(2023, 12, 31), 346_000 * Billion, "published (> 346 T)"),
        (new(2024, 12, 31), 376_247 * Billion, "published"),
        (new(2025, 5, 31), 410_857 * Billion, "published"),
        (new(2025, 12, 31), 426_262 * Billion, "published"),
        (new(2030, 12, 31), 676_262 * Billion, "extrapolated: 50 T a year"),
    ];

    /// <summary>Local budget entrusted, cumulative, at the year-ends the reports give.</summary>
    public static readonly IReadOnlyList<(DateOnly On, double Vnd, string Note)> LocalBudget =
    [
        (new(2020, 12, 31), 21_000 * Billion, "proxy: 9 % of capital"),
        (new(2021, 12, 31), 24_702 * Billion, "published"),
        (new(2022, 12, 31), 31_938 * Billion, "interpolated"),
        (new(2023, 12, 31), 39_174 * Billion, "published"),
        (new(2024, 12, 31), 50_681 * Billion, "published (13.5 %)"),
        (new(2025, 12, 31), 66_091 * Billion, "published (15.5 %)"),
        (new(2030, 12, 31), 104_821 * Billion, "extrapolated: 15.5 % of capital"),
    ];

    /// <summary>The capital mix of 31 May 2025, held through the history: shares of total capital.</summary>
    public const double StateBudgetShare = 0.114;

    public const double DepositsShare = 0.354;

    public const double BondsShare = 0.18;

    /// <summary>SBV and foreign loans (the <c>oda</c> instrument).</summary>
    public const double OdaShare = 0.022;

    /// <summary>Charity: not published separately; a small proxy.</summary>
    public const double CharityShare = 0.003;

    /// <summary>Loans outstanding ÷ total capital: ≈ 96 % (2023), ≈ 97 % (2025).</summary>
    public const double Utilisation = 0.965;

    /// <summary>Overdue and frozen debt ÷ outstanding: 0.57 % (2023), 0.55 % (Sep 2025), 0.54 % (end 2025).</summary>
    public const double OverdueRatio = 0.0055;

    /// <summary>Repayments ÷ disbursement: ≈ 65 % (first 9 months of 2025).</summary>
    public const double RepaymentRatio = 0.65;

    /// <summary>Write-offs a year ÷ outstanding: 4,647 bn on 804,000 loans over 2002 – early 2021 (derived, ≈ 245 bn a year on ≈ 220 T).</summary>
    public const double WriteOffRate = 0.0011;

    /// <summary>
    /// Outstanding per borrower on a date: 225 T on ≈ 6.4 M borrowers at the start of 2021, 363 T on ≈ 6.8 M at the
    /// start of 2025 (derived), on a straight line (the opening book's average loan).
    /// </summary>
    public static double OutstandingPerBorrower(DateOnly day) =>
        Value([(new(2021, 1, 1), 35e6, "derived"), (new(2025, 1, 1), 53e6, "derived"), (new(2030, 1, 1), 60e6, "extrapolated")], day);

    /// <summary>
    /// Borrowers (households) with loans outstanding on a date: ≈ 6.4 M (2021), &gt; 6.8 M (2023), ≈ 6.73 M (Sep 2025),
    /// on straight lines between them, flat before and after.
    /// </summary>
    public static double BorrowersOn(DateOnly day) =>
        Value([(new(2021, 12, 31), 6_400_000, "published"), (new(2023, 12, 31), 6_800_000, "published"), (new(2025, 9, 30), 6_730_000, "published")], day);

    /// <summary>New loans a year: &gt; 2 M (2021), &gt; 2.2 M (2022, 2023), 1.66 M in 9 months of 2025 (2024 interpolated).</summary>
    public static double NewLoansPerYear(int year) => year switch
    {
        <= 2021 => 2_050_000,
        2022 or 2023 => 2_200_000,
        2024 => 2_200_000,
        _ => 2_210_000,
    };

    /// <summary>Average new loan: ≈ 49 M (2023), ≈ 66 M (2025), derived; 2021, 2022 and 2024 interpolated.</summary>
    public static double AverageNewLoan(int year) => year switch
    {
        <= 2021 => 45e6,
        2022 => 47e6,
        2023 => 49e6,
        2024 => 57e6,
        _ => 66e6,
    };

    /// <summary>Share of lending by entrusted organisation (one province, 2024).</summary>
    public static readonly IReadOnlyList<(string Organisation, double Weight)> Organisations =
        [("womens-union", 0.423), ("farmers-association", 0.356), ("veterans-association", 0.139), ("youth-union", 0.083)];

    /// <summary>Local budget entrusted, cumulative, end 2024, by province (the six the report names).</summary>
    public static readonly IReadOnlyDictionary<string, double> LocalBudgetEnd2024 = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["01"] = 8_834 * Billion, // Hà Nội
        ["79"] = 7_351 * Billion, // TP Hồ Chí Minh (old)
        ["74"] = 2_207 * Billion, // Bình Dương
        ["48"] = 2_163 * Billion, // Đà Nẵng
        ["77"] = 1_620 * Billion, // Bà Rịa–Vũng Tàu
        ["22"] = 1_502 * Billion, // Quảng Ninh
    };

    /// <summary>
    /// Proxy of fiscal capacity for the provinces the report does not name: budget-surplus provinces entrust more,
    /// poor mountainous ones little (a tier times the province's size in communes; not published).
    /// </summary>
    private static readonly HashSet<string> Richer =
        new(["31", "27", "26", "75", "80", "92", "30", "56", "38", "24", "33", "49", "51", "72", "52", "68", "36", "34", "35"], StringComparer.Ordinal);

    private static readonly HashSet<string> Mountainous =
        new(["02", "04", "06", "08", "10", "11", "12", "14", "15", "17", "20", "62", "64", "66", "67", "19", "25"], StringComparer.Ordinal);

    /// <summary>
    /// Each pre-2025 province's share of all local budget entrusted: the six published at their published sizes,
    /// the rest of the 2024 total shared by the proxy of fiscal capacity.
    /// </summary>
    public static IReadOnlyDictionary<string, double> LocalBudgetShares(IEnumerable<(string Code, double Communes)> provinces)
    {
        var total = Value(LocalBudget, new DateOnly(2024, 12, 31));
        var named = LocalBudgetEnd2024.Values.Sum();
        var others = provinces.Where(p => !LocalBudgetEnd2024.ContainsKey(p.Code))
            .Select(p => (p.Code, Weight: p.Communes * (Richer.Contains(p.Code) ? 3 : Mountainous.Contains(p.Code) ? 0.4 : 1)))
            .ToList();
        var weights = others.Sum(p => p.Weight);
        var shares = LocalBudgetEnd2024.ToDictionary(p => p.Key, p => p.Value / total, StringComparer.Ordinal);
        foreach (var (code, weight) in others) shares[code] = (total - named) / total * weight / weights;
        return shares;
    }

    /// <summary>Total capital on a date, on straight lines between the published points.</summary>
    public static double CapitalOn(DateOnly day) => Value(Capital, day);

    public static double LocalBudgetOn(DateOnly day) => Value(LocalBudget, day);

    /// <summary>The value of a curve on a date: linear between its points, flat before the first.</summary>
    public static double Value(IReadOnlyList<(DateOnly On, double Vnd, string Note)> points, DateOnly day)
    {
        if (day <= points[0].On) return points[0].Vnd;
        for (var i = 1; i < points.Count; i++)
        {
            if (day > points[i].On) continue;
            var (a, b) = (points[i - 1], points[i]);
            return a.Vnd + (b.Vnd - a.Vnd) * (day.DayNumber - a.On.DayNumber) / (b.On.DayNumber - a.On.DayNumber);
        }
        return points[^1].Vnd;
    }
}
