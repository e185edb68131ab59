using CapitalFlows.Engine;
using CapitalFlows.Funds;
using CapitalFlows.Loans;

namespace CapitalFlows.Demo;

/// <summary>
/// What the demo history did, read from the events of its accepted commands (at 1 : k): capital by source and
/// mobilised instrument, loans outstanding and borrowers, and, within the history's own dates (the opening year
/// left out), what was lent, by how many loans and through which organisations, repaid and written off. The base
/// history's figures at a day's end are kept by <see cref="EndOfDay"/>; the corrections come after.
/// </summary>
public sealed class DemoTally(DateOnly from, DateOnly to)
{
    private readonly Dictionary<string, double> _capital = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _byOrganisation = new(StringComparer.Ordinal);
    private readonly Dictionary<DateOnly, Stocks> _atDayEnd = [];

    public DateOnly From { get; } = from;

    public DateOnly To { get; } = to;

    /// <summary>Capital received less reversed and written off, by source, and for mobilised capital also by instrument (<c>mobilised:deposits</c>...).</summary>
    public IReadOnlyDictionary<string, double> Capital => _capital;

    public double OutstandingVnd { get; private set; }

    public double DisbursedVnd { get; private set; }

    public long NewLoans { get; private set; }

    public double RepaidVnd { get; private set; }

    public double WrittenOffVnd { get; private set; }

    public IReadOnlyDictionary<string, double> DisbursedByOrganisation => _byOrganisation;

    /// <summary>Capital, loans outstanding and local budget by province at the end of the days <see cref="EndOfDay"/> kept.</summary>
    public IReadOnlyDictionary<DateOnly, Stocks> AtDayEnd => _atDayEnd;

    public double TotalCapitalVnd => Sources.All.Sum(s => _capital.GetValueOrDefault(s));

    public void Record(DecidedCommand command)
    {
        var within = command.EffectiveOn >= From && command.EffectiveOn <= To;
        foreach (var e in command.Events)
        {
            switch (e.Data)
            {
                case CentralBudgetEntrusted x: Add(Sources.CentralBudget, x.AmountVnd); break;
                case MobilisedCapitalReceived x: Add(Sources.Mobilised, x.AmountVnd); Add($"{Sources.Mobilised}:{x.Instrument}", x.AmountVnd); break;
                case LocalBudgetToppedUp x: Add(Sources.LocalBudget, x.AmountVnd); break;
                case CharityDonationReceived x: Add(Sources.Charity, x.AmountVnd); break;
                case InflowReversed x: Add(x.Source, -x.AmountVnd); break;
                case LoanPrincipalWrittenOff x: Add(x.Source, -x.AmountVnd); break;
                case LoanDrawnDown x:
                    OutstandingVnd += x.AmountVnd;
                    if (!within) break;
                    DisbursedVnd += x.AmountVnd;
                    NewLoans++;
                    _byOrganisation[x.EntrustedOrganisation] = _byOrganisation.GetValueOrDefault(x.EntrustedOrganisation) + x.AmountVnd;
                    break;
                case LoanRepaid x:
                    OutstandingVnd -= x.AmountVnd;
                    if (within) RepaidVnd += x.AmountVnd;
                    break;
                case LoanWrittenOff x:
                    OutstandingVnd -= x.AmountVnd;
                    if (within) WrittenOffVnd += x.AmountVnd;
                    break;
                case LoanDrawdownReversed x:
                    OutstandingVnd -= x.AmountVnd;
                    if (!within) break;
                    DisbursedVnd -= x.AmountVnd;
                    NewLoans--;
                    break;
                case LoanRepaymentReversed x:
                    OutstandingVnd += x.AmountVnd;
                    if (within) RepaidVnd -= x.AmountVnd;
                    break;
            }
        }
    }

    /// <summary>Keeps the day's closing figures (the days the published figures name, and the last).</summary>
    public void EndOfDay(DateOnly day, IReadOnlyDictionary<string, double> localByProvince, long borrowers, double overdueVnd) =>
        _atDayEnd[day] = new Stocks(TotalCapitalVnd, OutstandingVnd, new Dictionary<string, double>(_capital, StringComparer.Ordinal),
            new Dictionary<string, double>(localByProvince, StringComparer.Ordinal), borrowers, overdueVnd);

    private void Add(string key, double amount) => _capital[key] = _capital.GetValueOrDefault(key) + amount;

    /// <summary>The figures at one day's end.</summary>
    public sealed record Stocks(
        double CapitalVnd, double OutstandingVnd, IReadOnlyDictionary<string, double> Capital,
        IReadOnlyDictionary<string, double> LocalByProvince, long Borrowers, double OverdueVnd);
}
