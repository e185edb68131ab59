using System.IO.Compression;
using System.Text;
using System.Xml.Linq;
using CapitalFlows.Api;
using CapitalFlows.Reports;
using MiniExcelLibs;

namespace CapitalFlows.Tests;

/// <summary>
/// One report rendered three ways: the workbook and the CSV file show the same rows (title, dates, unit, headers,
/// lines, totals), the CSV file is UTF-8 with a byte-order mark and leaves no cell for a spreadsheet to evaluate.
/// </summary>
public sealed class ReportRenderingTests
{
    private static readonly Report Sample = new(
        "sample", "BÁO CÁO MẪU", "Mẫu", new DateOnly(2024, 12, 31), new DateTimeOffset(2025, 1, 2, 1, 30, 0, TimeSpan.Zero), null,
        [new("code", "Mã"), new("name", "Tên đơn vị"), new("totalVnd", "Tổng nguồn vốn", IsAmount: true)],
        [
            new(ReportRow.Line, ["01", "Thành phố Hà Nội", 2_000L]),
            new(ReportRow.Line, ["XX", "=HYPERLINK(\"http://evil\"), \"x\"", 5L]),
            new(ReportRow.Line, ["-1", "@SUM(A1)", 0L]),
            new(ReportRow.Total, [null, "Tổng cộng", 2_005L]),
        ]);

    [Theory]
    [InlineData("=1+2", "'=1+2")]
    [InlineData("+84 90", "'+84 90")]
    [InlineData("-5", "'-5")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\rx", "'\rx")]
    [InlineData("Hà Nội", "Hà Nội")]
    [InlineData("a=b", "a=b")]
    [InlineData("", "")]
    public void Text_a_spreadsheet_would_evaluate_is_prefixed_with_an_apostrophe(string text, string safe) =>
        Assert.Equal(safe, SpreadsheetText.Safe(text));

    [Fact]
    public void A_csv_field_with_a_comma_or_a_quote_is_quoted_after_it_is_made_safe() =>
        Assert.Equal("\"'=A1,\"\"x\"\"\"", SpreadsheetText.CsvField("=A1,\"x\""));

    [Fact]
    public void The_csv_file_is_utf8_with_a_byte_order_mark_and_the_sheets_rows()
    {
        var bytes = CsvReport.Render(Sample);

        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n");
        Assert.Equal(
        [
            "BÁO CÁO MẪU,,",
            "Số liệu đến hết ngày,2024-12-31,",
            "Theo số liệu ghi nhận đến,2025-01-02T08:30:00+07:00,",
            "Đơn vị: đồng,,",
            ",,",
            "Mã,Tên đơn vị,Tổng nguồn vốn",
            "01,Thành phố Hà Nội,2000",
            "XX,\"'=HYPERLINK(\"\"http://evil\"\"), \"\"x\"\"\",5",
            "'-1,'@SUM(A1),0",
            ",Tổng cộng,2005",
            "",
        ], lines);
    }

    [Fact]
    public void The_workbook_has_the_named_sheet_with_the_same_rows_and_amounts_as_numbers()
    {
        using var stream = new MemoryStream(XlsxReport.Render(Sample));

        Assert.Equal(["Mẫu"], MiniExcel.GetSheetNames(stream));
        stream.Position = 0;
        var rows = stream.Query(useHeaderRow: false, sheetName: "Mẫu").Select(r => (IDictionary<string, object?>)r).ToList();
        Assert.Equal("BÁO CÁO MẪU", rows[0]["A"]);
        Assert.Equal(("Số liệu đến hết ngày", "2024-12-31"), (rows[1]["A"], rows[1]["B"]));
        Assert.Equal("Đơn vị: đồng", rows[3]["A"]);
        Assert.Equal(("Mã", "Tên đơn vị", "Tổng nguồn vốn"), (rows[5]["A"], rows[5]["B"], rows[5]["C"]));
        Assert.Equal(("01", "Thành phố Hà Nội", 2_000d), (rows[6]["A"], rows[6]["B"], Convert.ToDouble(rows[6]["C"], null)));
        Assert.Equal("=HYPERLINK(\"http://evil\"), \"x\"", rows[7]["B"]);
        Assert.Equal(("Tổng cộng", 2_005d), (rows[9]["B"], Convert.ToDouble(rows[9]["C"], null)));
    }

    [Fact]
    public void The_workbook_is_valid_spreadsheet_markup_its_sheet_data_holding_rows_only()
    {
        using var zip = new ZipArchive(new MemoryStream(XlsxReport.Render(Sample)));
        using var sheet = zip.GetEntry("xl/worksheets/sheet1.xml")!.Open();

        var sheetData = XDocument.Load(sheet).Descendants().Single(e => e.Name.LocalName == "sheetData");

        Assert.All(sheetData.Elements(), e => Assert.Equal("row", e.Name.LocalName));
        Assert.Equal(10, sheetData.Elements().Count());
    }

    [Fact]
    public void The_json_report_names_each_cell_by_its_column_key()
    {
        var json = JsonReport.Render(Sample);

        Assert.Equal(("sample", "Mẫu", "đồng"), (json.Report, json.Sheet, json.Unit));
        Assert.Equal(4, json.Rows.Count);
        Assert.Equal(["kind", "code", "name", "totalVnd"], json.Rows[0].Keys);
        Assert.Equal((object?)ReportRow.Total, json.Rows[3]["kind"]);
        Assert.Equal(2_005L, json.Rows[3]["totalVnd"]);
    }
}
