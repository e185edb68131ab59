using System.Globalization;
using CapitalFlows.Funds;

namespace CapitalFlows.Demo;

/// <summary>
/// The demo history's check of its own: for each published figure it targets, the demo's value times k beside the
/// published one and their ratio. <c>Controlled</c> marks the ratios the simulation steers (utilisation, the capital
/// mix, the overdue ratio, repayments ÷ disbursement, the average new loan, the households owing); the others follow
/// from them (new loans a year: the disbursement that holds utilisation, at the average size) and from the
/// published counts and sizes, and are shown as they come out. Ratios of shares are shares ÷ shares: no k.
/// </summary>
public static class DemoCheck
{
    public sealed record Row(string Figure, double Demo, double Published, string Basis, bool Controlled)
    {
        public double Ratio => Published == 0 ? double.NaN : Demo / Published;
    }

    public static IReadOnlyList<Row> Rows(DemoTally tally, int k)
    {
        var rows = new List<Row>();
        var (from, to) = (tally.From, tally.To);
        foreach (var (on, vnd, note) in PublishedFigures.Capital)
            if (tally.AtDayEnd.TryGetValue(on, out var at))
                rows.Add(new Row($"total capital {on:yyyy-MM-dd} (bn)", at.CapitalVnd * k / 1e9, vnd / 1e9, note, false));
        foreach (var (on, vnd, note) in PublishedFigures.LocalBudget)
            if (tally.AtDayEnd.TryGetValue(on, out var at))
                rows.Add(new Row($"local budget {on:yyyy-MM-dd} (bn)", at.Capital.GetValueOrDefault(Sources.LocalBudget) * k / 1e9, vnd / 1e9, note, false));
        if (tally.AtDayEnd.TryGetValue(new DateOnly(2024, 12, 31), out var end2024))
            foreach (var (code, vnd) in PublishedFigures.LocalBudgetEnd2024)
                rows.Add(new Row($"local budget end 2024, province {code} (bn)", end2024.LocalByProvince.GetValueOrDefault(code) * k / 1e9, vnd / 1e9, "published", false));

        if (!tally.AtDayEnd.TryGetValue(to, out var last)) return rows;
        var capital = last.CapitalVnd;
        double Share(string key) => capital > 0 ? last.Capital.GetValueOrDefault(key) / capital : 0;
        var label = $"{to:yyyy-MM-dd}";
        rows.Add(new Row($"total capital {label} (bn)", capital * k / 1e9, PublishedFigures.CapitalOn(to) / 1e9, "on the published curve", false));
        rows.Add(new Row($"outstanding ÷ capital {label}", last.OutstandingVnd / capital, PublishedFigures.Utilisation, "≈ 96 % (2023), ≈ 97 % (2025)", true));
        rows.Add(new Row($"state budget ÷ capital {label}", Share(Sources.CentralBudget), PublishedFigures.StateBudgetShare, "May 2025", true));
        rows.Add(new Row($"2 % deposits ÷ capital {label}", Share($"{Sources.Mobilised}:deposits"), PublishedFigures.DepositsShare, "May 2025", true));
        rows.Add(new Row($"guaranteed bonds ÷ capital {label}", Share($"{Sources.Mobilised}:bonds"), PublishedFigures.BondsShare, "May 2025", true));
        rows.Add(new Row($"SBV and foreign loans ÷ capital {label}", Share($"{Sources.Mobilised}:oda"), PublishedFigures.OdaShare, "May 2025", false));
        rows.Add(new Row($"local budget ÷ capital {label}", Share(Sources.LocalBudget),
            PublishedFigures.LocalBudgetOn(to) / PublishedFigures.CapitalOn(to), "on the published curves (13.5 % 2024, 15.5 % 2025)", true));
        rows.Add(new Row($"overdue ÷ outstanding {label}", last.OutstandingVnd > 0 ? last.OverdueVnd / last.OutstandingVnd : 0,
            PublishedFigures.OverdueRatio, "0.55 % (Sep 2025), 0.54 % (end 2025)", true));
        rows.Add(new Row($"borrowers with loans outstanding {label}", (double)last.Borrowers * k, PublishedFigures.BorrowersOn(to),
            "households, each counted once: ≈ 6.4 M (2021), > 6.8 M (2023), ≈ 6.73 M (Sep 2025)", true));

        var years = (to.DayNumber - from.DayNumber + 1) / 365.25;
        var period = $"{from:yyyy-MM-dd}..{label}";
        var weightedYears = Enumerable.Range(from.Year, to.Year - from.Year + 1)
            .Select(y => (Year: y, Days: (double)(Min(to, new DateOnly(y, 12, 31)).DayNumber - Max(from, new DateOnly(y, 1, 1)).DayNumber + 1)))
            .ToList();
        double Weighted(Func<int, double> figure) => weightedYears.Sum(y => figure(y.Year) * y.Days) / weightedYears.Sum(y => y.Days);
        rows.Add(new Row($"repayments ÷ disbursement {period}", tally.DisbursedVnd > 0 ? tally.RepaidVnd / tally.DisbursedVnd : 0,
            PublishedFigures.RepaymentRatio, "≈ 65 % (9 months of 2025)", true));
        rows.Add(new Row($"new loans a year {period}", tally.NewLoans * k / years, Weighted(PublishedFigures.NewLoansPerYear), "> 2 M (2021), > 2.2 M (2022, 2023), 1.66 M in 9 months of 2025", false));
        rows.Add(new Row($"average new loan {period} (million)", tally.NewLoans > 0 ? tally.DisbursedVnd / tally.NewLoans / 1e6 : 0,
            Weighted(PublishedFigures.AverageNewLoan) / 1e6, "≈ 49 M (2023), ≈ 66 M (2025), derived", true));
        rows.Add(new Row($"write-offs a year ÷ outstanding {period}", last.OutstandingVnd > 0 ? tally.WrittenOffVnd / years / last.OutstandingVnd : 0,
            PublishedFigures.WriteOffRate, "4,647 bn on 804,000 loans, 2002 to early 2021 (derived)", false));
        var lent = tally.DisbursedByOrganisation.Values.Sum();
        foreach (var (organisation, weight) in PublishedFigures.Organisations)
            rows.Add(new Row($"lent through {organisation} {period}", lent > 0 ? tally.DisbursedByOrganisation.GetValueOrDefault(organisation) / lent : 0, weight,
                "one province, 2024", false));
        return rows;
    }

    /// <summary>The rows as <c>seed-demo</c> prints them.</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<Row> rows, int k)
    {
        yield return string.Create(CultureInfo.InvariantCulture, $"Check: the demo beside the published figures (amounts and counts × k = {k}; shares as they are)");
        yield return string.Create(CultureInfo.InvariantCulture, $"  {"figure",-58} {"demo",16} {"published",16} {"ratio",7}  basis");
        foreach (var row in rows)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"  {row.Figure,-58} {Format(row.Demo),16} {Format(row.Published),16} {row.Ratio,7:0.000}{(row.Controlled ? "*" : " ")} {row.Basis}");
        yield return "  * a ratio the simulation controls (the integration test holds it within 10 %)";
    }

    private static string Format(double value) =>
        Math.Abs(value) < 10 ? value.ToString("0.0000", CultureInfo.InvariantCulture) : value.ToString("N0", CultureInfo.InvariantCulture);

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
