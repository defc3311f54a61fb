using Research.Experiments;

namespace Research.Tests.Experiments;

/// <summary>What each statistic says when its input cannot give an answer.</summary>
public class StatisticsErrorTests
{
    public static TheoryData<string> Correlations => new("pearson", "spearman", "kendall");

    private static double Correlate(string which, double[] x, double[] y) => which switch
    {
        "pearson" => Statistics.Pearson(x, y),
        "spearman" => Statistics.Spearman(x, y),
        _ => Statistics.KendallTauB(x, y),
    };

    [Theory, MemberData(nameof(Correlations))]
    public void A_length_mismatch_names_both_lengths(string which)
    {
        var e = Assert.Throws<ArgumentException>(() => Correlate(which, [1, 2, 3], [1, 2]));
        Assert.Contains("x has 3 values and y has 2", e.Message);
    }

    [Theory, MemberData(nameof(Correlations))]
    public void Fewer_than_two_values_throws(string which)
    {
        var e = Assert.Throws<ArgumentException>(() => Correlate(which, [1], [2]));
        Assert.Contains("x has 1 values and y has 1", e.Message);
        Assert.Contains("at least 2", e.Message);
    }

    [Theory, MemberData(nameof(Correlations))]
    public void A_constant_side_gives_NaN(string which)
    {
        Assert.True(double.IsNaN(Correlate(which, [2, 2, 2], [1, 2, 3])));
        Assert.True(double.IsNaN(Correlate(which, [1, 2, 3], [-4, -4, -4])));
    }

    [Fact]
    public void A_NaN_value_names_its_index()
    {
        Assert.Contains("values[2] is NaN", Assert.Throws<ArgumentException>(() => Statistics.Ranks([1, 2, double.NaN])).Message);
        Assert.Contains("values[0] is NaN", Assert.Throws<ArgumentException>(() => Statistics.CompetitionRanks([double.NaN, 1])).Message);
        Assert.Contains("y[1] is NaN", Assert.Throws<ArgumentException>(() => Statistics.Pearson([1, 2], [3, double.NaN])).Message);
    }

    [Fact]
    public void Paired_comparison_names_the_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => PairedComparison.Of([1, 2, 3], [1, 2]));
        Assert.Contains("a has 3 values and b has 2", e.Message);
        Assert.Contains("a has 1 values and b has 1", Assert.Throws<ArgumentException>(() => PairedComparison.Of([1], [1])).Message);
    }

    [Fact]
    public void Too_few_shared_seeds_names_the_seeds()
    {
        var a = new Dictionary<int, double> { [0] = 0.9, [1] = 0.8 };
        var b = new Dictionary<int, double> { [1] = 0.7, [2] = 0.6 };
        var e = Assert.Throws<ArgumentException>(() => PairedComparison.Paired(a, b));
        Assert.Contains("shared: [1], a has [0, 1], b has [1, 2]", e.Message);
    }

    [Theory]
    [InlineData(0.0, 3.0)]
    [InlineData(1.0, 3.0)]
    [InlineData(0.5, 0.0)]
    [InlineData(0.5, double.NaN)]
    public void The_t_quantile_rejects_p_outside_the_open_interval_and_non_positive_df(double p, double df) =>
        Assert.ThrowsAny<ArgumentException>(() => Statistics.StudentTQuantile(p, df));
}
