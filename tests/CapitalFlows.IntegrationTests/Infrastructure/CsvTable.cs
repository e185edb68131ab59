using System.Text;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>A CSV file read as a spreadsheet reads it (RFC 4180: quoted cells, doubled quotes, CRLF rows), by column name.</summary>
public sealed class CsvTable
{
    private CsvTable(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        Header = header;
        Rows = rows;
    }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<IReadOnlyList<string>> Rows { get; }

    /// <summary>The cell of <paramref name="column"/> in <paramref name="row"/>.</summary>
    public string Cell(IReadOnlyList<string> row, string column)
    {
        var index = Header.ToList().IndexOf(column);
        Assert.True(index >= 0, $"no column {column}");
        return row[index];
    }

    /// <summary>The rows whose <paramref name="column"/> holds <paramref name="value"/>.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Where(string column, string value) => Rows.Where(r => Cell(r, column) == value).ToList();

    public static CsvTable Parse(string text)
    {
        var rows = new List<IReadOnlyList<string>>();
        var row = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"') cell.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') cell.Append(text[++i]);
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',')
            {
                row.Add(cell.ToString());
                cell.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(cell.ToString());
                cell.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else cell.Append(c);
        }
        Assert.False(quoted, "the CSV ends inside a quoted cell");
        Assert.True(row.Count == 0 && cell.Length == 0, "the CSV's last row does not end with CRLF");
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(rows[0].Count, r.Count));
        return new CsvTable(rows[0], rows.Skip(1).ToList());
    }
}
