using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CapitalFlows.IntegrationTests.Infrastructure;
using CapitalFlows.Security;

namespace CapitalFlows.IntegrationTests;

/// <summary>
/// API.md, "Errors": every refusal of the status table that the inflow, allocation and recall routes can give,
/// each answered as a problem of the right type and status, and none of them appending anything.
/// </summary>
public sealed class BadInputTests(ServiceFixture service) : IntegrationTest(service)
{
    private const string CentralEntrustments = "/api/capital/central-entrustments";
    private const string Mobilisations = "/api/capital/mobilisations";
    private const string TopUps = "/api/capital/local-budget-top-ups";
    private const string CharityDonations = "/api/capital/charity-donations";
    private const string Allocations = "/api/allocations";
    private const string Recalls = "/api/recalls";

    private const string Omitted = "<omitted>";
    private const string Tomorrow = "<tomorrow>";
    private const long Seeded = 1_000_000_000;
    private const long SeededAtHanoi = 400_000_000;
    private const int MaxBodyBytes = 64 * 1024;

    private static readonly string[] CommandRoutes = [CentralEntrustments, Mobilisations, TopUps, CharityDonations, Allocations, Recalls];

    /// <summary>Field values that are wrong on every command route: (field, JSON value or <see cref="Omitted"/>).</summary>
    private static readonly (string Field, string Value)[] WrongOnEveryRoute =
    [
        ("commandId", Omitted),
        ("commandId", "null"),
        ("commandId", "\"not-a-uuid\""),
        ("commandId", "\"00000000-0000-0000-0000-000000000000\""),
        ("commandId", "42"),
        ("amountVnd", Omitted),
        ("amountVnd", "null"),
        ("amountVnd", "\"100\""),
        ("amountVnd", "5.5"),
        ("amountVnd", "0"),
        ("amountVnd", "-1"),
        ("amountVnd", "1000000000000001"),
        ("amountVnd", "9223372036854775808"),
        ("amountVnd", "true"),
        ("amountVnd", "{\"value\":100}"),
        ("effectiveOn", "\"" + Tomorrow + "\""),
        ("effectiveOn", "\"2025-13-01\""),
        ("effectiveOn", "\"2025-02-30\""),
        ("effectiveOn", "\"27/11/2025\""),
        ("effectiveOn", "\"2025-7-1\""),
        ("effectiveOn", "\"2025-07-01T00:00:00Z\""),
        ("effectiveOn", "\"\""),
        ("effectiveOn", "20250701"),
        ("programme", "\"housing\""),
        ("programme", "\"POOR-HOUSEHOLDS\""),
    ];

    /// <summary>The required fields of each route's command record, and values it does not know.</summary>
    private static readonly (string Route, string Field, string Value)[] WrongOnOneRoute =
    [
        (CentralEntrustments, "decisionRef", Omitted),
        (CentralEntrustments, "decisionRef", "\"\""),
        (CentralEntrustments, "decisionRef", "\"   \""),
        (CentralEntrustments, "decisionRef", "17"),
        (Mobilisations, "instrument", Omitted),
        (Mobilisations, "instrument", "\"loans\""),
        (Mobilisations, "instrument", "\"Deposits\""),
        (Mobilisations, "reference", Omitted),
        (Mobilisations, "reference", "\"\""),
        (TopUps, "locality", Omitted),
        (TopUps, "locality", "\"99\""),
        (TopUps, "locality", "\"ZZ\""),
        (TopUps, "locality", "\"vn\""),
        (TopUps, "locality", "\"1\""),
        (TopUps, "locality", "1"),
        (TopUps, "decisionRef", Omitted),
        (TopUps, "decisionRef", "\"\""),
        (CharityDonations, "locality", "\"ZZ\""),
        (CharityDonations, "locality", "\"00000\""),
        (Allocations, "from", Omitted),
        (Allocations, "from", "\"XX\""),
        (Allocations, "to", Omitted),
        (Allocations, "to", "\"00000\""),
        (Allocations, "source", Omitted),
        (Allocations, "source", "\"state\""),
        (Allocations, "source", "\"Central-Budget\""),
        (Allocations, "programme", Omitted),
        (Allocations, "toProgramme", "\"nope\""),
        (Recalls, "from", Omitted),
        (Recalls, "from", "\"ZZ\""),
        (Recalls, "to", Omitted),
        (Recalls, "to", "\"ZZ\""),
        (Recalls, "source", Omitted),
        (Recalls, "source", "\"donations\""),
        (Recalls, "programme", Omitted),
        (Recalls, "reason", Omitted),
        (Recalls, "reason", "\"\""),
    ];

    public static TheoryData<string, string, string> WrongFields()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var route in CommandRoutes)
            foreach (var (field, value) in WrongOnEveryRoute)
                data.Add(route, field, value);
        foreach (var (route, field, value) in WrongOnOneRoute)
            data.Add(route, field, value);
        return data;
    }

    /// <summary>Bodies that are not a JSON object at all.</summary>
    private static readonly string[] NotAnObject =
    [
        "{\"commandId\": ",
        "{\"amountVnd\": 100,}",
        "{'amountVnd': 100}",
        "{amountVnd: 100}",
        "[]",
        "[{\"amountVnd\": 100}]",
        "\"a string\"",
        "42",
        "null",
        "true",
        "",
        "   ",
        "{} {}",
    ];

    /// <summary>Every body on one route; the commonest on every route.</summary>
    public static TheoryData<string, string> BodiesThatAreNotAnObject()
    {
        var data = new TheoryData<string, string>();
        foreach (var body in NotAnObject)
            data.Add(CentralEntrustments, body);
        foreach (var route in CommandRoutes.Where(r => r != CentralEntrustments))
            foreach (var body in new[] { "{\"commandId\": ", "[]", "[{\"amountVnd\": 100}]", "", "null" })
                data.Add(route, body);
        return data;
    }

    public static TheoryData<string> Routes() => new(CommandRoutes);

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task The_valid_body_of_each_route_is_accepted_so_that_every_refusal_below_is_caused_by_what_it_changes(string route)
    {
        await SeedAsync();
        var before = await Service.EventCountAsync();

        var answer = await Finance().PostJsonAsync(route, ValidBody(route).ToJsonString());

        Assert.True(answer.Status == 200, answer.ToString());
        var appended = route is Allocations or Recalls ? 2 : 1;
        Assert.Equal(appended, answer.Json.GetProperty("events").GetInt32());
        Assert.Equal(before + appended, await Service.EventCountAsync());
    }

    [Theory]
    [MemberData(nameof(WrongFields))]
    public async Task A_missing_or_invalid_field_is_400_validation_naming_that_field_and_appends_nothing(string route, string field, string value)
    {
        var body = ValidBody(route);
        if (value == Omitted) body.Remove(field);
        else body[field] = JsonNode.Parse(value.Replace(Tomorrow, Iso(ServiceFixture.Today.AddDays(1)), StringComparison.Ordinal));
        var before = await Service.EventCountAsync();

        var (answer, mediaType) = await SendAsync(Finance(), route, body.ToJsonString());

        AssertProblem(answer, mediaType, 400, "validation");
        var errors = answer.Json.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"errors should name '{field}': {answer}");
        Assert.True(messages.GetArrayLength() > 0, answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [MemberData(nameof(BodiesThatAreNotAnObject))]
    public async Task A_body_that_is_not_a_json_object_is_400_validation_and_appends_nothing(string route, string body)
    {
        var before = await Service.EventCountAsync();

        var (answer, mediaType) = await SendAsync(Finance(), route, body);

        AssertProblem(answer, mediaType, 400, "validation");
        Assert.Equal(JsonValueKind.Object, answer.Json.GetProperty("errors").ValueKind);
        Assert.NotEmpty(answer.Json.GetProperty("errors").EnumerateObject());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_top_up_with_many_faults_lists_every_field_error_in_one_400()
    {
        var before = await Service.EventCountAsync();
        var body = new JsonObject
        {
            ["locality"] = "ZZ",
            ["amountVnd"] = 0,
            ["programme"] = "housing",
            ["effectiveOn"] = Iso(ServiceFixture.Today.AddDays(3)),
        };

        var (answer, mediaType) = await SendAsync(Finance(), TopUps, body.ToJsonString());

        AssertProblem(answer, mediaType, 400, "validation");
        var named = answer.Json.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["amountVnd", "commandId", "decisionRef", "effectiveOn", "locality", "programme"], named);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task An_allocation_with_many_faults_lists_every_field_error_in_one_400()
    {
        var before = await Service.EventCountAsync();
        var body = new JsonObject
        {
            ["commandId"] = Guid.NewGuid(),
            ["from"] = "XX",
            ["source"] = "state",
            ["programme"] = "poor-households",
            ["toProgramme"] = "students",
            ["amountVnd"] = -5,
            ["effectiveOn"] = "2025-02-30",
        };

        var (answer, mediaType) = await SendAsync(Finance(), Allocations, body.ToJsonString());

        AssertProblem(answer, mediaType, 400, "validation");
        var named = answer.Json.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["amountVnd", "effectiveOn", "from", "source", "to", "toProgramme"], named);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("poor-households", "students")]
    [InlineData("poor-households", "poor-households")]
    [InlineData("students", "general")]
    public async Task ToProgramme_with_a_programme_that_is_not_general_is_400_validation(string programme, string toProgramme)
    {
        var before = await Service.EventCountAsync();
        var body = ValidBody(Allocations);
        body["programme"] = programme;
        body["toProgramme"] = toProgramme;

        var (answer, mediaType) = await SendAsync(Finance(), Allocations, body.ToJsonString());

        AssertProblem(answer, mediaType, 400, "validation");
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty("toProgramme", out _), answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task General_capital_may_be_earmarked_on_the_way_down_with_toProgramme()
    {
        await SeedAsync();
        var body = ValidBody(Allocations);
        body["toProgramme"] = "students";

        var answer = await Finance().PostJsonAsync(Allocations, body.ToJsonString());

        Assert.True(answer.Status == 200, answer.ToString());
        var capital = await Finance().GetAnswerAsync("/api/localities/01/capital");
        var students = capital.Json.GetProperty("own").GetProperty("funds").EnumerateArray()
            .Single(f => f.GetProperty("programme").GetString() == "students");
        Assert.Equal(1_000_000, students.GetProperty("availableVnd").GetInt64());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1_000_000_000_000_000)]
    public async Task The_amounts_at_the_edges_of_the_allowed_range_are_accepted(long amountVnd)
    {
        var body = ValidBody(CentralEntrustments);
        body["amountVnd"] = amountVnd;

        var answer = await Finance().PostJsonAsync(CentralEntrustments, body.ToJsonString());

        Assert.True(answer.Status == 200, answer.ToString());
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_body_sent_as_plain_text_is_415_and_appends_nothing(string route)
    {
        var before = await Service.EventCountAsync();

        var (answer, mediaType) = await SendAsync(Finance(), route, ValidBody(route).ToJsonString(), "text/plain");

        AssertProblem(answer, mediaType, 415, slug: null);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("text/json-ish")]
    [InlineData(null)]
    public async Task A_body_that_is_not_declared_as_json_is_415_and_appends_nothing(string? contentType)
    {
        var before = await Service.EventCountAsync();

        var (answer, mediaType) = await SendAsync(Finance(), CentralEntrustments, ValidBody(CentralEntrustments).ToJsonString(), contentType);

        AssertProblem(answer, mediaType, 415, slug: null);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_body_over_64_KiB_is_413_and_appends_nothing(string route)
    {
        var before = await Service.EventCountAsync();

        var (answer, mediaType) = await SendAsync(Finance(), route, PaddedTo(ValidBody(route), MaxBodyBytes + 1));

        AssertProblem(answer, mediaType, 413, slug: null);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_body_of_exactly_64_KiB_is_read()
    {
        var body = PaddedTo(ValidBody(CentralEntrustments), MaxBodyBytes);
        Assert.Equal(MaxBodyBytes, Encoding.UTF8.GetByteCount(body));

        var answer = await Finance().PostJsonAsync(CentralEntrustments, body);

        Assert.True(answer.Status == 200, answer.ToString());
    }

    [Fact]
    public async Task A_body_over_64_KiB_sent_without_a_content_length_is_413_and_appends_nothing()
    {
        var before = await Service.EventCountAsync();
        var bytes = Encoding.UTF8.GetBytes(PaddedTo(ValidBody(CentralEntrustments), 4 * MaxBodyBytes));
        using var content = new StreamContent(new UnknownLengthStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Assert.Null(content.Headers.ContentLength);

        var (answer, mediaType) = await SendAsync(Finance(), CentralEntrustments, content);

        AssertProblem(answer, mediaType, 413, slug: null);
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData(Allocations, "VN", "00004")]
    [InlineData(Allocations, "01", "25747")]
    [InlineData(Allocations, "VN", "VN")]
    [InlineData(Allocations, "01", "01")]
    [InlineData(Allocations, "01", "79")]
    [InlineData(Allocations, "00004", "01")]
    [InlineData(Recalls, "00004", "VN")]
    [InlineData(Recalls, "25747", "01")]
    [InlineData(Recalls, "VN", "01")]
    [InlineData(Recalls, "79", "01")]
    public async Task Moving_capital_between_localities_that_are_not_parent_and_direct_child_is_400_not_a_direct_child(
        string route, string from, string to)
    {
        await SeedAsync();
        await AllocateAsync("01", "00004", 100_000_000);
        var before = await Service.EventCountAsync();
        var body = ValidBody(route);
        body["from"] = from;
        body["to"] = to;

        var (answer, mediaType) = await SendAsync(Finance(), route, body.ToJsonString());

        AssertProblem(answer, mediaType, 400, "not-a-direct-child");
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData(Allocations, "VN", "01", "central-budget", "general", Seeded - SeededAtHanoi + 1)]
    [InlineData(Allocations, "VN", "01", "central-budget", "poor-households", 1)]
    [InlineData(Allocations, "VN", "01", "mobilised", "general", 1)]
    [InlineData(Allocations, "01", "00004", "central-budget", "general", SeededAtHanoi + 1)]
    [InlineData(Allocations, "01", "00004", "local-budget", "general", 1)]
    [InlineData(Recalls, "01", "VN", "central-budget", "general", SeededAtHanoi + 1)]
    [InlineData(Recalls, "00004", "01", "central-budget", "general", 1)]
    [InlineData(Recalls, "01", "VN", "charity", "students", 1)]
    public async Task A_movement_that_would_take_a_fund_below_zero_is_409_insufficient_funds_and_appends_nothing(
        string route, string from, string to, string source, string programme, long amountVnd)
    {
        await SeedAsync();
        var before = await Service.EventCountAsync();
        var body = ValidBody(route);
        body["from"] = from;
        body["to"] = to;
        body["source"] = source;
        body["programme"] = programme;
        body["amountVnd"] = amountVnd;

        var (answer, mediaType) = await SendAsync(Finance(), route, body.ToJsonString());

        AssertProblem(answer, mediaType, 409, "insufficient-funds");
        Assert.Equal(before, await Service.EventCountAsync());
        var vn = await Finance().GetAnswerAsync("/api/localities/VN/capital");
        Assert.Equal(Seeded, vn.Json.GetProperty("subtree").GetProperty("availableVnd").GetInt64());
    }

    [Fact]
    public async Task Taking_exactly_what_a_fund_holds_leaves_it_at_zero()
    {
        await SeedAsync();
        var body = ValidBody(Recalls);
        body["amountVnd"] = SeededAtHanoi;

        var answer = await Finance().PostJsonAsync(Recalls, body.ToJsonString());

        Assert.True(answer.Status == 200, answer.ToString());
        var hanoi = await Finance().GetAnswerAsync("/api/localities/01/capital");
        Assert.Equal(0, hanoi.Json.GetProperty("own").GetProperty("availableVnd").GetInt64());
    }

    [Fact]
    public async Task A_top_up_dated_before_the_last_movement_of_its_fund_is_409_effective_date_too_early()
    {
        var today = ServiceFixture.Today;
        var first = await Finance().PostJsonAsync(TopUps, TopUp("01", today));
        Assert.True(first.Status == 200, first.ToString());
        var before = await Service.EventCountAsync();

        var (answer, mediaType) = await SendAsync(Finance(), TopUps, TopUp("01", today.AddDays(-1)));

        AssertProblem(answer, mediaType, 409, "effective-date-too-early");
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_top_up_dated_on_the_day_of_the_last_movement_of_its_fund_is_accepted()
    {
        var yesterday = ServiceFixture.Today.AddDays(-1);
        Assert.Equal(200, (await Finance().PostJsonAsync(TopUps, TopUp("01", yesterday))).Status);

        var answer = await Finance().PostJsonAsync(TopUps, TopUp("01", yesterday));

        Assert.True(answer.Status == 200, answer.ToString());
    }

    [Theory]
    [InlineData(Allocations)]
    [InlineData(Recalls)]
    public async Task An_allocation_or_recall_dated_before_the_last_movement_of_either_fund_is_409_effective_date_too_early(string route)
    {
        await SeedAsync();
        // The seed moved both the nation's and Hà Nội's central-budget general funds today.
        var before = await Service.EventCountAsync();
        var body = ValidBody(route);
        body["effectiveOn"] = Iso(ServiceFixture.Today.AddDays(-1));

        var (answer, mediaType) = await SendAsync(Finance(), route, body.ToJsonString());

        AssertProblem(answer, mediaType, 409, "effective-date-too-early");
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task An_allocation_into_a_fund_that_moved_later_than_the_date_is_409_effective_date_too_early()
    {
        // The parent's fund last moved a week ago, the child's today: the child's date rules.
        var weekAgo = ServiceFixture.Today.AddDays(-7);
        Assert.Equal(200, (await Finance().PostJsonAsync(CharityDonations, new
        {
            commandId = Guid.NewGuid(), locality = "VN", amountVnd = 10_000_000, effectiveOn = Iso(weekAgo),
        })).Status);
        Assert.Equal(200, (await Finance().PostJsonAsync(CharityDonations, new
        {
            commandId = Guid.NewGuid(), locality = "01", amountVnd = 10_000_000,
        })).Status);
        var before = await Service.EventCountAsync();

        var (answer, mediaType) = await SendAsync(Finance(), Allocations, JsonSerializer.Serialize(new
        {
            commandId = Guid.NewGuid(), from = "VN", to = "01", source = "charity", programme = "general",
            amountVnd = 1_000_000, effectiveOn = Iso(weekAgo.AddDays(1)),
        }, JsonSerializerOptions.Web));

        AssertProblem(answer, mediaType, 409, "effective-date-too-early");
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData(TopUps, "10")]
    [InlineData(TopUps, "02")]
    [InlineData(CharityDonations, "10")]
    [InlineData(Allocations, "10")]
    public async Task A_movement_into_a_merged_province_is_409_locality_closed_naming_its_successor(string route, string locality)
    {
        await SeedAsync();
        var before = await Service.EventCountAsync();
        var body = ValidBody(route);
        if (route == Allocations) body["to"] = locality;
        else body["locality"] = locality;

        var (answer, mediaType) = await SendAsync(Finance(), route, body.ToJsonString());

        AssertProblem(answer, mediaType, 409, "locality-closed");
        Assert.Equal(locality == "10" ? "15" : "08", answer.Json.GetProperty("successor").GetString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_recall_from_a_merged_province_is_409_locality_closed_naming_its_successor()
    {
        await SeedAsync();
        var before = await Service.EventCountAsync();
        var body = ValidBody(Recalls);
        body["from"] = "10";

        var (answer, mediaType) = await SendAsync(Finance(), Recalls, body.ToJsonString());

        AssertProblem(answer, mediaType, 409, "locality-closed");
        Assert.Equal("15", answer.Json.GetProperty("successor").GetString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("00004")]
    [InlineData("25747")]
    public async Task A_top_up_into_a_commune_dated_before_communes_existed_is_409_locality_closed(string commune)
    {
        var before = await Service.EventCountAsync();

        var (answer, mediaType) = await SendAsync(Finance(), TopUps, TopUp(commune, new DateOnly(2025, 6, 30)));

        AssertProblem(answer, mediaType, 409, "locality-closed");
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_top_up_into_a_commune_on_the_day_communes_began_is_accepted()
    {
        var answer = await Finance().PostJsonAsync(TopUps, TopUp("00004", new DateOnly(2025, 7, 1)));

        Assert.True(answer.Status == 200, answer.ToString());
    }

    [Fact]
    public async Task A_top_up_into_a_merged_province_dated_before_its_merge_is_409_locality_closed_because_its_history_is_frozen()
    {
        var before = await Service.EventCountAsync();

        var (answer, mediaType) = await SendAsync(Finance(), TopUps, TopUp("10", new DateOnly(2025, 6, 30)));

        AssertProblem(answer, mediaType, 409, "locality-closed");
        Assert.Equal("15", answer.Json.GetProperty("successor").GetString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task The_same_command_id_with_another_body_is_409_command_id_reused_and_appends_nothing(string route)
    {
        await SeedAsync();
        var body = ValidBody(route);
        var first = await Finance().PostJsonAsync(route, body.ToJsonString());
        Assert.True(first.Status == 200, first.ToString());
        var before = await Service.EventCountAsync();
        var otherAmount = (JsonObject)body.DeepClone();
        otherAmount["amountVnd"] = 2_000_000;
        var defaultSpelledOut = (JsonObject)body.DeepClone();
        defaultSpelledOut["effectiveOn"] = Iso(ServiceFixture.Today);
        var otherRoute = route == CentralEntrustments ? Mobilisations : CentralEntrustments;
        var otherCommand = ValidBody(otherRoute);
        otherCommand["commandId"] = body["commandId"]!.DeepClone();

        foreach (var (url, reused) in new[] { (route, otherAmount), (route, defaultSpelledOut), (otherRoute, otherCommand) })
        {
            var (answer, mediaType) = await SendAsync(Finance(), url, reused.ToJsonString());

            AssertProblem(answer, mediaType, 409, "command-id-reused");
        }
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Fact]
    public async Task A_refused_command_leaves_its_id_free_for_a_later_attempt()
    {
        var body = ValidBody(Allocations);
        var refused = await Finance().PostJsonAsync(Allocations, body.ToJsonString());
        Assert.Equal("/problems/insufficient-funds", refused.ProblemType);
        await SeedAsync();

        var accepted = await Finance().PostJsonAsync(Allocations, body.ToJsonString());

        Assert.True(accepted.Status == 200, accepted.ToString());
    }

    [Theory]
    [InlineData(Roles.PeopleCommittee, TopUps, "locality")]
    [InlineData(Roles.BranchOfficer, CharityDonations, "locality")]
    [InlineData(Roles.BranchOfficer, Allocations, "to")]
    [InlineData(Roles.BranchOfficer, Recalls, "from")]
    public async Task A_scoped_user_naming_its_commune_on_a_date_before_communes_existed_is_refused_never_500(string role, string route, string field)
    {
        var before = await Service.EventCountAsync();
        var body = ValidBody(route);
        body[field] = "00004";
        if (route is Allocations) body["from"] = "01";
        if (route is Recalls) body["to"] = "01";
        body["effectiveOn"] = "2025-06-30";

        var (answer, mediaType) = await SendAsync(Service.Client(role, "01"), route, body.ToJsonString());

        Assert.True(answer.Status is 403 or 409, $"expected 403 forbidden or 409 locality-closed, got {answer}");
        AssertProblem(answer, mediaType, answer.Status, answer.Status == 403 ? "forbidden" : "locality-closed");
        Assert.Equal(before, await Service.EventCountAsync());
    }

    public static TheoryData<string, string> OddBodies() => new()
    {
        { CentralEntrustments, "{\"commandId\":\"" + Guid.NewGuid() + "\",\"amountVnd\":1e400,\"decisionRef\":\"QD\"}" },
        { CentralEntrustments, "{\"commandId\":\"" + Guid.NewGuid() + "\",\"amountVnd\":100,\"decisionRef\":[\"QD\"]}" },
        { CentralEntrustments, "{\"commandId\":\"" + Guid.NewGuid() + "\",\"amountVnd\":100,\"decisionRef\":\"QD\",\"x\":" + new string('[', 200) + new string(']', 200) + "}" },
        { CentralEntrustments, "{\"commandId\":null,\"amountVnd\":null,\"programme\":null,\"decisionRef\":null,\"effectiveOn\":null}" },
        { CentralEntrustments, "{}" },
        { TopUps, "{\"commandId\":\"" + Guid.NewGuid() + "\",\"locality\":\"01/central-budget\",\"amountVnd\":100,\"decisionRef\":\"QD\"}" },
        { TopUps, "{\"commandId\":\"" + Guid.NewGuid() + "\",\"locality\":\"" + new string('9', 5000) + "\",\"amountVnd\":100,\"decisionRef\":\"QD\"}" },
        { TopUps, "{\"commandId\":\"" + Guid.NewGuid() + "\",\"locality\":{\"code\":\"01\"},\"amountVnd\":100,\"decisionRef\":\"QD\"}" },
        { Allocations, "{\"commandId\":\"" + Guid.NewGuid() + "\",\"from\":\"VN\",\"to\":\"01\",\"source\":\"central-budget\",\"programme\":\"general\",\"amountVnd\":100,\"effectiveOn\":\"0000-01-01\"}" },
        { Allocations, "{\"commandId\":\"" + Guid.NewGuid() + "\",\"from\":\"VN\",\"to\":\"01\",\"source\":\"central-budget\",\"programme\":\"general\",\"amountVnd\":100,\"effectiveOn\":\"9999-12-31\"}" },
    };

    [Theory]
    [MemberData(nameof(OddBodies))]
    public async Task Odd_json_is_400_validation_never_500(string route, string body)
    {
        var before = await Service.EventCountAsync();

        var (answer, mediaType) = await SendAsync(Finance(), route, body);

        AssertProblem(answer, mediaType, 400, "validation");
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("decisionRef", "\"\\ud800\"")]
    [InlineData("decisionRef", "\"\\udfff and more\"")]
    [InlineData("\\ud800", "1")]
    public async Task Json_text_with_a_lone_surrogate_escape_is_400_validation_never_500(string field, string value)
    {
        var before = await Service.EventCountAsync();
        var body = "{\"commandId\":\"" + Guid.NewGuid() + "\",\"amountVnd\":100,\"decisionRef\":\"QD\",\"" + field + "\":" + value + "}";

        var (answer, mediaType) = await SendAsync(Finance(), CentralEntrustments, body);

        AssertProblem(answer, mediaType, 400, "validation");
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData(CentralEntrustments, "decisionRef")]
    [InlineData(Recalls, "reason")]
    [InlineData(CharityDonations, "donor")]
    public async Task Text_holding_a_nul_character_which_postgresql_cannot_store_is_400_validation_never_500(string route, string field)
    {
        await SeedAsync();
        var before = await Service.EventCountAsync();
        var body = ValidBody(route);
        body[field] = "QD\u0000-1";

        var (answer, mediaType) = await SendAsync(Finance(), route, body.ToJsonString());

        AssertProblem(answer, mediaType, 400, "validation");
        Assert.True(answer.Json.GetProperty("errors").TryGetProperty(field, out _), answer.ToString());
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Bytes_that_are_not_utf8_are_400_validation_never_500(bool inAPropertyName)
    {
        var before = await Service.EventCountAsync();
        byte[] invalid = [0xC3, 0x28, 0xFF];
        byte[] body =
        [
            .. Encoding.UTF8.GetBytes("{\"commandId\":\"" + Guid.NewGuid() + "\",\"amountVnd\":100,"),
            .. inAPropertyName
                ? [.. Encoding.UTF8.GetBytes("\"decisionRef\":\"QD\",\""), .. invalid, .. Encoding.UTF8.GetBytes("\":1}")]
                : (byte[])[.. Encoding.UTF8.GetBytes("\"decisionRef\":\"QD-"), .. invalid, .. Encoding.UTF8.GetBytes("\"}")],
        ];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var (answer, mediaType) = await SendAsync(Finance(), CentralEntrustments, content);

        AssertProblem(answer, mediaType, 400, "validation");
        Assert.Equal(before, await Service.EventCountAsync());
    }

    [Theory]
    [InlineData("/api/localities/01/capital?asOf=yesterday", 400)]
    [InlineData("/api/localities/01/capital?asOf=2025-02-30", 400)]
    [InlineData("/api/localities/01/capital?asOf=9999-12-31", 400)]
    [InlineData("/api/localities/01/capital?knownAt=soon", 400)]
    [InlineData("/api/localities/01/allocations?asOf=2025-13-01", 400)]
    [InlineData("/api/localities/ZZ/capital", 404)]
    [InlineData("/api/localities/%20/capital", 404)]
    [InlineData("/api/localities/01%2Fcentral-budget/capital", 404)]
    [InlineData("/api/capital/summary?asOf=31-12-2025", 400)]
    [InlineData("/api/capital/summary?knownAt=not-an-instant", 400)]
    [InlineData("/api/localities?level=district", 400)]
    [InlineData("/api/localities?status=closed", 400)]
    [InlineData("/api/localities?knownAt=soon", 400)]
    [InlineData("/api/localities/01?knownAt=soon", 400)]
    [InlineData("/api/localities?asOf=2025-06-31", 400)]
    [InlineData("/api/localities/01?asOf=01-07-2025", 400)]
    public async Task Odd_query_parameters_are_refused_with_a_problem_never_500(string url, int status)
    {
        var cancel = TestContext.Current.CancellationToken;
        using var response = await Finance().GetAsync(url, cancel);
        var body = await response.Content.ReadAsStringAsync(cancel);

        Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private HttpClient Finance() => Service.Client(Roles.CentralFinance);

    /// <summary>The nation holds <see cref="Seeded"/> central-budget general capital, of which Hà Nội holds <see cref="SeededAtHanoi"/>.</summary>
    private async Task SeedAsync()
    {
        var entrusted = await Finance().PostJsonAsync(CentralEntrustments, new { commandId = Guid.NewGuid(), amountVnd = Seeded, decisionRef = "QD-SEED" });
        Assert.True(entrusted.Status == 200, entrusted.ToString());
        await AllocateAsync("VN", "01", SeededAtHanoi);
    }

    private async Task AllocateAsync(string from, string to, long amountVnd)
    {
        var answer = await Finance().PostJsonAsync(Allocations, new
        {
            commandId = Guid.NewGuid(), from, to, source = "central-budget", programme = "general", amountVnd,
        });
        Assert.True(answer.Status == 200, answer.ToString());
    }

    /// <summary>A body each route accepts after the seed: every test below changes one thing in it.</summary>
    private static JsonObject ValidBody(string route) => route switch
    {
        CentralEntrustments => new() { ["commandId"] = Guid.NewGuid(), ["amountVnd"] = 1_000_000, ["decisionRef"] = "QD-1" },
        Mobilisations => new() { ["commandId"] = Guid.NewGuid(), ["amountVnd"] = 1_000_000, ["instrument"] = "deposits", ["reference"] = "TG-1" },
        TopUps => new() { ["commandId"] = Guid.NewGuid(), ["locality"] = "01", ["amountVnd"] = 1_000_000, ["decisionRef"] = "QD-UBND-1" },
        CharityDonations => new() { ["commandId"] = Guid.NewGuid(), ["locality"] = "01", ["amountVnd"] = 1_000_000, ["donor"] = "Quỹ Vì người nghèo" },
        Allocations => new()
        {
            ["commandId"] = Guid.NewGuid(), ["from"] = "VN", ["to"] = "01", ["source"] = "central-budget", ["programme"] = "general",
            ["amountVnd"] = 1_000_000,
        },
        Recalls => new()
        {
            ["commandId"] = Guid.NewGuid(), ["from"] = "01", ["to"] = "VN", ["source"] = "central-budget", ["programme"] = "general",
            ["amountVnd"] = 1_000_000, ["reason"] = "Unused",
        },
        _ => throw new ArgumentOutOfRangeException(nameof(route), route, "not a command route"),
    };

    private static string TopUp(string locality, DateOnly effectiveOn) => JsonSerializer.Serialize(new
    {
        commandId = Guid.NewGuid(), locality, amountVnd = 1_000_000, decisionRef = "QD-UBND", effectiveOn = Iso(effectiveOn),
    }, JsonSerializerOptions.Web);

    private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The body with an unknown member padded so that the whole is exactly <paramref name="bytes"/> bytes of UTF-8.</summary>
    /// <summary>The body padded with white space after its last member (a member the command lacks would be refused).</summary>
    private static string PaddedTo(JsonObject body, int bytes)
    {
        var json = body.ToJsonString();
        return json[..^1] + new string(' ', bytes - Encoding.UTF8.GetByteCount(json)) + "}";
    }

    private static void AssertProblem(Answer answer, string? mediaType, int status, string? slug)
    {
        Assert.True(answer.Status == status, $"expected {status}, got {answer}");
        Assert.Equal("application/problem+json", mediaType);
        Assert.Equal(status, answer.Json.GetProperty("status").GetInt32());
        if (slug is not null) Assert.Equal($"/problems/{slug}", answer.ProblemType);
    }

    private static async Task<(Answer Answer, string? MediaType)> SendAsync(
        HttpClient client, string url, string body, string? contentType = "application/json")
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await SendAsync(client, url, content);
    }

    private static async Task<(Answer Answer, string? MediaType)> SendAsync(HttpClient client, string url, HttpContent content)
    {
        using var response = await client.PostAsync(url, content);
        return (new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync()),
            response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A readable stream that does not tell its length, so the request goes without Content-Length.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
