namespace Research.Experiments;

/// <summary>The statistics a seed study and a paper comparison need (ranks, correlations, the t quantile),
/// each matching its SciPy counterpart so a number in a notebook means what the same number means in the
/// papers' own Python analyses; <c>tests/golden/statistics.py</c> holds the oracle.</summary>
public static partial class Statistics
{
    /// <summary>1-based ranks in ascending order, tied values sharing the average of the ranks they span
    /// (<c>scipy.stats.rankdata(method="average")</c>): the form Spearman's correlation needs, since giving
    /// ties distinct ranks would invent an order the data does not have.</summary>
    /// <exception cref="ArgumentException">A value is NaN (the message names its index): NaN has no place in
    /// an order, and SciPy's answer (all NaN) would hide which run failed.</exception>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        var ranks = new double[values.Count];
        foreach (var (order, start, end) in TieGroups(values, descending: false))
            for (int i = start; i < end; i++) ranks[order[i]] = (start + 1 + end) / 2.0;
        return ranks;
    }

    /// <summary>Competition ("1224") ranks, 1 = best: tied values share the best rank of their group and the
    /// next value skips the ranks they used, the convention of the papers' leaderboard tables.
    /// <paramref name="descending"/> (the default) ranks the largest value 1, as for accuracies; it equals
    /// <c>scipy.stats.rankdata(-x, method="min")</c>, and <c>rankdata(x, method="min")</c> otherwise.</summary>
    /// <exception cref="ArgumentException">A value is NaN (the message names its index).</exception>
    public static int[] CompetitionRanks(IReadOnlyList<double> values, bool descending = true)
    {
        var ranks = new int[values.Count];
        foreach (var (order, start, end) in TieGroups(values, descending))
            for (int i = start; i < end; i++) ranks[order[i]] = start + 1;
        return ranks;
    }

    /// <summary>The indices of <paramref name="values"/> sorted by value, and each run [start, end) of equal
    /// values in that order.</summary>
    private static IEnumerable<(int[] Order, int Start, int End)> TieGroups(IReadOnlyList<double> values, bool descending)
    {
        RequireNoNaN(values, "values");
        var order = Enumerable.Range(0, values.Count).ToArray();
        Array.Sort(order, (i, j) => descending ? values[j].CompareTo(values[i]) : values[i].CompareTo(values[j]));
        for (int start = 0, end; start < order.Length; start = end)
        {
            for (end = start + 1; end < order.Length && values[order[end]] == values[order[start]]; end++) { }
            yield return (order, start, end);
        }
    }

    internal static void RequireNoNaN(IReadOnlyList<double> values, string name)
    {
        for (int i = 0; i < values.Count; i++)
            if (double.IsNaN(values[i])) throw new ArgumentException($"{name}[{i}] is NaN", name);
    }
}
