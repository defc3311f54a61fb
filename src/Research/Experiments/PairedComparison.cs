using System.Globalization;

namespace Research.Experiments;

/// <summary>A paired comparison of two arms run on the same seeds: the mean of the differences aᵢ − bᵢ, their
/// sample standard deviation (divisor n − 1), and a two-sided Student t confidence interval for the mean,
/// mean ± t₍₁₊c₎/₂,ₙ₋₁ · sd/√n. Pairing by seed removes the seed-to-seed variation the arms share (data order,
/// initialisation), so a small true difference is visible with few seeds.</summary>
/// <remarks>Why t and not a bootstrap: with the 3–10 seeds a CPU budget allows, a percentile bootstrap's
/// interval is too narrow, since it cannot reach beyond the spread of so few observed values and so covers
/// the true mean less often than it claims; the t interval is exact when the differences are normal and is
/// the standard in ML seed studies. When all differences are equal the interval has zero width at the mean
/// (sd = 0), as <c>scipy.stats.ttest_rel(...).confidence_interval()</c> gives.</remarks>
public sealed record PairedComparison(double MeanDifference, double StdDifference, int N, double Low, double High, double Confidence)
{
    /// <summary>Compares <paramref name="a"/> with <paramref name="b"/>, element i of each from the same seed.</summary>
    /// <exception cref="ArgumentException">The counts differ or are below 2 (the message names both), a value
    /// is NaN (the message names its index), or <paramref name="confidence"/> is outside (0, 1).</exception>
    public static PairedComparison Of(IReadOnlyList<double> a, IReadOnlyList<double> b, double confidence = 0.95)
    {
        Statistics.RequirePairs(a, b, "a", "b");
        if (!(confidence > 0 && confidence < 1))
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must lie strictly between 0 and 1");
        var differences = MeanStd.Of(a.Zip(b, (x, y) => x - y));
        double halfWidth = differences.Std == 0 ? 0
            : Statistics.StudentTQuantile((1 + confidence) / 2, differences.N - 1) * differences.Std / Math.Sqrt(differences.N);
        return new PairedComparison(differences.Mean, differences.Std, differences.N,
            differences.Mean - halfWidth, differences.Mean + halfWidth, confidence);
    }

    /// <summary>Pairs two arms' results by seed, using only the seeds both have, so a run missing from one arm
    /// (still running, or failed) drops that seed instead of misaligning the rest.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 seeds are shared (the message lists each arm's seeds).</exception>
    public static PairedComparison Paired(IReadOnlyDictionary<int, double> bySeedA, IReadOnlyDictionary<int, double> bySeedB, double confidence = 0.95)
    {
        var shared = bySeedA.Keys.Where(bySeedB.ContainsKey).Order().ToArray();
        if (shared.Length < 2)
            throw new ArgumentException(
                $"a paired comparison needs at least 2 seeds in both arms; shared: [{string.Join(", ", shared)}], " +
                $"a has [{string.Join(", ", bySeedA.Keys.Order())}], b has [{string.Join(", ", bySeedB.Keys.Order())}]");
        return Of(shared.Select(s => bySeedA[s]).ToArray(), shared.Select(s => bySeedB[s]).ToArray(), confidence);
    }

    public double Width => High - Low;

    public string Method => "paired Student t";

    /// <summary><c>+1.23 [+0.45, +2.01] (95% t, n=5)</c>, after multiplying by <paramref name="scale"/>
    /// (100 turns accuracies into points). The sign is always written, since the direction is the finding.</summary>
    public string Format(string format = "0.00", double scale = 1) => $"{FormatInterval(format, scale)} ({ConfidenceLabel} t, n={N})";

    public override string ToString() => Format();

    /// <summary><c>+1.23 [+0.45, +2.01]</c>: the mean and the interval, signed, times <paramref name="scale"/>.</summary>
    internal string FormatInterval(string format, double scale) =>
        $"{Signed(MeanDifference * scale, format)} [{Signed(Low * scale, format)}, {Signed(High * scale, format)}]";

    /// <summary><c>95%</c>.</summary>
    internal string ConfidenceLabel => (Confidence * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    internal static string Signed(double value, string format)
    {
        if (double.IsInfinity(value)) return value > 0 ? "+∞" : "−∞";   // the unbounded interval of a single seed
        string s = value.ToString(format, CultureInfo.InvariantCulture);
        return s.StartsWith('-') ? s : "+" + s;
    }
}
