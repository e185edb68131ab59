using System.Text.Json;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// The reference reads (API.md, "Queries"): localities over time — 63 provinces until 2025-06-30, 34 and
/// 3,321 communes from 2025-07-01, names read as of the date asked — the programmes, and the problem pages.
/// </summary>
public sealed class LocalityReadTests(ServiceFixture service) : IntegrationTest(service)
{
    [Theory]
    [InlineData("", 34)]
    [InlineData("&asOf=2025-06-30", 63)]
    [InlineData("&asOf=2025-07-01", 34)]
    [InlineData("&asOf=2020-01-01", 63)]
    [InlineData("&status=all", 63)]
    [InlineData("&status=merged", 29)]
    [InlineData("&status=merged&asOf=2025-06-30", 0)]
    [InlineData("&status=active&asOf=2025-06-30", 63)]
    public async Task The_provinces_are_counted_as_of_the_date_asked(string query, int count)
    {
        var answer = await Reader().GetAnswerAsync("/api/localities?level=province" + query);

        Assert.True(answer.Status == 200, answer.ToString());
        var provinces = answer.Json.EnumerateArray().ToList();
        Assert.Equal(count, provinces.Count);
        Assert.All(provinces, p => Assert.Equal("province", p.GetProperty("level").GetString()));
        Assert.All(provinces, p => Assert.Equal("VN", p.GetProperty("parent").GetString()));
        Assert.Equal(count, provinces.Select(p => p.GetProperty("code").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task Today_the_34_provinces_are_active_and_include_the_successors_that_kept_their_codes()
    {
        var answer = await Reader().GetAnswerAsync("/api/localities?level=province");

        var provinces = answer.Json.EnumerateArray().ToList();
        Assert.All(provinces, p => Assert.Equal("active", p.GetProperty("status").GetString()));
        var codes = provinces.Select(p => p.GetProperty("code").GetString()).ToHashSet();
        Assert.Contains("01", codes);
        Assert.Contains("15", codes);
        Assert.Contains("79", codes);
        Assert.DoesNotContain("10", codes);
        Assert.DoesNotContain("02", codes);
        Assert.Equal("Tỉnh Lào Cai", provinces.Single(p => p.GetProperty("code").GetString() == "15").GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_29_merged_provinces_name_their_successors_and_the_day_they_closed()
    {
        var active = (await Reader().GetAnswerAsync("/api/localities?level=province")).Json.EnumerateArray()
            .Select(p => p.GetProperty("code").GetString()).ToHashSet();

        var answer = await Reader().GetAnswerAsync("/api/localities?level=province&status=merged");

        Assert.True(answer.Status == 200, answer.ToString());
        var merged = answer.Json.EnumerateArray().ToList();
        Assert.Equal(29, merged.Count);
        Assert.All(merged, p =>
        {
            Assert.Equal("merged", p.GetProperty("status").GetString());
            Assert.Equal("2025-07-01", p.GetProperty("closedOn").GetString());
            Assert.Contains(p.GetProperty("successor").GetString(), active);
        });
        var successors = merged.ToDictionary(p => p.GetProperty("code").GetString()!, p => p.GetProperty("successor").GetString());
        Assert.Equal("15", successors["10"]);
        Assert.Equal("08", successors["02"]);
        Assert.Equal("79", successors["74"]);
        Assert.Equal("79", successors["77"]);
    }

    [Theory]
    [InlineData("01", 126)]
    [InlineData("15", 99)]
    [InlineData("79", 168)]
    public async Task The_communes_of_a_province_are_listed_under_it(string province, int count)
    {
        var answer = await Reader().GetAnswerAsync($"/api/localities?parent={province}&level=commune");

        Assert.True(answer.Status == 200, answer.ToString());
        var communes = answer.Json.EnumerateArray().ToList();
        Assert.Equal(count, communes.Count);
        Assert.All(communes, c =>
        {
            Assert.Equal("commune", c.GetProperty("level").GetString());
            Assert.Equal(province, c.GetProperty("parent").GetString());
            Assert.Equal(5, c.GetProperty("code").GetString()!.Length);
            Assert.Equal("2025-07-01", c.GetProperty("openedOn").GetString());
        });
    }

    [Fact]
    public async Task Ba_Dinh_is_a_commune_of_Hanoi()
    {
        var communes = (await Reader().GetAnswerAsync("/api/localities?parent=01&level=commune")).Json.EnumerateArray();

        var baDinh = communes.Single(c => c.GetProperty("code").GetString() == "00004");
        Assert.Equal("Phường Ba Đình", baDinh.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("?level=commune", 3321)]
    [InlineData("?level=nation", 1)]
    [InlineData("?level=commune&asOf=2025-06-30", 0)]
    [InlineData("?parent=01&level=commune&asOf=2025-06-30", 0)]
    [InlineData("?parent=VN", 34)]
    [InlineData("?parent=VN&asOf=2025-06-30", 63)]
    [InlineData("", 1 + 34 + 3321)]
    public async Task The_localities_list_filters_by_level_parent_and_date(string query, int count)
    {
        var answer = await Reader().GetAnswerAsync("/api/localities" + query);

        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal(count, answer.Json.GetArrayLength());
    }

    [Theory]
    [InlineData("2025-06-30", "Tỉnh Yên Bái")]
    [InlineData("2020-01-01", "Tỉnh Yên Bái")]
    [InlineData("2025-07-01", "Tỉnh Lào Cai")]
    [InlineData(null, "Tỉnh Lào Cai")]
    public async Task Code_15_is_Yen_Bai_until_the_reorganisation_and_Lao_Cai_from_it(string? asOf, string name)
    {
        var answer = await Reader().GetAnswerAsync("/api/localities/15" + (asOf is null ? "" : "?asOf=" + asOf));

        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal("15", answer.Json.GetProperty("code").GetString());
        Assert.Equal(name, answer.Json.GetProperty("name").GetString());
        Assert.Equal("province", answer.Json.GetProperty("level").GetString());
        Assert.Equal("active", answer.Json.GetProperty("status").GetString());
        Assert.True(IsAbsentOrNull(answer.Json, "successor"), answer.ToString());
        Assert.True(IsAbsentOrNull(answer.Json, "closedOn"), answer.ToString());
    }

    [Theory]
    [InlineData("75", "2026-04-29", "Tỉnh Đồng Nai")]
    [InlineData("75", null, "Thành phố Đồng Nai")]
    [InlineData("25270", "2025-07-01", "Xã Lộc Ninh")]
    [InlineData("25270", null, "Phường Lộc Ninh")]
    public async Task Names_renamed_on_2026_04_30_are_read_as_of_the_date_asked(string code, string? asOf, string name)
    {
        var answer = await Reader().GetAnswerAsync($"/api/localities/{code}" + (asOf is null ? "" : "?asOf=" + asOf));

        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal(name, answer.Json.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Old_province_10_is_merged_into_15_since_2025_07_01()
    {
        var answer = await Reader().GetAnswerAsync("/api/localities/10");

        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal("10", answer.Json.GetProperty("code").GetString());
        Assert.Equal("Tỉnh Lào Cai", answer.Json.GetProperty("name").GetString());
        Assert.Equal("province", answer.Json.GetProperty("level").GetString());
        Assert.Equal("merged", answer.Json.GetProperty("status").GetString());
        Assert.Equal("15", answer.Json.GetProperty("successor").GetString());
        Assert.Equal("2025-07-01", answer.Json.GetProperty("closedOn").GetString());
    }

    [Fact]
    public async Task Old_province_10_was_active_the_day_before_its_merge()
    {
        var answer = await Reader().GetAnswerAsync("/api/localities/10?asOf=2025-06-30");

        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal("active", answer.Json.GetProperty("status").GetString());
        Assert.True(IsAbsentOrNull(answer.Json, "successor"), answer.ToString());
    }

    [Fact]
    public async Task Commune_00004_is_Ba_Dinh_under_Hanoi_from_2025_07_01()
    {
        var answer = await Reader().GetAnswerAsync("/api/localities/00004?asOf=2025-07-01");

        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal("Phường Ba Đình", answer.Json.GetProperty("name").GetString());
        Assert.Equal("commune", answer.Json.GetProperty("level").GetString());
        Assert.Equal("01", answer.Json.GetProperty("parent").GetString());
        Assert.Equal("active", answer.Json.GetProperty("status").GetString());
        Assert.Equal("2025-07-01", answer.Json.GetProperty("openedOn").GetString());
    }

    [Fact]
    public async Task The_nation_is_the_root_of_the_tree()
    {
        var answer = await Reader().GetAnswerAsync("/api/localities/VN");

        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal("Việt Nam", answer.Json.GetProperty("name").GetString());
        Assert.Equal("nation", answer.Json.GetProperty("level").GetString());
        Assert.True(IsAbsentOrNull(answer.Json, "parent"), answer.ToString());
    }

    [Theory]
    [InlineData("/api/localities/00004?asOf=2025-06-30")]
    [InlineData("/api/localities/25747?asOf=2024-01-01")]
    [InlineData("/api/localities/ZZ")]
    [InlineData("/api/localities/99")]
    [InlineData("/api/localities/vn")]
    [InlineData("/api/localities/00000")]
    public async Task A_code_no_unit_held_on_the_date_is_404_not_found(string url)
    {
        var answer = await Reader().GetAnswerAsync(url);

        Assert.True(answer.Status == 404, answer.ToString());
        Assert.Equal("/problems/not-found", answer.ProblemType);
        Assert.Equal(404, answer.Json.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("/api/localities?level=district", "level")]
    [InlineData("/api/localities?level=Province", "level")]
    [InlineData("/api/localities?status=closed", "status")]
    [InlineData("/api/localities?asOf=2025-02-30", "asOf")]
    [InlineData("/api/localities?asOf=30-06-2025", "asOf")]
    [InlineData("/api/localities?asOf=9999-01-01", "asOf")]
    [InlineData("/api/localities/15?asOf=yesterday", "asOf")]
    [InlineData("/api/localities/15?asOf=9999-01-01", "asOf")]
    public async Task An_invalid_filter_is_400_validation_naming_it(string url, string field)
    {
        var answer = await Reader().GetAnswerAsync(url);

        Assert.True(answer.Status == 400, answer.ToString());
        Assert.Equal("/problems/validation", answer.ProblemType);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.ToString());
    }

    [Theory]
    [InlineData(Roles.CentralFinance, null)]
    [InlineData(Roles.BranchOfficer, "01")]
    [InlineData(Roles.PeopleCommittee, "00004")]
    [InlineData(Roles.Analyst, null)]
    public async Task Every_role_reads_the_reference_lists_wherever_its_scope(string role, string? locality)
    {
        var client = Service.Client(role, locality);

        var provinces = await client.GetAnswerAsync("/api/localities?level=province");
        var saigon = await client.GetAnswerAsync("/api/localities/79");
        var programmes = await client.GetAnswerAsync("/api/programmes");

        Assert.Equal(34, provinces.Json.GetArrayLength());
        Assert.Equal("79", saigon.Json.GetProperty("code").GetString());
        Assert.Equal(11, programmes.Json.GetArrayLength());
    }

    [Fact]
    public async Task The_11_programmes_are_listed_in_the_bank_s_order_with_their_caps()
    {
        var answer = await Reader().GetAnswerAsync("/api/programmes");

        Assert.True(answer.Status == 200, answer.ToString());
        var programmes = answer.Json.EnumerateArray().ToList();
        Assert.Equal(
            ["general", "poor-households", "near-poor-households", "newly-escaped-poverty", "students", "job-creation",
             "clean-water-sanitation", "social-housing", "disadvantaged-area-business", "ethnic-minority", "post-prison-reintegration"],
            programmes.Select(p => p.GetProperty("code").GetString()));
        var poor = programmes.Single(p => p.GetProperty("code").GetString() == "poor-households");
        Assert.Equal(100_000_000, poor.GetProperty("maxLoanVnd").GetInt64());
        Assert.Equal(120, poor.GetProperty("maxTermMonths").GetInt32());
        Assert.Equal("Loans to poor households", poor.GetProperty("name").GetString());
        Assert.Equal("Cho vay hộ nghèo", poor.GetProperty("nameVi").GetString());
        var general = programmes.Single(p => p.GetProperty("code").GetString() == "general");
        Assert.True(IsAbsentOrNull(general, "maxLoanVnd"), general.ToString());
        var housing = programmes.Single(p => p.GetProperty("code").GetString() == "social-housing");
        Assert.Equal(1_000_000_000, housing.GetProperty("maxLoanVnd").GetInt64());
        Assert.Equal(300, housing.GetProperty("maxTermMonths").GetInt32());
    }

    [Theory]
    [InlineData("validation")]
    [InlineData("programme-limit")]
    [InlineData("not-lendable")]
    [InlineData("not-a-direct-child")]
    [InlineData("invalid-merge")]
    [InlineData("forbidden")]
    [InlineData("not-found")]
    [InlineData("insufficient-funds")]
    [InlineData("over-repayment")]
    [InlineData("effective-date-too-early")]
    [InlineData("locality-closed")]
    [InlineData("command-id-reused")]
    [InlineData("not-reversible")]
    public async Task Every_problem_type_has_a_page_explaining_it_open_to_anyone(string slug)
    {
        using var response = await Service.Client().GetAsync($"/problems/{slug}", TestContext.Current.CancellationToken);
        var page = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"/problems/{slug}", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("internal-error")]
    public async Task An_unknown_problem_type_is_404(string slug)
    {
        using var response = await Service.Client().GetAsync($"/problems/{slug}", TestContext.Current.CancellationToken);

        Assert.Equal(404, (int)response.StatusCode);
    }

    private HttpClient Reader() => Service.Client(Roles.Analyst);

    private static bool IsAbsentOrNull(JsonElement element, string property) =>
        !element.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null;
}
