namespace Research.Experiments;

public static partial class Statistics
{
    /// <summary>Pearson's r (<c>scipy.stats.pearsonr</c>): how linearly our per-model numbers track a paper's.
    /// Computed from centred values (two passes), so a large common offset such as 1e6 + small differences
    /// keeps its digits.</summary>
    /// <returns>NaN when either side has zero variance (all values equal), as SciPy does: r is undefined
    /// there, and a NaN cannot be mistaken for "no correlation" the way 0 could.</returns>
    /// <exception cref="ArgumentException">The lengths differ or are below 2 (the message names both), or a
    /// value is NaN (the message names its index).</exception>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        RequirePairs(x, y, "x", "y");
        if (AllEqual(x) || AllEqual(y)) return double.NaN;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1);
    }

    /// <summary>Spearman's ρ (<c>scipy.stats.spearmanr</c>), the Pearson correlation of the tie-aware
    /// <see cref="Ranks"/>: whether our ordering of models follows a paper's when only the order is trusted.
    /// NaN when either side is constant; throws as <see cref="Pearson"/> does.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        RequirePairs(x, y, "x", "y");
        return Pearson(Ranks(x), Ranks(y));
    }

    /// <summary>Kendall's τ-b (<c>scipy.stats.kendalltau</c>'s default), (concordant − discordant) pairs over
    /// √((n₀ − tiesₓ)(n₀ − ties_y)): the tie correction matters because tables round accuracies and so tie
    /// often. It counts all pairs, O(n²), which is nothing at the tens of models a comparison has.
    /// NaN when either side is constant; throws as <see cref="Pearson"/> does.</summary>
    public static double KendallTauB(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        RequirePairs(x, y, "x", "y");
        if (AllEqual(x) || AllEqual(y)) return double.NaN;
        long score = 0, untiedX = 0, untiedY = 0; // pairs not tied in x, and not tied in y
        for (int i = 1; i < x.Count; i++)
            for (int j = 0; j < i; j++)
            {
                int sx = x[i].CompareTo(x[j]), sy = y[i].CompareTo(y[j]);
                score += Math.Sign(sx) * Math.Sign(sy);
                if (sx != 0) untiedX++;
                if (sy != 0) untiedY++;
            }
        return Math.Clamp(score / Math.Sqrt((double)untiedX * untiedY), -1, 1);
    }

    /// <summary>Checks two paired samples: equal lengths of at least 2 and no NaN, naming what is wrong.</summary>
    internal static void RequirePairs(IReadOnlyList<double> a, IReadOnlyList<double> b, string nameA, string nameB)
    {
        if (a.Count != b.Count || a.Count < 2)
            throw new ArgumentException(
                $"{nameA} has {a.Count} values and {nameB} has {b.Count}; paired statistics need equal lengths of at least 2");
        RequireNoNaN(a, nameA);
        RequireNoNaN(b, nameB);
    }

    private static bool AllEqual(IReadOnlyList<double> values) => values.All(v => v == values[0]);
}
