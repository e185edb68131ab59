using System.Text.Json.Nodes;
using CapitalFlows.EventLog;
using CapitalFlows.Localities;

namespace CapitalFlows.Tests;

/// <summary>The event log's CSV rows: what a spreadsheet shows, and never a formula it would evaluate.</summary>
public sealed class EventCsvTests
{
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+84 912", "'+84 912")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("\r=1", "\"'\r=1\"")]
    [InlineData("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")]
    [InlineData("QĐ-TTg 12, 2025", "\"QĐ-TTg 12, 2025\"")]
    [InlineData("Nguyễn Thị Hoà", "Nguyễn Thị Hoà")]
    [InlineData("a=b", "a=b")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void A_cell_is_never_a_formula_and_is_quoted_only_when_it_holds_a_separator_a_quote_or_a_line_break(string? value, string cell) =>
        Assert.Equal(cell, EventCsv.Cell(value));

    [Fact]
    public void A_funds_event_is_one_flat_row_with_the_localitys_name_on_its_effective_date_its_data_unescaped_and_its_hash_last()
    {
        var allocation = new LoggedEvent(
            42, "15/central-budget/poor-households", 3, "AllocationReceived", "2025-06-01", "2025-06-01T03:00:00.0000000+00:00",
            "7f1c3a52-0000-4000-8000-000000000001", "=cmd()", new EventUser("u-1", "Trần Văn Bình", "central-finance"), false,
            JsonNode.Parse("""{"from":"VN","to":"15","amountVnd":300000000,"decisionRef":"QĐ-12"}"""),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");

        Assert.Equal(
            "42,2025-06-01,2025-06-01T03:00:00.0000000+00:00,AllocationReceived,15/central-budget/poor-households,15,Tỉnh Yên Bái,"
            + "central-budget,poor-households,300000000,,7f1c3a52-0000-4000-8000-000000000001,'=cmd(),u-1,Trần Văn Bình,central-finance,"
            + "\"{\"\"from\"\":\"\"VN\"\",\"\"to\"\":\"\"15\"\",\"\"amountVnd\"\":300000000,\"\"decisionRef\"\":\"\"QĐ-12\"\"}\","
            + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\r\n",
            EventCsv.Line(allocation, Localities));
    }

    [Fact]
    public void A_loans_event_takes_its_locality_source_programme_and_loan_from_its_data()
    {
        var drawdown = new LoggedEvent(
            7, "0b7e", 1, "LoanDrawnDown", "2025-07-03", null, null, null, new EventUser(null, null, null), false,
            JsonNode.Parse("""{"loanId":"0b7e","locality":"15","source":"central-budget","programme":"students","amountVnd":5}"""), null);

        Assert.Equal(
            "7,2025-07-03,,LoanDrawnDown,0b7e,15,Tỉnh Lào Cai,central-budget,students,5,0b7e,,,,,,",
            EventCsv.Line(drawdown, Localities).Split('"')[0]);
    }
}
