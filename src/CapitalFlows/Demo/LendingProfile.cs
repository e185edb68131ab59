using CapitalFlows.Programmes;

namespace CapitalFlows.Demo;

/// <summary>
/// How the demo history lends under one programme: how often (<c>CountWeight</c>, the share of loans), how much of
/// the capital allocated down is earmarked for it (<c>MoneyWeight</c>), the range of principals and terms, and
/// which entrusted organisations carry its loans. The programme's caps in the catalogue always bound the range.
/// </summary>
public sealed record LendingProfile(
    string Programme, double CountWeight, double MoneyWeight, long MinVnd, long MaxVnd, int MinTermMonths, int MaxTermMonths,
    IReadOnlyList<(string Organisation, double Weight)> Organisations)
{
    private const long Million = 1_000_000;

    private static readonly IReadOnlyList<(string, double)> MostLoans =
        [("womens-union", 0.36), ("farmers-association", 0.34), ("veterans-association", 0.17), ("youth-union", 0.13)];

    private static readonly IReadOnlyList<(string, double)> Students =
        [("youth-union", 0.45), ("womens-union", 0.30), ("farmers-association", 0.15), ("veterans-association", 0.10)];

    private static readonly IReadOnlyList<(string, double)> Jobs =
        [("youth-union", 0.30), ("womens-union", 0.30), ("farmers-association", 0.25), ("veterans-association", 0.15)];

    private static readonly IReadOnlyList<(string, double)> Reintegration =
        [("veterans-association", 0.35), ("youth-union", 0.25), ("womens-union", 0.20), ("farmers-association", 0.20)];

    /// <summary>
    /// The bank's programmes as the demo history lends them: household loans of 30–100 million VND, clean water
    /// loans of 10–25 million, a few large social-housing loans; about 60 million VND a loan on average.
    /// </summary>
    private static readonly IReadOnlyList<LendingProfile> Known =
    [
        new("poor-households", 0.22, 0.18, 30 * Million, 100 * Million, 36, 120, MostLoans),
        new("near-poor-households", 0.16, 0.14, 30 * Million, 100 * Million, 36, 120, MostLoans),
        new("newly-escaped-poverty", 0.07, 0.06, 30 * Million, 100 * Million, 24, 60, MostLoans),
        new("students", 0.06, 0.07, 10 * Million, 60 * Million, 24, 96, Students),
        new("job-creation", 0.16, 0.16, 30 * Million, 100 * Million, 12, 120, Jobs),
        new("clean-water-sanitation", 0.14, 0.10, 10 * Million, 25 * Million, 36, 60, MostLoans),
        new("social-housing", 0.005, 0.08, 200 * Million, 1_000 * Million, 120, 300, MostLoans),
        new("disadvantaged-area-business", 0.08, 0.10, 30 * Million, 100 * Million, 12, 60, MostLoans),
        new("ethnic-minority", 0.05, 0.07, 20 * Million, 50 * Million, 36, 120, MostLoans),
        new("post-prison-reintegration", 0.005, 0.02, 20 * Million, 100 * Million, 12, 60, Reintegration),
    ];

    /// <summary>A job-creation loan to a business (not a household) is this much larger, one time in a hundred.</summary>
    private const double BusinessLoanShare = 0.01;

    /// <summary>
    /// The profiles of every lendable programme of the catalogue (never <c>general</c>), bounded by its caps; a
    /// programme the demo does not know gets a small default profile.
    /// </summary>
    public static IReadOnlyList<LendingProfile> For(ProgrammeCatalogue programmes) =>
        programmes.All
            .Where(p => p.Code != Programmes.Programme.General)
            .Select(p => Known.FirstOrDefault(k => k.Programme == p.Code)
                ?? new LendingProfile(p.Code, 0.01, 0.01, 10 * Million, 50 * Million, 12, 60, MostLoans))
            .Select(profile => profile.Within(programmes.Find(profile.Programme)!))
            .ToList();

    private LendingProfile Within(Programmes.Programme caps)
    {
        var maxVnd = Math.Min(MaxVnd, caps.MaxLoanVnd ?? long.MaxValue);
        var maxTerm = Math.Min(MaxTermMonths, caps.MaxTermMonths ?? int.MaxValue);
        return this with
        {
            MinVnd = Math.Min(MinVnd, maxVnd),
            MaxVnd = maxVnd,
            MinTermMonths = Math.Min(MinTermMonths, maxTerm),
            MaxTermMonths = maxTerm,
        };
    }

    /// <summary>A principal in whole millions of đồng; now and then a business loan up to the programme's cap.</summary>
    public long Principal(Random random, long? capVnd)
    {
        var max = MaxVnd;
        if (Programme == "job-creation" && random.NextDouble() < BusinessLoanShare)
            max = Math.Min(capVnd ?? 2_000 * Million, 2_000 * Million);
        var min = max > MaxVnd ? 200 * Million : MinVnd;
        return Math.Max(Million, (min + (long)(random.NextDouble() * (max - min))) / Million * Million);
    }

    /// <summary>
    /// A term in months: whole years in the longer two thirds of the range where it allows (the bank lends medium and long
    /// term, and the published repayments ÷ disbursement of ≈ 65 % on a book growing ≈ 10 % a year imply the book
    /// repays about a fifth of itself a year), otherwise any month in it.
    /// </summary>
    public int Term(Random random)
    {
        var years = Enumerable.Range(1, MaxTermMonths / 12).Select(y => y * 12).Where(m => m >= MinTermMonths).ToList();
        years = years.Skip(years.Count / 3).ToList();
        return years.Count > 0 ? years[random.Next(years.Count)] : random.Next(MinTermMonths, MaxTermMonths + 1);
    }
}
