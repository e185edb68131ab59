using System.Diagnostics;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// What a load balancer in front of the nodes does for the test's clients: requests go round-robin over the nodes
/// in rotation, and a request that got no answer (connection refused or reset, timeout) is sent again, with the
/// same command id and body, to the next node until one answers. A node taken out of rotation gets no new requests.
/// </summary>
public sealed class NodeRouter
{
    /// <summary>How long one attempt may wait for its answer before it counts as unanswered.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long a command is retried before the test gives up on it.</summary>
    public static readonly TimeSpan RetryBudget = TimeSpan.FromSeconds(60);

    private readonly List<ServiceNode> _inRotation = [];
    private int _next;

    public IReadOnlyList<ServiceNode> InRotation
    {
        get
        {
            lock (_inRotation) return [.. _inRotation];
        }
    }

    public void PutInRotation(ServiceNode node)
    {
        lock (_inRotation) _inRotation.Add(node);
    }

    public void TakeOutOfRotation(ServiceNode node)
    {
        lock (_inRotation) _inRotation.Remove(node);
    }

    public ServiceNode Next()
    {
        lock (_inRotation)
        {
            if (_inRotation.Count == 0) throw new InvalidOperationException("No node is in rotation.");
            _next = (_next + 1) % _inRotation.Count;
            return _inRotation[_next];
        }
    }

    /// <summary>
    /// Sends the command until a node answers, starting with <paramref name="first"/> when given, otherwise the next
    /// node in rotation. The command keeps every attempt and its answer; it stays unanswered only when the retry
    /// budget runs out.
    /// </summary>
    public async Task SendAsync(SentCommand command, CancellationToken ct, ServiceNode? first = null, TimeSpan? attemptTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        var clock = Stopwatch.StartNew();
        var node = first ?? Next();
        while (true)
        {
            var sentAt = DateTimeOffset.UtcNow;
            var (answer, failure) = await node.TryPostAsync(command.Route, command.Token, command.Body, attemptTimeout ?? AttemptTimeout, ct);
            command.Record(node, sentAt, answer, failure);
            if (answer is not null || clock.Elapsed > RetryBudget) return;
            await Task.Delay(100, ct);
            node = Next();
        }
    }

    /// <summary>Sends the command to one node, once: the graceful-shutdown check wants that node's own answer.</summary>
    public static async Task SendOnceAsync(SentCommand command, ServiceNode node, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(node);
        var sentAt = DateTimeOffset.UtcNow;
        var (answer, failure) = await node.TryPostAsync(command.Route, command.Token, command.Body, AttemptTimeout, ct);
        command.Record(node, sentAt, answer, failure);
    }
}
