namespace CapitalFlows.Engine;

/// <summary>Every event of the ledger counts on an effective date (the value date, in Vietnam).</summary>
public interface ILedgerEvent
{
    DateOnly EffectiveOn { get; }
}
