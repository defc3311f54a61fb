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

    /// <summary>The same for values by seed that no single run holds, such as a relative drop computed from two runs
    /// of each seed: <paramref name="byA"/>[s] − <paramref name="byB"/>[s] over the seeds both have, inconclusive and
    /// unbounded below two.</summary>
    public static Verdict Against(IReadOnlyDictionary<int, double> byA, IReadOnlyDictionary<int, double> byB, double paperDifference, double scale = 100)
    {
        var shared = byA.Keys.Where(byB.ContainsKey).Order().ToArray();
        if (shared.Length >= 2) return Verdict.Of(PairedComparison.Paired(byA, byB), paperDifference, scale);
        double mean = shared.Length == 1 ? byA[shared[0]] - byB[shared[0]] : double.NaN;
        var unbounded = new PairedComparison(mean, double.NaN, shared.Length, double.NegativeInfinity, double.PositiveInfinity, 0.95);
        return new Verdict(Agreement.Inconclusive, unbounded, paperDifference,
            $"{shared.Length} shared seed(s): no interval without at least 2") { Scale = scale };
    }
}
