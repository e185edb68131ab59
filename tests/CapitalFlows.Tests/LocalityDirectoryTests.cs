using CapitalFlows.Api;
using CapitalFlows.Engine;
using CapitalFlows.Localities;

namespace CapitalFlows.Tests;

public sealed class LocalityDirectoryTests
{
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();
    private static readonly DateOnly Reorganised = new(2025, 7, 1);
    private static readonly DateOnly DayBefore = new(2025, 6, 30);
    private static readonly DateOnly Renamed = new(2026, 4, 30);

    private static IEnumerable<Locality> Provinces => Localities.All.Where(l => l.Level == LocalityLevel.Province);

    private static IEnumerable<Locality> Communes => Localities.All.Where(l => l.Level == LocalityLevel.Commune);

    [Fact]
    public void Thirty_four_provinces_are_open_from_2025_07_01_and_today()
    {
        Assert.Equal(34, Provinces.Count(p => p.IsOpenOn(Reorganised)));
        Assert.Equal(34, Provinces.Count(p => p.IsOpenOn(VietnamCalendar.Today(TimeProvider.System))));
    }

    [Fact]
    public void Sixty_three_provinces_are_open_on_2025_06_30()
    {
        Assert.Equal(63, Provinces.Count(p => p.IsOpenOn(DayBefore)));
    }

    [Fact]
    public void Twenty_nine_provinces_closed_on_2025_07_01_each_naming_an_open_successor()
    {
        var closed = Provinces.Where(p => p.ClosedOn is not null).ToList();

        Assert.Equal(29, closed.Count);
        Assert.All(closed, p =>
        {
            Assert.Equal(Reorganised, p.ClosedOn);
            Assert.NotNull(p.Successor);
            Assert.True(Localities.Find(p.Successor)?.IsOpenOn(Reorganised), $"{p.Code}'s successor {p.Successor} is open");
        });
    }

    [Fact]
    public void Code_15_is_Yen_Bai_until_the_reorganisation_and_Lao_Cai_from_it()
    {
        var fifteen = Localities.Find("15")!;

        Assert.Equal("Tỉnh Yên Bái", fifteen.NameOn(DayBefore));
        Assert.Equal("Tỉnh Lào Cai", fifteen.NameOn(Reorganised));
        Assert.True(fifteen.IsOpenOn(DayBefore));
        Assert.True(fifteen.IsOpenOn(Reorganised));
    }

    [Fact]
    public void Old_Lao_Cai_10_closed_on_2025_07_01_with_successor_15()
    {
        var ten = Localities.Find("10")!;

        Assert.Equal("Tỉnh Lào Cai", ten.NameOn(DayBefore));
        Assert.Equal(Reorganised, ten.ClosedOn);
        Assert.Equal("15", ten.Successor);
        Assert.True(ten.IsOpenOn(DayBefore));
        Assert.False(ten.IsOpenOn(Reorganised));
        Assert.Equal("merged", ten.StatusOn(Reorganised));
        Assert.Equal("active", ten.StatusOn(DayBefore));
    }

    [Fact]
    public void There_are_3321_communes_each_under_one_of_the_34_provinces()
    {
        var openProvinces = Provinces.Where(p => p.IsOpenOn(Reorganised)).Select(p => p.Code).ToHashSet();

        Assert.Equal(3_321, Communes.Count());
        Assert.All(Communes, c => Assert.Contains(c.ParentOn(Reorganised)!, openProvinces));
        Assert.Equal(3_321, openProvinces.Sum(p => Localities.ChildrenOn(p, Reorganised).Count()));
    }

    [Fact]
    public void Commune_00004_is_Ba_Dinh_in_Ha_Noi_from_2025_07_01()
    {
        var baDinh = Localities.Find("00004")!;

        Assert.Equal(LocalityLevel.Commune, baDinh.Level);
        Assert.Equal("01", baDinh.ParentOn(Reorganised));
        Assert.Equal("Phường Ba Đình", baDinh.NameOn(Reorganised));
        Assert.Equal("01", Localities.ProvinceOf("00004", Reorganised));
        Assert.False(baDinh.IsOpenOn(DayBefore));
        Assert.Null(Localities.FindOn("00004", DayBefore));
    }

    [Fact]
    public void Ha_Noi_has_126_communes_on_2025_07_01_and_none_the_day_before()
    {
        Assert.Equal(126, Localities.ChildrenOn("01", Reorganised).Count());
        Assert.Empty(Localities.ChildrenOn("01", DayBefore));
    }

    [Fact]
    public void The_nation_has_the_34_provinces_as_children_from_2025_07_01_and_the_63_before()
    {
        Assert.Equal(34, Localities.ChildrenOn("VN", Reorganised).Count(c => c.IsOpenOn(Reorganised)));
        Assert.Equal(63, Localities.ChildrenOn("VN", DayBefore).Count());
    }

    [Fact]
    public void A_commune_is_within_its_own_province_but_not_another()
    {
        Assert.True(Localities.IsWithin("00004", "01", Reorganised));
        Assert.True(Localities.IsWithin("00004", "VN", Reorganised));
        Assert.True(Localities.IsWithin("01", "01", Reorganised));
        Assert.False(Localities.IsWithin("00004", "79", Reorganised));
        Assert.False(Localities.IsWithin("01", "00004", Reorganised));
    }

    [Fact]
    public void A_commune_is_not_within_any_province_on_a_date_before_it_existed()
    {
        var isWithin = Record.Exception(() => Localities.IsWithin("00004", "01", DayBefore));

        Assert.Null(isWithin);
        Assert.False(Localities.IsWithin("00004", "01", DayBefore));
    }

    [Fact]
    public void The_subtree_of_Ha_Noi_is_Ha_Noi_and_its_126_communes()
    {
        var subtree = Localities.SubtreeOn("01", Reorganised);

        Assert.Equal(127, subtree.Count);
        Assert.Equal(127, subtree.Distinct().Count());
        Assert.Equal("01", subtree[0]);
        Assert.Contains("00004", subtree);
    }

    [Fact]
    public void A_commune_renamed_on_2026_04_30_shows_its_new_name_from_that_date()
    {
        // communes-2025.csv: 25270 "Xã Lộc Ninh" (Đồng Nai) has name_2026_04_30_thanglequoc "Phường Lộc Ninh".
        var locNinh = Localities.Find("25270")!;

        Assert.Equal("Xã Lộc Ninh", locNinh.NameOn(Reorganised));
        Assert.Equal("Xã Lộc Ninh", locNinh.NameOn(Renamed.AddDays(-1)));
        Assert.Equal("Phường Lộc Ninh", locNinh.NameOn(Renamed));
        Assert.Equal("Phường Lộc Ninh", locNinh.NameOn(Renamed.AddYears(1)));
    }

    [Fact]
    public void A_commune_whose_name_did_not_change_keeps_it_after_2026_04_30()
    {
        Assert.Equal("Phường Ba Đình", Localities.Find("00004")!.NameOn(Renamed));
    }
}
