using CapitalFlows.Engine;

namespace CapitalFlows.Tests;

/// <summary>
/// The states a node keeps for deciding a batch before its round trip: a batch takes its streams' states out while it
/// runs, and a state is kept again only if no later one is already there.
/// </summary>
public sealed class StreamStateCacheTests
{
    private sealed record State(string Name);

    [Fact]
    public void A_batch_takes_its_streams_states_out_so_a_batch_that_starts_before_it_keeps_them_again_finds_none()
    {
        var cache = new StreamStateCache(capacity: 10);
        cache.Keep("fund", 4, new State("at 4"));
        cache.Keep("other", 1, new State("other at 1"));

        var first = cache.Take(["fund", "loan"]);
        var second = cache.Take(["fund", "other"]);

        Assert.True(first.TryGet<State>("fund", out var version, out var state));
        Assert.Equal((4, "at 4"), (version, state!.Name));
        Assert.False(first.TryGet<State>("loan", out _, out _));
        Assert.False(second.TryGet<State>("fund", out _, out _));
        Assert.True(second.TryGet<State>("other", out _, out _));

        // The first batch commits and keeps what it left: the next batch finds it.
        cache.Keep("fund", 5, new State("at 5"));
        Assert.True(cache.Take(["fund"]).TryGet<State>("fund", out version, out state));
        Assert.Equal((5, "at 5"), (version, state!.Name));
    }

    [Fact]
    public void A_state_older_than_the_one_kept_is_not_kept_so_commits_kept_out_of_their_order_leave_the_later_one()
    {
        var cache = new StreamStateCache(capacity: 10);

        // The batch that committed version 6 kept its state before the one that committed version 5.
        cache.Keep("fund", 6, new State("at 6"));
        cache.Keep("fund", 5, new State("at 5"));
        cache.Keep("loan", 3, new State("loan at 3"));
        cache.Keep("loan", 2, null);

        var taken = cache.Take(["fund", "loan"]);
        Assert.True(taken.TryGet<State>("fund", out var version, out var state));
        Assert.Equal((6, "at 6"), (version, state!.Name));
        Assert.True(taken.TryGet<State>("loan", out version, out _));
        Assert.Equal(3, version);
    }

    [Fact]
    public void A_stream_forgotten_or_kept_as_gone_is_not_found_and_a_capacity_of_nothing_keeps_nothing()
    {
        var cache = new StreamStateCache(capacity: 10);
        cache.Keep("fund", 2, new State("at 2"));
        cache.Keep("loan", 1, new State("loan at 1"));
        cache.Forget(["fund"]);
        cache.Keep("loan", 1, null);
        var taken = cache.Take(["fund", "loan"]);
        Assert.False(taken.TryGet<State>("fund", out _, out _));
        Assert.False(taken.TryGet<State>("loan", out _, out _));

        var none = new StreamStateCache(capacity: 0);
        none.Keep("fund", 1, new State("at 1"));
        Assert.False(none.Take(["fund"]).TryGet<State>("fund", out _, out _));
    }

    [Fact]
    public void A_peek_finds_a_kept_state_and_leaves_it_for_the_next_batch_but_not_one_a_running_batch_took_out()
    {
        var cache = new StreamStateCache(capacity: 10);
        cache.Keep("loan", 3, new State("loan at 3"));
        cache.Keep("fund", 7, new State("fund at 7"));

        Assert.Equal("loan at 3", cache.Peek<State>("loan")?.Name);
        Assert.True(cache.Take(["loan"]).TryGet<State>("loan", out var version, out _));
        Assert.Equal(3, version);

        // Taken out by a batch that has not kept it again: nothing to peek at, whatever the type asked.
        Assert.Null(cache.Peek<State>("loan"));
        Assert.Null(cache.Peek<string>("fund"));
        Assert.Null(cache.Peek<State>("never kept"));
    }
}
