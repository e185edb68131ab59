using System.Globalization;
using System.Text.Json;

namespace CapitalFlows.Import;

/// <summary>
/// What an import did, line by line, counted: lines read, accepted, replayed (the same <c>commandId</c> and body were
/// recorded before), held for approval (four eyes), refused by problem slug, malformed; with the numbers of the
/// first few lines of each refusal and each malformed line's reason. Safe to add to from many lines at once.
/// </summary>
public sealed class ImportSummary
{
    /// <summary>How many line numbers are listed for each slug, and how many malformed lines are described.</summary>
    public const int FirstFew = 10;

    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, List<int>> _refused = new(StringComparer.Ordinal);
    private readonly List<(int Line, string Reason)> _malformed = [];
    private int _malformedCount;

    public int LinesRead { get; private set; }

    public int Blank { get; private set; }

    public int Accepted { get; private set; }

    public int Replayed { get; private set; }

    public int Held { get; private set; }

    public int Refused { get; private set; }

    public int Malformed => _malformedCount;

    /// <summary>The first line answered with a fault (a 5xx other than busy): the import stops there.</summary>
    public (int Line, string Answer)? Fault { get; private set; }

    public TimeSpan Elapsed { get; set; }

    public void Read(bool blank)
    {
        lock (_gate)
        {
            LinesRead++;
            if (blank) Blank++;
        }
    }

    public void AddMalformed(int line, string reason)
    {
        lock (_gate)
        {
            _malformedCount++;
            if (_malformed.Count < FirstFew) _malformed.Add((line, reason));
        }
    }

    /// <summary>
    /// A line's answer: <paramref name="outcome"/> is the engine's word when the command reached it (accepted,
    /// replayed, a slug, busy); otherwise the status and the problem's type tell.
    /// </summary>
    public void AddAnswer(int line, int status, string body, string? outcome, DateTimeOffset importStarted)
    {
        lock (_gate)
        {
            switch (outcome)
            {
                case "accepted":
                    Accepted++;
                    return;
                case "replayed":
                    Replayed++;
                    return;
                case { } slug:
                    Refuse(line, slug);
                    return;
            }
            if (status == StatusCodes.Status202Accepted) Held++;
            else if (status is >= 200 and < 300 && RecordedBefore(body, importStarted)) Replayed++;
            else if (status is >= 200 and < 300) Accepted++;
            else if (status >= 500 && status != StatusCodes.Status503ServiceUnavailable)
            {
                Fault ??= (line, $"{status} {body}");
                Refuse(line, SlugOf(status, body));
            }
            else Refuse(line, SlugOf(status, body));
        }
    }

    private void Refuse(int line, string slug)
    {
        Refused++;
        if (!_refused.TryGetValue(slug, out var lines)) _refused[slug] = lines = [];
        lines.Add(line);
    }

    /// <summary>The problem's slug (<c>/problems/insufficient-funds</c>), or the status for answers that have none (401, 413, 415).</summary>
    private static string SlugOf(int status, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("type", out var type)
                && type.GetString() is { } text && text.StartsWith("/problems/", StringComparison.Ordinal))
                return text["/problems/".Length..];
        }
        catch (JsonException)
        {
        }
        return string.Create(CultureInfo.InvariantCulture, $"status-{status}");
    }

    /// <summary>
    /// A success the engine did not label (approvals and rejections keep their own records): a replay when the
    /// answer was recorded before this import began.
    /// </summary>
    private static bool RecordedBefore(string body, DateTimeOffset importStarted)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("recordedAt", out var at) && at.TryGetDateTimeOffset(out var recordedAt)
                && recordedAt < importStarted;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Refusals by slug with the first line numbers of each, most frequent first.</summary>
    public IReadOnlyList<(string Slug, int Count, IReadOnlyList<int> FirstLines)> RefusedBySlug()
    {
        lock (_gate)
            return _refused.OrderByDescending(r => r.Value.Count).ThenBy(r => r.Key, StringComparer.Ordinal)
                .Select(r => (r.Key, r.Value.Count, (IReadOnlyList<int>)r.Value.Order().Take(FirstFew).ToList())).ToList();
    }

    public IReadOnlyList<(int Line, string Reason)> FirstMalformed()
    {
        lock (_gate) return _malformed.OrderBy(m => m.Line).ToList();
    }

    public void WriteTo(TextWriter output, string file)
    {
        var seconds = Math.Max(Elapsed.TotalSeconds, 1e-3);
        output.WriteLine(Invariant($"Imported {file}: {LinesRead:N0} lines in {Elapsed.TotalSeconds:N1} s, {LinesRead / seconds:N0} lines/s{(Fault is { } fault ? Invariant($" (stopped after line {fault.Line})") : "")}."));
        output.WriteLine(Invariant($"  lines read: {LinesRead}{(Blank > 0 ? Invariant($" ({Blank} blank, skipped)") : "")}"));
        output.WriteLine(Invariant($"  accepted: {Accepted}"));
        output.WriteLine(Invariant($"  replayed: {Replayed}"));
        if (Held > 0) output.WriteLine(Invariant($"  held for approval: {Held}"));
        output.WriteLine(Invariant($"  refused: {Refused}"));
        foreach (var (slug, count, lines) in RefusedBySlug())
            output.WriteLine(Invariant($"    {slug} {count} (line{(count > 1 ? "s" : "")} {string.Join(", ", lines)}{(count > lines.Count ? ", ..." : "")})"));
        output.WriteLine(Invariant($"  malformed: {Malformed}"));
        foreach (var (line, reason) in FirstMalformed())
            output.WriteLine(Invariant($"    line {line}: {reason}"));
        if (Malformed > FirstFew) output.WriteLine(Invariant($"    ... and {Malformed - FirstFew} more"));
        if (Fault is { } stopped)
            output.WriteLine(Invariant($"  stopped: line {stopped.Line} was answered {stopped.Answer}; no line was sent after that. Lines already accepted stay; importing the file again replays them."));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
