using System.Diagnostics;
using System.Text.Json;
using JasperFx.CommandLine;
using Marten;

namespace CapitalFlows.EventLog.Chain;

/// <summary>
/// <c>verify</c>: recomputes the event chain, prints the verification as JSON (the same as <c>GET /api/ledger/verify</c>)
/// and how long it took; exits 0 when the chain holds and 1 when it is broken.
/// </summary>
[Description("Recompute the event log's hash chain and say whether it holds (exit code 1 when it is broken)")]
public sealed class VerifyCommand : JasperFxAsyncCommand<NetCoreInput>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public override async Task<bool> Execute(NetCoreInput input)
    {
        using var host = input.BuildHost();
        var store = (IDocumentStore)host.Services.GetService(typeof(IDocumentStore))!;
        var watch = Stopwatch.StartNew();
        var verification = await ChainVerifier.VerifyAsync(store, CancellationToken.None);
        Console.WriteLine(JsonSerializer.Serialize(verification, Json));
        await Console.Error.WriteLineAsync($"verified {verification.Events} events in {watch.Elapsed.TotalSeconds:F1} s");
        return verification.Ok;
    }
}
