using System.Globalization;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// One command as a client of several nodes sent it: its id, route and exact body (a retry resends the same bytes),
/// what it moves, every attempt (which node, and the status or why there was no answer), and the answer it got in
/// the end.
/// </summary>
public sealed class SentCommand(string kind, string route, string token, Guid id, string body)
{
    public const string Entrustment = "entrustment";
    public const string Allocation = "allocation";
    public const string Recall = "recall";
    public const string Drawdown = "drawdown";
    public const string Repayment = "repayment";

    private readonly List<string> _attempts = [];

    public string Kind { get; } = kind;

    public string Route { get; } = route;

    public string Token { get; } = token;

    public Guid Id { get; } = id;

    public string Body { get; } = body;

    public long AmountVnd { get; init; }

    /// <summary>The locality money leaves (allocation, recall), or the fund's locality (entrustment, drawdown, repayment).</summary>
    public string From { get; init; } = "";

    /// <summary>The locality money goes to (allocation, recall).</summary>
    public string To { get; init; } = "";

    public Guid? LoanId { get; init; }

    /// <summary>When in the test it was sent: seed, workload, crash, shutdown, after.</summary>
    public string Phase { get; init; } = "";

    public Answer? Answer { get; private set; }

    /// <summary>The node that gave the answer.</summary>
    public string AnsweredBy { get; private set; } = "";

    /// <summary>When the attempt that got the answer was sent.</summary>
    public DateTimeOffset AnsweredAttemptSentAt { get; private set; }

    public IReadOnlyList<string> Attempts
    {
        get
        {
            lock (_attempts) return [.. _attempts];
        }
    }

    /// <summary>Attempts that got no answer (refused, reset, timed out) before the one that did.</summary>
    public int UnansweredAttempts { get; private set; }

    public bool Accepted => Answer is { Status: 200 or 201 };

    /// <summary>The number of events the answer says the command appended.</summary>
    public int AnsweredEvents => Answer!.Json.GetProperty("events").GetInt32();

    public void Record(ServiceNode node, DateTimeOffset sentAt, Answer? answer, string? failure)
    {
        lock (_attempts)
        {
            var elapsed = (DateTimeOffset.UtcNow - sentAt).TotalMilliseconds;
            _attempts.Add(string.Create(CultureInfo.InvariantCulture,
                $"{sentAt:HH:mm:ss.fff} {node.Name}: {(answer is null ? failure : answer.Status.ToString(CultureInfo.InvariantCulture))} ({elapsed:F0} ms)"));
            if (answer is null)
            {
                UnansweredAttempts++;
                return;
            }

            Answer = answer;
            AnsweredBy = node.Name;
            AnsweredAttemptSentAt = sentAt;
        }
    }

    public override string ToString() =>
        $"{Kind} {Id} {Route} {Body} → {(Answer is null ? "no answer" : Answer.ToString())} [{string.Join("; ", Attempts)}]";
}
