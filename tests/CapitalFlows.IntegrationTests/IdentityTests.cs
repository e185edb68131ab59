using System.Net.Http.Headers;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// API.md, second edition, "Trust": a caller acts in one role, as someone. The attacks of issue 14 with validly
/// signed tokens — two roles (the first one used for scope, any one for authorisation), no <c>sub</c> or
/// <c>name</c>, a branch officer whose locality is the nation or a commune, a scoped role with a locality that
/// does not exist — are each 401 now, and append nothing.
/// </summary>
public sealed class IdentityTests(ServiceFixture service) : IntegrationTest(service)
{
    private const long Billion = 1_000_000_000;

    [Theory]
    [InlineData("x")]
    [InlineData(Roles.Analyst)]
    [InlineData(Roles.CentralFinance)]
    public async Task A_branch_officer_of_01_with_a_second_role_first_cannot_allocate_from_VN_to_79(string firstRole)
    {
        await EntrustAsync();
        using var forged = Client(ForgedToken.With(("sub", "bo-01"), ("name", "Officer 01"), ("role", new[] { firstRole, Roles.BranchOfficer }), ("locality", "01")));
        var before = await Service.EventCountAsync();

        var answer = await forged.AllocateAsync("VN", "79", 10 * Billion);

        Assert.True(answer.Status == 401, answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("/api/localities/79/capital")]
    [InlineData("/api/localities/79/history")]
    [InlineData("/api/localities/79/allocations")]
    public async Task A_branch_officer_of_01_with_a_second_role_cannot_read_79(string url)
    {
        await EntrustAsync();
        using var forged = Client(ForgedToken.With(("sub", "bo-01"), ("name", "Officer 01"), ("role", new[] { "x", Roles.BranchOfficer }), ("locality", "01")));

        var answer = await forged.GetAnswerAsync(url);

        Assert.True(answer.Status == 401, answer.ToString());
    }

    [Theory]
    [InlineData(Roles.Analyst, Roles.PeopleCommittee)]
    [InlineData("x", Roles.PeopleCommittee)]
    [InlineData(Roles.PeopleCommittee, Roles.CentralFinance)]
    [InlineData(Roles.CentralFinance, Roles.PeopleCommittee)]
    public async Task A_peoples_committee_of_01_with_an_extra_role_cannot_top_up_VN(string first, string second)
    {
        using var forged = Client(ForgedToken.With(("sub", "pc-01"), ("name", "Committee 01"), ("role", new[] { first, second }), ("locality", "01")));
        var before = await Service.EventCountAsync();

        var answer = await forged.TopUpLocalBudgetAsync("VN", 5 * Billion);

        Assert.True(answer.Status == 401, answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("no sub")]
    [InlineData("no name")]
    [InlineData("neither")]
    [InlineData("blank sub")]
    [InlineData("blank name")]
    [InlineData("two subs")]
    public async Task A_token_without_an_identity_cannot_write(string identity)
    {
        object? sub = identity switch
        {
            "no sub" or "neither" => null,
            "blank sub" => " ",
            "two subs" => new[] { "cf-1", "cf-2" },
            _ => "cf-1",
        };
        var name = identity switch { "no name" or "neither" => null, "blank name" => "", _ => "Finance" };
        using var forged = Client(ForgedToken.With(("sub", sub), ("name", name), ("role", Roles.CentralFinance)));
        var before = await Service.EventCountAsync();

        var answer = await forged.EntrustCentralBudgetAsync(100 * Billion);

        Assert.True(answer.Status == 401, answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_token_without_a_role_is_401()
    {
        using var forged = Client(ForgedToken.With(("sub", "someone"), ("name", "Someone")));

        var answer = await forged.GetAnswerAsync("/api/programmes");

        Assert.True(answer.Status == 401, answer.ToString());
    }

    [Fact]
    public async Task A_branch_officer_whose_locality_is_VN_cannot_allocate_nationally()
    {
        await EntrustAsync();
        using var forged = Client(ForgedToken.With(("sub", "bo-vn"), ("name", "Officer VN"), ("role", Roles.BranchOfficer), ("locality", "VN")));
        var before = await Service.EventCountAsync();

        var answer = await forged.AllocateAsync("VN", "79", 10 * Billion);

        Assert.True(answer.Status == 401, answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData(Roles.BranchOfficer, "00004", "/api/localities/00004/capital")]
    [InlineData(Roles.BranchOfficer, "ZZ", "/api/programmes")]
    [InlineData(Roles.PeopleCommittee, "ZZ", "/api/programmes")]
    public async Task A_scoped_role_with_a_locality_it_cannot_hold_is_401(string role, string locality, string url)
    {
        using var forged = Client(ForgedToken.With(("sub", "scoped"), ("name", "Scoped"), ("role", role), ("locality", locality)));

        var answer = await forged.GetAnswerAsync(url);

        Assert.True(answer.Status == 401, answer.ToString());
    }

    [Fact]
    public async Task A_branch_officer_of_a_commune_cannot_take_a_donation_for_it()
    {
        using var forged = Client(ForgedToken.With(("sub", "bo-00004"), ("name", "Officer 00004"), ("role", Roles.BranchOfficer), ("locality", "00004")));
        var before = await Service.EventCountAsync();

        var answer = await forged.PostJsonAsync("/api/capital/charity-donations",
            new { commandId = Guid.NewGuid(), locality = "00004", amountVnd = 1_000_000, donor = "MTTQ" });

        Assert.True(answer.Status == 401, answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData(Roles.BranchOfficer, "01")]
    [InlineData(Roles.PeopleCommittee, "01")]
    [InlineData(Roles.PeopleCommittee, "00004")]
    [InlineData(Roles.CentralFinance, null)]
    public async Task One_role_in_a_one_element_array_is_one_role(string role, string? locality)
    {
        using var client = Client(ForgedToken.With(("sub", "one"), ("name", "One"), ("role", new[] { role }), ("locality", locality)));

        var answer = await client.GetAnswerAsync($"/api/localities/{locality ?? "VN"}/capital");

        Assert.True(answer.Status == 200, answer.ToString());
    }

    private async Task EntrustAsync()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(1_000 * Billion)).Expect(200);
        (await finance.AllocateAsync("VN", "79", 100 * Billion)).Expect(200);
    }

    private HttpClient Client(string token)
    {
        var client = Service.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
