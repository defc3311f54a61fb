using Research.Data;

namespace Research.Tests.Data;

/// <summary>Each rank's share of an epoch, against what <c>torch.utils.data.DistributedSampler(range(n), R, r,
/// shuffle=False, drop_last=...)</c> gives in PyTorch 1.13, and the loader serving it.</summary>
public sealed class DistributedSamplerTests
{
    [Theory]
    // Lists printed by PyTorch 1.13's DistributedSampler for these n, R and drop_last.
    [InlineData(10, 3, false, "0,3,6,9|1,4,7,0|2,5,8,1")]
    [InlineData(10, 3, true, "0,3,6|1,4,7|2,5,8")]
    [InlineData(2, 3, false, "0|1|0")]
    public void Shards_MatchPyTorchsPaddingAndDropLast(int n, int replicas, bool dropLast, string expected)
    {
        var order = Enumerable.Range(0, n).ToArray();
        var shards = Enumerable.Range(0, replicas).Select(r => string.Join(",", new DistributedSampler(replicas, r, dropLast).Shard(order)));
        Assert.Equal(expected, string.Join("|", shards));
    }

    [Fact]
    public void LoaderShards_AreDisjoint_CoverTheEpoch_AndReshufflePerEpoch()
    {
        var data = Datasets.Load("stripes", Split.Train).Fraction(0.0625, 0);   // 512 images: 256 per rank
        DataLoader Rank(int r) => new(data, new LoaderOptions { BatchSize = 16, Seed = 7, Sampler = new DistributedSampler(2, r) });
        var (a, b) = (Rank(0), Rank(1));
        Assert.Equal(512, data.Count);
        Assert.Equal(256, a.SamplesPerEpoch);
        Assert.Equal(16, a.BatchesPerEpoch);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var (oa, ob) = (a.EpochOrder(epoch), b.EpochOrder(epoch));
            Assert.Empty(oa.Intersect(ob));
            Assert.Equal(Enumerable.Range(0, data.Count), oa.Concat(ob).Order());
        }
        Assert.NotEqual(a.EpochOrder(0), a.EpochOrder(1));
        // Interleaved, the two shards are the one-process order of the same seed.
        var whole = new DataLoader(data, new LoaderOptions { BatchSize = 32, Seed = 7 }).EpochOrder(0);
        Assert.Equal(whole, a.EpochOrder(0).Zip(b.EpochOrder(0), (x, y) => new[] { x, y }).SelectMany(p => p));
    }

    [Fact]
    public void BadRank_IsNamed()
    {
        var data = Datasets.Load("stripes", Split.Train).Fraction(0.05, 0);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, new LoaderOptions { Sampler = new DistributedSampler(2, 2) }));
        Assert.Contains("Rank 2 is outside 0..1", error.Message);
    }
}
