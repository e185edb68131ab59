using System.Reflection;
using CapitalFlows.Funds;

namespace CapitalFlows.Tests;

/// <summary>State fixtures: the funds a command finds, folded from the events that came before it.</summary>
internal static class Given
{
    /// <summary>A fund folded from its events through <see cref="Fund"/>'s own Apply methods, starting empty.</summary>
    public static Fund Fund(FundKey key, params object[] events) =>
        events.Aggregate(CapitalFlows.Funds.Fund.Empty(key), Apply);

    /// <summary>A fund folded from its events, keyed by its stream key (<c>01/central-budget/general</c>).</summary>
    public static Fund Fund(string streamKey, params object[] events) => Fund(FundKey.Parse(streamKey), events);

    /// <summary>The funds as a command's decision reads them; any fund not given is empty.</summary>
    public static FundStates States(params Fund[] funds) => new(funds.ToDictionary(f => f.Key));

    private static Fund Apply(Fund fund, object @event)
    {
        var apply = typeof(Fund).GetMethod(nameof(CapitalFlows.Funds.Fund.Apply), BindingFlags.Public | BindingFlags.Instance, [@event.GetType()])
            ?? throw new ArgumentException($"Fund has no Apply({@event.GetType().Name}).", nameof(@event));
        return (Fund)apply.Invoke(fund, [@event])!;
    }
}
