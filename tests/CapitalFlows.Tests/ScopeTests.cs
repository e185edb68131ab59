using CapitalFlows.Localities;
using CapitalFlows.Security;
using Microsoft.AspNetCore.Mvc;

namespace CapitalFlows.Tests;

public sealed class ScopeTests
{
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();
    private static readonly DateOnly On = new(2025, 9, 15);

    private static Caller Caller(string role, string? locality = null) => new("u-1", "Nguyễn Văn A", role, locality);

    [Theory]
    [InlineData(Roles.CentralFinance)]
    [InlineData(Roles.Analyst)]
    public void Central_finance_and_analysts_cover_every_locality(string role)
    {
        var caller = Caller(role);

        Assert.All(["VN", "01", "79", "00004", "10"], code => Assert.True(Scope.Covers(caller, code, On, Localities), code));
        Assert.Null(Scope.Refuse(caller, On, Localities, "VN", "01", "00004"));
    }

    [Theory]
    [InlineData(Roles.PeopleCommittee)]
    [InlineData(Roles.BranchOfficer)]
    public void A_scoped_caller_of_Ha_Noi_covers_Ha_Noi_and_its_communes(string role)
    {
        var caller = Caller(role, "01");

        Assert.True(Scope.Covers(caller, "01", On, Localities));
        Assert.True(Scope.Covers(caller, "00004", On, Localities));
        Assert.Null(Scope.Refuse(caller, On, Localities, "01", "00004"));
    }

    [Theory]
    [InlineData(Roles.PeopleCommittee)]
    [InlineData(Roles.BranchOfficer)]
    public void A_scoped_caller_of_Ha_Noi_covers_neither_another_province_nor_the_nation(string role)
    {
        var caller = Caller(role, "01");
        var commune79 = Localities.ChildrenOn("79", On).First().Code;

        Assert.False(Scope.Covers(caller, "79", On, Localities));
        Assert.False(Scope.Covers(caller, commune79, On, Localities));
        Assert.False(Scope.Covers(caller, "VN", On, Localities));
    }

    [Fact]
    public void A_scoped_caller_touching_a_locality_outside_its_scope_is_refused_as_forbidden()
    {
        var refusal = Scope.Refuse(Caller(Roles.BranchOfficer, "01"), On, Localities, "VN", "01");

        Assert.Equal("/problems/forbidden", refusal?.Type);
        Assert.Equal(403, refusal?.Status);
        Assert.Contains("VN", refusal?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scoped_caller_of_a_commune_covers_only_that_commune()
    {
        var caller = Caller(Roles.PeopleCommittee, "00004");

        Assert.True(Scope.Covers(caller, "00004", On, Localities));
        Assert.False(Scope.Covers(caller, "01", On, Localities));
        Assert.False(Scope.Covers(caller, "00008", On, Localities));
    }

    [Fact]
    public void A_scoped_caller_without_a_locality_claim_covers_nothing()
    {
        Assert.False(Scope.Covers(Caller(Roles.BranchOfficer), "01", On, Localities));
    }

    [Fact]
    public void A_scoped_caller_naming_a_commune_on_a_date_before_communes_existed_is_refused_as_forbidden()
    {
        // API.md: scope is read on the command's effective date; on 2025-06-30 commune 00004 did not exist, so it
        // is not within 01. The refusal must be a 403, not an exception that surfaces as a 500.
        var caller = Caller(Roles.BranchOfficer, "01");
        ProblemDetails? refusal = null;

        var failure = Record.Exception(() => refusal = Scope.Refuse(caller, new DateOnly(2025, 6, 30), Localities, "01", "00004"));

        Assert.Null(failure);
        Assert.Equal("/problems/forbidden", refusal?.Type);
        Assert.Equal(403, refusal?.Status);
    }
}
