using System.Reflection;
using CapitalFlows.Approvals;
using Microsoft.Extensions.Configuration;
using Wolverine.Http;

namespace CapitalFlows.Tests;

/// <summary>Four eyes' setting and its registry of held commands.</summary>
public sealed class FourEyesSettingsTests
{
    private static IConfiguration Settings(string? threshold) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Approvals:ThresholdVnd"] = threshold }).Build();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Unset_the_threshold_turns_four_eyes_off(string? threshold) =>
        Assert.Null(FourEyes.ThresholdOf(Settings(threshold)));

    [Fact]
    public void The_threshold_is_a_whole_number_of_dong() =>
        Assert.Equal(100_000_000_000, FourEyes.ThresholdOf(Settings("100000000000")));

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1e11")]
    [InlineData("100 bn")]
    public void A_threshold_that_is_not_a_positive_whole_number_stops_the_start_with_a_clear_message(string threshold)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => FourEyes.ThresholdOf(Settings(threshold)));

        Assert.Contains("Approvals:ThresholdVnd", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>An approval re-runs a held command through its registry entry: it must be the endpoint's own route and record.</summary>
    [Fact]
    public void Every_held_command_is_registered_under_its_endpoints_route_and_command_record()
    {
        var posts = typeof(FourEyes).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Select(m => (Method: m, Route: m.GetCustomAttribute<WolverinePostAttribute>()?.Template))
            .Where(p => p.Route is not null)
            .ToDictionary(p => "/" + p.Route!.TrimStart('/'), p => p.Method.GetParameters()[0].ParameterType);

        Assert.Equal(6, HeldCommands.ByRoute.Count);
        foreach (var (route, held) in HeldCommands.ByRoute)
        {
            Assert.True(posts.TryGetValue(route, out var commandType), $"No endpoint posts to {route}");
            Assert.Equal(commandType, held.CommandType);
        }
    }
}
