using Research.Experiments;

namespace Research.Tests.Experiments;

public sealed class SeedComparisonTests
{
    private static RunRecord Run(int seed, double acc) =>
        new("k" + seed, "i" + seed, "exp", new(), seed, "full", "build", new() { ["test_acc"] = acc }, null, 0, DateTime.UnixEpoch);

    [Fact]
    public void Against_PairsTheSharedSeeds_AndJudgesThemByTheVerdictRule()
    {
        var a = new ConfigResult<string>("a", [Run(0, 0.80), Run(1, 0.82), Run(2, 0.81), Run(3, 0.90)]);
        var b = new ConfigResult<string>("b", [Run(0, 0.78), Run(1, 0.79), Run(2, 0.79)]);
        var verdict = a.Against(b, paperDifference: 2.2);
        Assert.Equal(3, verdict.Ours.N);   // seed 3 has no partner
        Assert.Equal(PairedComparison.Of([0.80, 0.82, 0.81], [0.78, 0.79, 0.79]), verdict.Ours);
        Assert.Equal(Verdict.Of(verdict.Ours, 2.2, 100).Agreement, verdict.Agreement);
    }

    [Fact]
    public void Against_WithOneSeed_IsInconclusiveAndUnbounded()
    {
        var verdict = new ConfigResult<string>("a", [Run(0, 0.8)]).Against(new ConfigResult<string>("b", [Run(0, 0.7)]), 1.1);
        Assert.Equal(Agreement.Inconclusive, verdict.Agreement);
        Assert.Equal(0.1, verdict.Ours.MeanDifference, 12);
        Assert.True(double.IsPositiveInfinity(verdict.Ours.Width));
        Assert.False(verdict.NarrowerThanPaperGap);
        Assert.Contains("1 shared seed", verdict.Reason);
    }

    [Fact]
    public void MeanBySeed_AveragesTheConfigurations_OverTheSeedsAllOfThemRan()
    {
        var configs = new[]
        {
            new ConfigResult<string>("h=0.2", [Run(0, 0.50), Run(1, 0.60), Run(2, 0.70)]),
            new ConfigResult<string>("h=0.8", [Run(0, 0.90), Run(1, 0.80)]),
        };
        var mean = SeedComparison.MeanBySeed(configs, "test_acc");
        Assert.Equal([0, 1], mean.Keys);
        Assert.Equal(0.70, mean[0], 12);
        Assert.Equal(0.70, mean[1], 12);
        Assert.Empty(SeedComparison.MeanBySeed(Array.Empty<ConfigResult<string>>(), "test_acc"));
    }

    [Fact]
    public void Against_BySeed_IsTheConfigResultsVerdict()
    {
        var a = new ConfigResult<string>("a", [Run(0, 0.80), Run(1, 0.83), Run(2, 0.81)]);
        var b = new ConfigResult<string>("b", [Run(0, 0.78), Run(1, 0.79), Run(2, 0.79)]);
        Assert.Equal(a.Against(b, 2.2), SeedComparison.Against(a.BySeed("test_acc"), b.BySeed("test_acc"), 2.2));
        Assert.Equal(Agreement.Inconclusive, SeedComparison.Against(new Dictionary<int, double> { [0] = 0.8 }, new Dictionary<int, double> { [0] = 0.7 }, 1.1).Agreement);
    }

    [Fact]
    public void Against_ValuesBySeed_PairsTheSharedSeeds()
    {
        var a = new Dictionary<int, double> { [0] = 0.5, [1] = 0.6, [2] = 0.7 };
        var b = new Dictionary<int, double> { [0] = 0.4, [1] = 0.45, [3] = 0.9 };
        var verdict = SeedComparison.Against(a, b, paperDifference: 10);
        Assert.Equal(2, verdict.Ours.N);
        Assert.Equal(0.125, verdict.Ours.MeanDifference, 12);
        Assert.Equal(Agreement.Inconclusive, SeedComparison.Against(a, new Dictionary<int, double> { [0] = 0.4 }, 10).Agreement);
    }
}
