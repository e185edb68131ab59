using CapitalFlows.Funds;
using JasperFx.Events;
using Marten.Events.Projections;

namespace CapitalFlows.National.ReadingDailyCapital;

/// <summary>
/// The nation's capital flows on one effective date: what came in, what was reversed, lent and repaid.
/// Kept by an asynchronous projection, so no command writes this national row: the daemon folds the log
/// into it behind the commands. The figures are 128-bit: a day's gross inflows (an inflow reversed and made
/// again, many times) can pass what a <c>long</c> holds, and the projection must neither wrap silently nor stop.
/// </summary>
public sealed class DailyCapital
{
    public string Id { get; set; } = "";

    public Int128 InflowsVnd { get; set; }

    public Int128 InflowsReversedVnd { get; set; }

    public Int128 LentVnd { get; set; }

    public Int128 RepaidVnd { get; set; }

    public int Loans { get; set; }
}

public sealed partial class DailyCapitalProjection : MultiStreamProjection<DailyCapital, string>
{
    public DailyCapitalProjection()
    {
        Identity<CentralBudgetEntrusted>(e => Day(e.EffectiveOn));
        Identity<MobilisedCapitalReceived>(e => Day(e.EffectiveOn));
        Identity<LocalBudgetToppedUp>(e => Day(e.EffectiveOn));
        Identity<CharityDonationReceived>(e => Day(e.EffectiveOn));
        Identity<InflowReversed>(e => Day(e.EffectiveOn));
        Identity<CapitalLent>(e => Day(e.EffectiveOn));
        Identity<LendingReversed>(e => Day(e.EffectiveOn));
        Identity<RepaymentReceived>(e => Day(e.EffectiveOn));
        Identity<RepaymentReversed>(e => Day(e.EffectiveOn));
    }

    public static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public void Apply(DailyCapital day, CentralBudgetEntrusted e) => day.InflowsVnd += e.AmountVnd;

    public void Apply(DailyCapital day, MobilisedCapitalReceived e) => day.InflowsVnd += e.AmountVnd;

    public void Apply(DailyCapital day, LocalBudgetToppedUp e) => day.InflowsVnd += e.AmountVnd;

    public void Apply(DailyCapital day, CharityDonationReceived e) => day.InflowsVnd += e.AmountVnd;

    public void Apply(DailyCapital day, InflowReversed e) => day.InflowsReversedVnd += e.AmountVnd;

    /// <summary>A drawdown lends from one fund once (<c>CapitalLent</c> beside the loan's <c>LoanDrawnDown</c>), so the
    /// fund's side counts the loan: the daemon then reads no loan stream's event, two fifths fewer events under
    /// lending.</summary>
    public void Apply(DailyCapital day, CapitalLent e)
    {
        day.LentVnd += e.AmountVnd;
        day.Loans++;
    }

    /// <summary>A drawdown's reversal compensates both its events at once, so its fund's side uncounts the loan.</summary>
    public void Apply(DailyCapital day, LendingReversed e)
    {
        day.LentVnd -= e.AmountVnd;
        day.Loans--;
    }

    public void Apply(DailyCapital day, RepaymentReceived e) => day.RepaidVnd += e.AmountVnd;

    public void Apply(DailyCapital day, RepaymentReversed e) => day.RepaidVnd -= e.AmountVnd;
}
