using Research.Experiments;

namespace Research.Tests.Experiments;

/// <summary>The four branches of <see cref="Verdict"/>'s rule, on hand-built intervals (logic, not numbers).</summary>
public class StatisticsVerdictTests
{
    private static PairedComparison Interval(double low, double high) => new((low + high) / 2, 0.01, 5, low, high, 0.95);

    /// <summary>Intervals in accuracy units, the paper's g in points (scale 100).</summary>
    [Theory]
    [InlineData(0.004, 0.020, 1.1, Agreement.Agrees, "same sign as the paper, and the paper's +1.1 lies in the interval")]
    [InlineData(0.004, 0.020, 3.0, Agreement.Agrees, "same sign as the paper, but the paper's +3.0 lies above the interval")]
    [InlineData(-0.020, -0.004, -0.1, Agreement.Agrees, "same sign as the paper, but the paper's -0.1 lies above the interval")]
    [InlineData(-0.030, -0.010, 1.1, Agreement.Disagrees, "opposite sign: the interval lies wholly on the other side of zero")]
    [InlineData(0.010, 0.030, -1.1, Agreement.Disagrees, "opposite sign: the interval lies wholly on the other side of zero")]
    [InlineData(-0.002, 0.003, 1.1, Agreement.Disagrees, "the interval contains zero but not the paper's +1.1: no effect of the paper's size")]
    [InlineData(-0.010, 0.020, 1.1, Agreement.Inconclusive, "the interval contains both zero and the paper's +1.1: too noisy")]
    [InlineData(-0.020, 0.010, -1.1, Agreement.Inconclusive, "the interval contains both zero and the paper's -1.1: too noisy")]
    public void Each_branch_of_the_rule(double low, double high, double g, Agreement expected, string reason)
    {
        var v = Verdict.Of(Interval(low, high), g, scale: 100);
        Assert.Equal(expected, v.Agreement);
        Assert.StartsWith(reason, v.Reason);
        Assert.Equal((high - low) * 100 < Math.Abs(g), v.NarrowerThanPaperGap);
    }

    [Fact]
    public void An_endpoint_at_zero_counts_as_containing_zero()
    {
        Assert.Equal(Agreement.Inconclusive, Verdict.Of(Interval(0, 2), 1).Agreement);
        Assert.Equal(Agreement.Disagrees, Verdict.Of(Interval(0, 0.5), 1).Agreement);
    }

    [Fact]
    public void ToString_is_one_line_in_the_papers_units()
    {
        var v = Verdict.Of(new PairedComparison(0.012, 0.006, 5, 0.004, 0.020, 0.95), 1.8, scale: 100);
        Assert.Equal("agrees: ours +1.2 [+0.4, +2.0] points (95% paired t, n=5); paper +1.8; interval narrower than the paper's gap",
            v.ToString());
        Assert.Equal("inconclusive: ours +0.5 [-1.0, +2.0] (95% paired t, n=5); paper +1.0; interval at least as wide as the paper's gap",
            Verdict.Of(Interval(-1, 2), 1).ToString());
    }

    [Fact]
    public void A_paper_difference_of_zero_has_no_sign_to_reproduce()
    {
        var e = Assert.Throws<ArgumentException>(() => Verdict.Of(Interval(-1, 1), 0));
        Assert.Contains("non-zero", e.Message);
    }
}
