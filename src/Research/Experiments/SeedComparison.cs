namespace Research.Experiments;

/// <summary>A notebook's closing question in one call: arm A against arm B, paired over the seeds both ran, judged
/// against the paper's difference for the same comparison.</summary>
public static class SeedComparison
{
    /// <summary>The <see cref="Verdict"/> of <paramref name="a"/> − <paramref name="b"/> on <paramref name="metric"/>
    /// (accuracies in [0, 1] by default, so <paramref name="scale"/> 100 turns them into the paper's points). With
    /// fewer than 2 shared seeds there is no interval: the verdict is inconclusive, its interval unbounded, and its
    /// reason says so, so a smoke run's closing cell still runs.</summary>
    public static Verdict Against<TConfig>(this ConfigResult<TConfig> a, ConfigResult<TConfig> b, double paperDifference,
        string metric = "test_acc", double scale = 100) =>
        Against(a.BySeed(metric), b.BySeed(metric), paperDifference, scale);

    /// <summary>The same verdict for two metrics given by seed (<see cref="MeanBySeed"/> of several configurations, or
    /// two metrics of one run such as a student against its teacher).</summary>
    public static Verdict Against(IReadOnlyDictionary<int, double> bySeedA, IReadOnlyDictionary<int, double> bySeedB, double paperDifference,
        double scale = 100)
    {
        var shared = bySeedA.Keys.Where(bySeedB.ContainsKey).Order().ToArray();
        if (shared.Length >= 2) return Verdict.Of(PairedComparison.Paired(bySeedA, bySeedB), paperDifference, scale);
        double mean = shared.Length == 1 ? bySeedA[shared[0]] - bySeedB[shared[0]] : double.NaN;
        var unbounded = new PairedComparison(mean, double.NaN, shared.Length, double.NegativeInfinity, double.PositiveInfinity, 0.95);
        return new Verdict(Agreement.Inconclusive, unbounded, paperDifference,
            $"{shared.Length} shared seed(s): no interval without at least 2") { Scale = scale };
    }

    /// <summary><paramref name="metric"/> averaged over <paramref name="configs"/>, by seed, for the seeds every
    /// configuration ran: a claim averaged over settings (a paper's mean over datasets) compared seed by seed.</summary>
    public static IReadOnlyDictionary<int, double> MeanBySeed<TConfig>(IEnumerable<ConfigResult<TConfig>> configs, string metric)
    {
        var bySeed = configs.Select(c => c.BySeed(metric)).ToList();
        if (bySeed.Count == 0) return new Dictionary<int, double>();
        return bySeed[0].Keys.Where(s => bySeed.All(d => d.ContainsKey(s))).Order().ToDictionary(s => s, s => bySeed.Average(d => d[s]));
    }
}
