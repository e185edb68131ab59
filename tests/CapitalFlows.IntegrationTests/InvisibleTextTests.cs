using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// Free text that people read back (references, reasons, donors, borrowers, names) may hold no control or invisible
/// characters: a zero-width space makes two references that look alike differ, a right-to-left override makes one
/// read as another. Each is 400 <c>validation</c> naming the field, and nothing is appended.
/// </summary>
public sealed class InvisibleTextTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string ZeroWidthSpace = "\u200B";
    private const string RightToLeftOverride = "\u202E";

    public static TheoryData<string, string, string> Bodies() => new()
    {
        { "/api/capital/central-entrustments", "decisionRef", """{"amountVnd":1000000,"decisionRef":"QĐ-@"}""" },
        { "/api/capital/mobilisations", "reference", """{"amountVnd":1000000,"instrument":"bonds","reference":"TP-@-2026"}""" },
        { "/api/capital/charity-donations", "donor", """{"amountVnd":1000000,"donor":"@MTTQ"}""" },
        { "/api/recalls", "reason", """{"from":"01","to":"VN","source":"central-budget","programme":"general","amountVnd":1000000,"reason":"Unused@"}""" },
        { "/api/loans", "borrowerRef", """{"locality":"01","source":"central-budget","programme":"poor-households","amountVnd":1000000,"borrowerRef":"HH-@1","entrustedOrganisation":"womens-union","termMonths":12}""" },
        { "/api/localities/merges", "name", """{"merged":["04"],"into":"01","name":"Tỉnh@ Mới","effectiveOn":"2025-12-31"}""" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_zero_width_space_in_free_text_is_400_validation_and_appends_nothing(string route, string field, string body)
    {
        await RefusedAsync(route, field, body.Replace("@", ZeroWidthSpace, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_right_to_left_override_in_free_text_is_400_validation_and_appends_nothing(string route, string field, string body)
    {
        await RefusedAsync(route, field, body.Replace("@", RightToLeftOverride, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Vietnamese_with_combining_marks_is_accepted()
    {
        using var finance = Service.Client(Roles.CentralFinance);
        var decomposed = "Quyết định 123/QĐ-TTg".Normalize(System.Text.NormalizationForm.FormD);

        var answer = await finance.PostJsonAsync("/api/capital/central-entrustments",
            new { commandId = Guid.NewGuid(), amountVnd = 1_000_000, decisionRef = decomposed });

        answer.Expect(200);
    }

    private async Task RefusedAsync(string route, string field, string body)
    {
        using var finance = Service.Client(Roles.CentralFinance);
        (await finance.EntrustCentralBudgetAsync(10_000_000)).Expect(200);
        (await finance.AllocateAsync("VN", "01", 5_000_000, toProgramme: null)).Expect(200);
        var before = await Service.EventCountAsync();

        var answer = await finance.PostJsonAsync(route, "{\"commandId\":\"" + Guid.NewGuid() + "\"," + body[1..]);

        Assert.True(answer.Status == 400, answer.ToString());
        Assert.Equal("/problems/validation", answer.ProblemType);
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }
}
