using System.Globalization;
using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Funds.ReadingCapital;
using CapitalFlows.Reading;
using JasperFx.CommandLine;
using Marten;

namespace CapitalFlows.EventLog;

/// <summary>
/// The flags of <c>replay</c>: long forms only, because the host's own flags (<see cref="NetCoreInput"/>) take the short
/// ones (<c>-a</c> is <c>--applicationname</c>, <c>-e</c> <c>--environment</c>, <c>-c</c> <c>--contentroot</c>).
/// </summary>
public sealed class ReplayInput : NetCoreInput
{
    [Description("The effective date (YYYY-MM-DD): balances at the end of that day in Vietnam")]
    [FlagAlias("as-of", true)]
    public string AsOfFlag { get; set; } = "";

    [Description("Only what had been recorded by this ISO-8601 instant (default: everything)")]
    [FlagAlias("known-at", true)]
    public string? KnownAtFlag { get; set; }

    [Description("The CSV file to write")]
    [FlagAlias("out", true)]
    public string OutFlag { get; set; } = "funds.csv";
}

/// <summary>
/// <c>replay --as-of DATE [--known-at INSTANT] --out FILE.csv</c>: every fund's balance at that point of history
/// (locality, source, programme, available, loans outstanding), from the same movement rows the as-of reads use.
/// </summary>
[Description("Write every fund's balance as of a date (and as known at an instant) to a CSV file")]
public sealed class ReplayCommand : JasperFxAsyncCommand<ReplayInput>
{
    public override async Task<bool> Execute(ReplayInput input)
    {
        if (!DateOnly.TryParseExact(input.AsOfFlag, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var asOf))
        {
            await Console.Error.WriteLineAsync("--as-of must be a date YYYY-MM-DD");
            return false;
        }
        DateTimeOffset? knownAt = null;
        if (input.KnownAtFlag is not null)
        {
            if (!DateTimeOffset.TryParse(input.KnownAtFlag, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            {
                await Console.Error.WriteLineAsync("--known-at must be an ISO-8601 instant");
                return false;
            }
            knownAt = instant;
        }

        using var host = input.BuildHost();
        var store = (IDocumentStore)host.Services.GetService(typeof(IDocumentStore))!;
        // A command line does not start the host, so nothing has applied the schema to a new database yet.
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var session = store.QuerySession();
        var funds = await FundQueries.All(session, new BalanceReading(asOf, knownAt ?? DateTimeOffset.MaxValue, IsLive: false), CancellationToken.None);

        await using var writer = new StreamWriter(input.OutFlag);
        await writer.WriteLineAsync("locality,source,programme,availableVnd,loansOutstandingVnd");
        foreach (var fund in funds.OrderBy(f => f.Id, StringComparer.Ordinal))
            await writer.WriteLineAsync(string.Join(",", fund.Locality, fund.Source, fund.Programme,
                fund.AvailableVnd.ToString(CultureInfo.InvariantCulture), fund.LoansOutstandingVnd.ToString(CultureInfo.InvariantCulture)));
        Console.WriteLine($"Wrote {funds.Count} funds as of {asOf:yyyy-MM-dd}{(knownAt is null ? "" : $" known at {knownAt:O}")} to {input.OutFlag}");
        return true;
    }
}
