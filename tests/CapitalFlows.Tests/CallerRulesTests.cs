using System.Security.Claims;
using CapitalFlows.Localities;
using CapitalFlows.Security;

namespace CapitalFlows.Tests;

/// <summary>
/// API.md, second edition, "Trust": a caller acts in one role, as someone. <see cref="CallerRules"/> says why a
/// validly signed token is still no caller; <see cref="Caller.From"/> never picks one of several values.
/// </summary>
public sealed class CallerRulesTests
{
    private static readonly LocalityDirectory Localities = LocalityDirectory.LoadEmbedded();

    private static ClaimsPrincipal Token(params (string Type, string Value)[] claims) =>
        new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), "Bearer", "name", "role"));

    [Theory]
    [InlineData(Roles.CentralFinance, null)]
    [InlineData(Roles.Analyst, null)]
    [InlineData(Roles.BranchOfficer, "01")]
    [InlineData(Roles.BranchOfficer, "10")]
    [InlineData(Roles.PeopleCommittee, "01")]
    [InlineData(Roles.PeopleCommittee, "00004")]
    [InlineData("superuser", null)]
    public void One_person_in_one_role_with_a_locality_that_fits_it_is_a_caller(string role, string? locality)
    {
        var claims = new List<(string, string)> { ("sub", "u-1"), ("name", "Nguyễn Văn A"), ("role", role) };
        if (locality is not null) claims.Add(("locality", locality));

        Assert.Null(CallerRules.Refusal(Token([.. claims]), Localities));
    }

    [Fact]
    public void Two_roles_are_refused_whatever_their_order()
    {
        foreach (var (first, second) in new[] { ("x", Roles.BranchOfficer), (Roles.BranchOfficer, "x"), (Roles.CentralFinance, Roles.PeopleCommittee) })
        {
            var token = Token(("sub", "u-1"), ("name", "A"), ("role", first), ("role", second), ("locality", "01"));

            Assert.Contains("2 'role' claims", CallerRules.Refusal(token, Localities), StringComparison.Ordinal);
            Assert.Equal("", Caller.From(token).Role);
        }
    }

    [Theory]
    [InlineData("sub")]
    [InlineData("name")]
    [InlineData("role")]
    public void A_token_without_sub_name_or_role_is_refused(string missing)
    {
        var claims = new[] { ("sub", "u-1"), ("name", "A"), ("role", Roles.CentralFinance) }.Where(c => c.Item1 != missing).ToArray();

        Assert.Contains($"no '{missing}' claim", CallerRules.Refusal(Token(claims), Localities), StringComparison.Ordinal);
    }

    [Fact]
    public void A_blank_sub_is_no_sub()
    {
        Assert.NotNull(CallerRules.Refusal(Token(("sub", " "), ("name", "A"), ("role", Roles.Analyst)), Localities));
    }

    [Fact]
    public void Two_localities_are_refused()
    {
        var token = Token(("sub", "u-1"), ("name", "A"), ("role", Roles.PeopleCommittee), ("locality", "79"), ("locality", "01"));

        Assert.NotNull(CallerRules.Refusal(token, Localities));
        Assert.Null(Caller.From(token).Locality);
    }

    [Theory]
    [InlineData("VN")]
    [InlineData("00004")]
    [InlineData("ZZ")]
    [InlineData(null)]
    public void A_branch_officer_whose_locality_is_not_a_province_is_refused(string? locality)
    {
        var claims = new List<(string, string)> { ("sub", "u-1"), ("name", "A"), ("role", Roles.BranchOfficer) };
        if (locality is not null) claims.Add(("locality", locality));

        Assert.Contains("must be a province", CallerRules.Refusal(Token([.. claims]), Localities), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ZZ")]
    [InlineData(null)]
    public void A_peoples_committee_needs_a_known_locality(string? locality)
    {
        var claims = new List<(string, string)> { ("sub", "u-1"), ("name", "A"), ("role", Roles.PeopleCommittee) };
        if (locality is not null) claims.Add(("locality", locality));

        Assert.Contains("known locality", CallerRules.Refusal(Token([.. claims]), Localities), StringComparison.Ordinal);
    }
}
