namespace CapitalFlows.Demo;

/// <summary>
/// What demo history to simulate: effective dates from <c>From</c> to <c>To</c> (both included; the command ends
/// yesterday in Vietnam), the seed that makes it the same every time, and the sample factor <c>SampleFactor</c>
/// (k): one borrower in k simulated and every capital amount divided by k, loan amounts, caps and terms real.
/// <c>TargetEvents</c> is no longer a target: the real bank at 1 : k sets how many events there are.
/// </summary>
public sealed record DemoHistoryOptions(DateOnly From, DateOnly To, long TargetEvents, int Seed)
{
    public const int DefaultSampleFactor = 100;

    public int SampleFactor { get; init; } = DefaultSampleFactor;
}
