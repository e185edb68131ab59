using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Periods;

/// <summary>
/// The books are closed through a date (invariant 10): nothing may take effect on or before <c>Through</c> any
/// more. Appended to the <see cref="ClosedPeriods.Stream"/> stream; <c>EffectiveOn</c> is the day it was closed.
/// </summary>
public sealed record PeriodClosed(DateOnly Through, DateOnly EffectiveOn) : ILedgerEvent;
