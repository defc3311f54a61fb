using Research.Experiments;

namespace Research.Tests.Experiments;

/// <summary>Every statistic against SciPy's value for the same fixed inputs (ties, constant sides, negative
/// values, a 1e6 offset, n = 2..12).</summary>
public class StatisticsTests
{
    private const double Tolerance = 1e-10, IntervalTolerance = 1e-9;

    [Theory]
    [MemberData(nameof(StatisticsGolden.CaseNames), MemberType = typeof(StatisticsGolden))]
    public void Ranks_match_rankdata(string name)
    {
        var c = StatisticsGolden.Case(name);
        foreach (var side in new[] { "x", "y" })
        {
            var values = c.Numbers(side);
            var expected = c.GetProperty("ranks_" + side);
            Assert.Equal(expected.Numbers("average"), Statistics.Ranks(values));
            Assert.Equal(expected.Integers("min_descending"), Statistics.CompetitionRanks(values));
            Assert.Equal(expected.Integers("min_ascending"), Statistics.CompetitionRanks(values, descending: false));
        }
    }

    [Theory]
    [MemberData(nameof(StatisticsGolden.CaseNames), MemberType = typeof(StatisticsGolden))]
    public void Correlations_match_scipy(string name)
    {
        var c = StatisticsGolden.Case(name);
        double[] x = c.Numbers("x"), y = c.Numbers("y");
        StatisticsGolden.Close(c.Number("pearson"), Statistics.Pearson(x, y), Tolerance, $"{name} pearson");
        StatisticsGolden.Close(c.Number("spearman"), Statistics.Spearman(x, y), Tolerance, $"{name} spearman");
        StatisticsGolden.Close(c.Number("kendall_tau_b"), Statistics.KendallTauB(x, y), Tolerance, $"{name} kendall");
    }

    [Theory]
    [MemberData(nameof(StatisticsGolden.CaseNames), MemberType = typeof(StatisticsGolden))]
    public void Paired_intervals_match_ttest_rel(string name)
    {
        var c = StatisticsGolden.Case(name);
        foreach (var e in c.GetProperty("paired").EnumerateArray())
        {
            double confidence = e.Number("confidence");
            var ours = PairedComparison.Of(c.Numbers("x"), c.Numbers("y"), confidence);
            string what = $"{name} at {confidence}";
            Assert.Equal(c.Numbers("x").Length, ours.N);
            Assert.Equal(confidence, ours.Confidence);
            StatisticsGolden.Close(e.Number("mean"), ours.MeanDifference, IntervalTolerance, what + " mean");
            StatisticsGolden.Close(e.Number("std"), ours.StdDifference, IntervalTolerance, what + " std");
            StatisticsGolden.Close(e.Number("low"), ours.Low, IntervalTolerance, what + " low");
            StatisticsGolden.Close(e.Number("high"), ours.High, IntervalTolerance, what + " high");
            // ttest_rel's own interval carries t.ppf's ~5e-9 error (see the quantile test).
            StatisticsGolden.Close(e.Number("ttest_rel_low"), ours.Low, 1e-7, what + " ttest_rel low");
            StatisticsGolden.Close(e.Number("ttest_rel_high"), ours.High, 1e-7, what + " ttest_rel high");
        }
    }

    /// <summary>Against the root of SciPy's t CDF to 1e-10 relative (we reach about 1e-14), and against
    /// SciPy's own <c>t.ppf</c> to 1e-8 only, since SciPy 1.10's stdtrit is accurate to about 5e-9 (the
    /// script's header shows it on df = 1, where the quantile is a tangent).</summary>
    [Theory]
    [InlineData("t", Tolerance)]
    [InlineData("t_ppf", 1e-8)]
    public void T_quantiles_match_scipy_relatively(string reference, double tolerance)
    {
        var failures = new List<string>();
        foreach (var q in StatisticsGolden.Quantiles)
        {
            double p = q.Number("p"), df = q.Number("df"), expected = q.Number(reference);
            double actual = Statistics.StudentTQuantile(p, df);
            // The floor admits t.ppf's 7e-17 at p = 0.5, where the quantile is exactly 0.
            if (!(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected) + 1e-15))
                failures.Add($"p={p} df={df}: expected {expected:R}, got {actual:R}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Constant_differences_give_a_zero_width_interval_at_the_mean()
    {
        var c = PairedComparison.Of([1.0, 2.0, 3.0], [0.5, 1.5, 2.5]);
        Assert.Equal((0.5, 0.5, 0.0, 0.0), (c.Low, c.High, c.Width, c.StdDifference));
    }

    [Fact]
    public void Paired_uses_only_the_seeds_both_arms_have()
    {
        var a = new Dictionary<int, double> { [0] = 0.90, [1] = 0.92, [2] = 0.91, [7] = 0.5 };
        var b = new Dictionary<int, double> { [2] = 0.89, [0] = 0.88, [1] = 0.91, [9] = 0.99 };
        Assert.Equal(PairedComparison.Of([0.90, 0.92, 0.91], [0.88, 0.91, 0.89]), PairedComparison.Paired(a, b));
    }

    [Fact]
    public void Format_signs_and_scales()
    {
        var c = new PairedComparison(0.0123, 0.004, 5, 0.0045, 0.0201, 0.95);
        Assert.Equal("+1.23 [+0.45, +2.01] (95% t, n=5)", c.Format(scale: 100));
        Assert.Equal("-0.5 [-1.0, +0.0] (90% t, n=3)", new PairedComparison(-0.5, 0.2, 3, -1, 0, 0.9).Format("0.0"));
        Assert.Equal("paired Student t", c.Method);
    }
}
