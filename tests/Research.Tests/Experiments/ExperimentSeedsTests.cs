using Research.Experiments;

namespace Research.Tests.Experiments;

/// <summary>Given a budget's seeds, <c>RESEARCH_SEED_LIMIT</c> keeps the first N and <c>RESEARCH_SEED_SHARD=k/n</c> a
/// process's share, so that n processes together run every seed once; a malformed value is named.</summary>
public sealed class ExperimentSeedsTests
{
    private static readonly int[] Ten = Enumerable.Range(0, 10).ToArray();

    [Fact]
    public void Nothing_set_is_every_seed_and_a_limit_is_the_first_ones()
    {
        Assert.Equal(Ten, Experiment.SelectSeeds(Ten, null, null));
        Assert.Equal([0, 1, 2], Experiment.SelectSeeds(Ten, "3", ""));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void The_shards_of_a_grid_cover_each_seed_once(int processes)
    {
        var shares = Enumerable.Range(0, processes).Select(k => Experiment.SelectSeeds(Ten, null, $"{k}/{processes}")).ToList();
        Assert.Equal(Ten, shares.SelectMany(s => s).Order());
        Assert.All(shares, s => Assert.InRange(s.Length, Ten.Length / processes, Ten.Length / processes + 1));
    }

    [Fact]
    public void A_shard_is_taken_within_the_limit()
    {
        Assert.Equal([1, 3], Experiment.SelectSeeds(Ten, "4", "1/2"));
    }

    [Theory]
    [InlineData("2/2")]
    [InlineData("1")]
    [InlineData("-1/2")]
    [InlineData("a/b")]
    [InlineData("0/0")]
    public void A_malformed_shard_is_named(string shard)
    {
        var error = Assert.Throws<ArgumentException>(() => Experiment.SelectSeeds(Ten, null, shard));
        Assert.Contains($"RESEARCH_SEED_SHARD: '{shard}'", error.Message);
    }

    [Fact]
    public void A_malformed_limit_is_named()
    {
        var error = Assert.Throws<ArgumentException>(() => Experiment.SelectSeeds(Ten, "0", null));
        Assert.Contains("RESEARCH_SEED_LIMIT: '0'", error.Message);
    }
}
