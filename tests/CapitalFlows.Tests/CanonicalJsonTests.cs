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
}
