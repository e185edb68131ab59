using System.Text;
using MiniExcelLibs;

namespace CapitalFlows.IntegrationTests.Infrastructure;

/// <summary>A downloaded report: status, content type, file name and bytes.</summary>
public sealed record Download(int Status, string? ContentType, string? FileName, byte[] Bytes)
{
    public string Text => Encoding.UTF8.GetString(Bytes);
}

/// <summary>
/// Reports as a client downloads them, and their files opened as a spreadsheet user would: the workbook's
/// sheet with MiniExcel's reader (cells by column letter), a CSV file with a small RFC 4180 reader.
/// </summary>
public static class ReportDriver
{
    public static async Task<Download> DownloadAsync(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        return new Download((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
            response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName,
            await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>The rows of one sheet of the workbook, each cell by its column letter (A, B, ...), empty cells null.</summary>
    public static List<IDictionary<string, object?>> Sheet(byte[] workbook, string sheetName)
    {
        using var stream = new MemoryStream(workbook);
        Assert.Contains(sheetName, MiniExcel.GetSheetNames(stream));
        stream.Position = 0;
        return [.. stream.Query(useHeaderRow: false, sheetName: sheetName).Select(r => (IDictionary<string, object?>)r)];
    }

    /// <summary>The cell's value as a whole number of đồng (a spreadsheet stores numbers as doubles).</summary>
    public static long Vnd(this IDictionary<string, object?> row, string column) => Convert.ToInt64(row[column], System.Globalization.CultureInfo.InvariantCulture);

    public static string? Text(this IDictionary<string, object?> row, string column) =>
        row.TryGetValue(column, out var value) ? value?.ToString() : null;

    /// <summary>The records of a CSV file (after its byte-order mark): fields unquoted, quotes undoubled, as the service reads its own reference data.</summary>
    public static List<List<string>> Csv(string text) => CapitalFlows.ReferenceData.Csv.SplitRecords(text);
}
