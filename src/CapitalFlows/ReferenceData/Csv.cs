using System.Reflection;
using System.Text;

namespace CapitalFlows.ReferenceData;

/// <summary>Reads the reference CSV files embedded in this assembly (copied from the official lists).</summary>
internal static class Csv
{
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> ReadEmbedded(string fileName)
    {
        var resource = $"CapitalFlows.ReferenceData.{fileName}";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Reference data {resource} is not embedded");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd());
    }

    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Parse(string text)
    {
        var lines = SplitRecords(text);
        var header = lines[0];
        return lines.Skip(1)
            .Where(fields => fields.Count > 1 || fields[0].Length > 0)
            .Select(fields => (IReadOnlyDictionary<string, string>)header
                .Select((name, i) => (name, value: i < fields.Count ? fields[i] : ""))
                .ToDictionary(f => f.name, f => f.value))
            .ToList();
    }

    /// <summary>RFC 4180: commas separate fields, double quotes wrap fields that hold commas or quotes; rows end with LF or CRLF.</summary>
    public static List<List<string>> SplitRecords(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { record.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                record.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                records.Add(record);
                record = [];
            }
            else field.Append(c);
        }
        if (field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString().TrimEnd('\r'));
            records.Add(record);
        }
        return records;
    }
}
