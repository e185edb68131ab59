using CapitalFlows.Api;
using CapitalFlows.Engine;

namespace CapitalFlows.Tests;

public sealed class CanonicalJsonTests
{
    [Fact]
    public void Key_order_and_white_space_do_not_change_a_command_body() =>
        Assert.Equal(
            CanonicalJson.HashOf("""{"commandId":"a","amountVnd":5}"""),
            CanonicalJson.HashOf("""{ "amountVnd": 5,  "commandId": "a" }"""));

    [Fact]
    public void An_omitted_field_is_not_the_same_as_a_field_given_its_default() =>
        Assert.NotEqual(
            CanonicalJson.HashOf("""{"commandId":"a","amountVnd":5}"""),
            CanonicalJson.HashOf("""{"commandId":"a","amountVnd":5,"programme":"general"}"""));

    [Fact]
    public void The_hash_is_SHA_256_of_the_route_a_new_line_and_the_body_with_its_keys_in_order_so_records_kept_before_still_match()
    {
        using var body = System.Text.Json.JsonDocument.Parse("""{ "b": [1, {"d": 2, "c": "x"}], "a": null }""");

        var expected = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes("/api/allocations\n" + """{"a":null,"b":[1,{"c":"x","d":2}]}""")));

        Assert.Equal(expected, CanonicalJson.Hash(body.RootElement, "/api/allocations"));
    }
}
