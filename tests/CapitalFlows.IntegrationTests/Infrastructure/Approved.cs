using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>
/// Approved-file snapshots of API answers: the answer's JSON, normalised (indented, volatile values replaced
/// by placeholders), is compared with <c>Approved/&lt;TestName&gt;.approved.json</c> in the test project's
/// source folder. When that file is missing or differs, the answer is written beside it as
/// <c>&lt;TestName&gt;.received.json</c> and the test fails with a diff; approving is renaming the received
/// file (after reading it).
/// </summary>
public static class Approved
{
    /// <summary>Properties whose values change from run to run, and what they read as in an approved file.</summary>
    private static readonly Dictionary<string, string> Volatile = new(StringComparer.Ordinal)
    {
        ["commandId"] = "<commandId>",
        ["recordedAt"] = "<recordedAt>",
        ["traceId"] = "<traceId>",
        ["effectiveOn"] = "<effectiveOn>",
        ["asOf"] = "<asOf>",
    };

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private const int MaxDiffLines = 60;

    public static void Verify(string json, [CallerMemberName] string testName = "", [CallerFilePath] string callerFile = "")
    {
        var received = Normalise(json);
        var folder = Path.Combine(ProjectFolderOf(callerFile), "Approved");
        var approvedFile = Path.Combine(folder, testName + ".approved.json");
        var receivedFile = Path.Combine(folder, testName + ".received.json");
        var approved = File.Exists(approvedFile) ? File.ReadAllText(approvedFile).ReplaceLineEndings("\n") : null;

        if (approved == received)
        {
            if (File.Exists(receivedFile)) File.Delete(receivedFile);
            return;
        }

        Directory.CreateDirectory(folder);
        File.WriteAllText(receivedFile, received, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Assert.Fail(approved is null
            ? $"No approved file {approvedFile}. The answer was written to {receivedFile}: check it and rename it to approve it."
            + "\n" + received
            : $"The answer differs from {approvedFile} (- approved, + received); it was written to {receivedFile}.\n"
            + Diff(approved, received));
    }

    /// <summary>The JSON indented, with the volatile values replaced, ending with one newline.</summary>
    public static string Normalise(string json)
    {
        var node = JsonNode.Parse(json);
        Replace(node);
        return (node?.ToJsonString(Indented) ?? "null").ReplaceLineEndings("\n") + "\n";
    }

    private static void Replace(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (Volatile.TryGetValue(name, out var placeholder) && value is JsonValue)
                        obj[name] = placeholder;
                    else
                        Replace(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array) Replace(item);
                break;
        }
    }

    private static string ProjectFolderOf(string sourceFile)
    {
        for (var folder = Path.GetDirectoryName(sourceFile); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if (Directory.EnumerateFiles(folder, "*.csproj").Any()) return folder;
        }

        throw new InvalidOperationException($"No project folder above {sourceFile}.");
    }

    /// <summary>A line diff (longest common subsequence), the changed lines with two lines of context.</summary>
    private static string Diff(string approved, string received)
    {
        var a = approved.Split('\n');
        var b = received.Split('\n');
        var common = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                common[i, j] = a[i] == b[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);

        var lines = new List<(char Mark, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add((' ', a[x++]));
                y++;
            }
            else if (x < a.Length && (y == b.Length || common[x + 1, y] >= common[x, y + 1])) lines.Add(('-', a[x++]));
            else lines.Add(('+', b[y++]));
        }

        var shown = new StringBuilder();
        var written = 0;
        for (var k = 0; k < lines.Count && written < MaxDiffLines; k++)
        {
            var near = Enumerable.Range(Math.Max(0, k - 2), Math.Min(lines.Count, k + 3) - Math.Max(0, k - 2)).Any(n => lines[n].Mark != ' ');
            if (!near)
            {
                if (shown.Length > 0 && !shown.ToString().EndsWith("...\n", StringComparison.Ordinal)) shown.Append("...\n");
                continue;
            }

            shown.Append(lines[k].Mark).Append(' ').Append(lines[k].Text).Append('\n');
            written++;
        }

        return shown.ToString();
    }
}
