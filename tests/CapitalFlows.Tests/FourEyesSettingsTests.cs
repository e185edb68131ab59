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
            .ToDictionary(p => "/" + p.Route!.TrimStart('/'), p => p.Method.GetParameters().Select(x => x.ParameterType).ToList());

        Assert.Equal(7, HeldCommands.ByRoute.Count);
        foreach (var (route, held) in HeldCommands.ByRoute)
        {
            Assert.True(posts.TryGetValue(route, out var parameterTypes), $"No endpoint posts to {route}");
            Assert.Contains(held.CommandType, parameterTypes);
        }
    }

    [Fact]
    public void A_held_write_off_knows_its_loan_from_the_path_it_was_sent_to()
    {
        var held = HeldCommands.ByRoute["/api/loans/{loanId}/write-offs"];

        var values = held.RouteValuesOf("/api/loans/3d6f0a1b-9c2e-4d7f-8a5b-6c1e2f3a4b5d/write-offs");

        Assert.Equal("3d6f0a1b-9c2e-4d7f-8a5b-6c1e2f3a4b5d", values["loanId"]);
    }
}
