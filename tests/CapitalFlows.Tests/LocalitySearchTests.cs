using CapitalFlows.Localities;
using CapitalFlows.Localities.ReadingLocalities;

namespace CapitalFlows.Tests;

/// <summary>Finding a unit by code or name (API.md, second edition: <c>GET /api/localities?q=</c>).</summary>
public sealed class LocalitySearchTests
{
    private static readonly DateOnly Today = new(2026, 12, 5);
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();

    private static List<string> Codes(string query) =>
        LocalitySearch.Find(Localities.All.Where(l => l.IsOpenOn(Today)), query, Today).Select(l => l.Code).ToList();

    [Theory]
    [InlineData("Xã Cần Giờ", "xa can gio")]
    [InlineData("Phường Lâm Viên - Đà Lạt", "phuong lam vien da lat")]
    [InlineData("ĐẮK LẮK", "dak lak")]
    [InlineData("  Thành   phố\tHà Nội ", "thanh pho ha noi")]
    public void Folding_drops_case_diacritics_and_punctuation_and_turns_d_with_stroke_into_d(string text, string folded) =>
        Assert.Equal(folded, LocalitySearch.Fold(text));

    [Theory]
    [InlineData("can gio")]
    [InlineData("Cần Giờ")]
    [InlineData("CAN GIO")]
    [InlineData("xa can gio")]
    public void Can_Gio_is_found_first_whichever_way_it_is_written(string query) =>
        Assert.Equal("27664", Codes(query)[0]);

    [Fact]
    public void An_exact_code_comes_before_names_that_contain_it()
    {
        Assert.Equal("01", Codes("01")[0]);
        Assert.Equal("00004", Codes("00004")[0]);
    }

    [Fact]
    public void A_name_equal_to_the_text_comes_before_names_that_start_with_it_and_those_before_names_with_a_word_starting_with_it()
    {
        // Phường Ba Đình (Hà Nội) and Xã Ba Đình (Thanh Hóa) are both named "Ba Đình"; Xã Ba Đồn... start with "ba d".
        var found = Codes("ba dinh");

        Assert.Equal(["00004", "16171"], found.Take(2).Order(StringComparer.Ordinal));
        Assert.Equal(1, LocalitySearch.Rank("00004", "Phường Ba Đình", "ba dinh"));
        Assert.Equal(2, LocalitySearch.Rank("x", "Xã Ba Đình Hạ", "ba dinh"));
        Assert.Equal(3, LocalitySearch.Rank("x", "Phường Lâm Viên - Đà Lạt", "da lat"));
        Assert.Equal(4, LocalitySearch.Rank("x", "Xã Giồng Riềng", "ong rieng"));
        Assert.Null(LocalitySearch.Rank("x", "Xã Cần Giờ", "can tho"));
    }

    [Fact]
    public void Within_one_rank_provinces_come_before_communes()
    {
        var found = Codes("ha noi");

        Assert.Equal("01", found[0]);
    }

    [Fact]
    public void At_most_50_units_are_listed()
    {
        Assert.Equal(LocalitySearch.MaxResults, Codes("xa").Count);
        Assert.True(Localities.All.Count(l => l.IsOpenOn(Today) && LocalitySearch.Fold(l.NameOn(Today)).StartsWith("xa ", StringComparison.Ordinal)) > 50);
    }
}
