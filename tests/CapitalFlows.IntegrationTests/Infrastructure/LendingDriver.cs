using System.Text.Json;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// The lending commands and reads (drawdowns, repayments, reversals, loans) as a client sends them, beside
/// <see cref="LedgerDriver"/>. Optional fields left null are omitted from the body.
/// </summary>
public static class LendingDriver
{
    public const string PoorHouseholds = "poor-households";
    public const string Students = "students";
    public const string JobCreation = "job-creation";
    public const string WomensUnion = "womens-union";

    public const string Validation = "/problems/validation";
    public const string Forbidden = "/problems/forbidden";
    public const string NotFound = "/problems/not-found";
    public const string InsufficientFunds = "/problems/insufficient-funds";
    public const string OverRepayment = "/problems/over-repayment";
    public const string NotReversible = "/problems/not-reversible";
    public const string NotLendable = "/problems/not-lendable";
    public const string ProgrammeLimit = "/problems/programme-limit";
    public const string EffectiveDateTooEarly = "/problems/effective-date-too-early";

    /// <summary>A drawdown; the borrower is a fresh reference unless one is given.</summary>
    public static Task<Answer> DrawDownAsync(
        this HttpClient client, string locality, string source, string programme, long amountVnd,
        string? borrowerRef = null, int termMonths = 60, Guid? loanId = null, Guid? commandId = null, string? effectiveOn = null,
        string entrustedOrganisation = WomensUnion) =>
        client.PostJsonAsync("/api/loans", Body(
            ("commandId", commandId ?? Guid.NewGuid()),
            ("loanId", loanId),
            ("locality", locality),
            ("source", source),
            ("programme", programme),
            ("amountVnd", amountVnd),
            ("borrowerRef", borrowerRef ?? $"HH-{Guid.NewGuid():N}"[..15]),
            ("entrustedOrganisation", entrustedOrganisation),
            ("termMonths", termMonths),
            ("effectiveOn", effectiveOn)));

    public static Task<Answer> RepayAsync(
        this HttpClient client, string loanId, long amountVnd, Guid? commandId = null, string? effectiveOn = null) =>
        client.PostJsonAsync($"/api/loans/{loanId}/repayments", Body(
            ("commandId", commandId ?? Guid.NewGuid()),
            ("amountVnd", amountVnd),
            ("effectiveOn", effectiveOn)));

    public static Task<Answer> ReverseAsync(
        this HttpClient client, Guid reversedCommandId, Guid? commandId = null, string? effectiveOn = null) =>
        client.PostJsonAsync("/api/reversals", Body(
            ("commandId", commandId ?? Guid.NewGuid()),
            ("reversedCommandId", reversedCommandId),
            ("reason", "Entered in error"),
            ("effectiveOn", effectiveOn)));

    /// <summary>The loan id of a 201 drawdown answer.</summary>
    public static string LoanId(this Answer answer) => answer.Expect(201).Json.GetProperty("loanId").GetString()!;

    /// <summary>The command id of an accepted command's answer.</summary>
    public static Guid CommandId(this Answer answer) => answer.Json.GetProperty("commandId").GetGuid();

    /// <summary>The two commands on a loan's route, both on <paramref name="effectiveOn"/>: a repayment of 10 and an extension of 6 months.</summary>
    public static async Task<Answer[]> RepayAndExtendAsync(this HttpClient client, string loanId, string effectiveOn) =>
    [
        await client.RepayAsync(loanId, 10, effectiveOn: effectiveOn),
        await client.PostJsonAsync($"/api/loans/{loanId}/extensions", new { commandId = Guid.NewGuid(), months = 6, reason = "Lũ lụt", effectiveOn }),
    ];

    public static Task<JsonElement> ReadLoanAsync(this HttpClient client, string loanId) => client.ReadJsonAsync($"/api/loans/{loanId}");

    /// <summary>The loans outstanding of one fund line (source, programme) of a Balances object; 0 when absent.</summary>
    public static long FundOutstanding(this JsonElement balances, string source, string programme) =>
        balances.GetProperty("funds").EnumerateArray()
            .Where(f => f.GetProperty("source").GetString() == source && f.GetProperty("programme").GetString() == programme)
            .Select(f => f.GetProperty("loansOutstandingVnd").GetInt64())
            .SingleOrDefault();

    /// <summary>Fails unless the answer is a problem of this status and type.</summary>
    public static Answer ExpectProblem(this Answer answer, int status, string type)
    {
        if (answer.Status != status || answer.ProblemType != type)
            Assert.Fail($"Expected {status} {type}, got {answer}");
        return answer;
    }

    /// <summary>Starts every request at once (each on its own task, released together) and waits for all.</summary>
    public static async Task<Answer[]> AllAtOnceAsync(IEnumerable<Func<Task<Answer>>> requests)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = requests.Select(request => Task.Run(async () =>
        {
            await start.Task;
            return await request();
        })).ToArray();
        start.SetResult();
        return await Task.WhenAll(running);
    }

    /// <summary>How many answers of each (status, problem type), e.g. "100 × 201, 100 × 409 /problems/insufficient-funds".</summary>
    public static string Tally(IEnumerable<Answer> answers) =>
        string.Join(", ", answers
            .GroupBy(a => (a.Status, Type: a.Status < 300 ? null : a.ProblemType))
            .OrderBy(g => g.Key.Status)
            .Select(g => $"{g.Count()} × {g.Key.Status}{(g.Key.Type is null ? "" : " " + g.Key.Type)}"));

    private static Dictionary<string, object> Body(params (string Name, object? Value)[] fields) =>
        fields.Where(f => f.Value is not null).ToDictionary(f => f.Name, f => f.Value!);
}
