namespace Research.Experiments;

/// <summary>Our paired difference set against a paper's claimed difference g (its sign and size) for the same
/// comparison, so a reproduction reports "agrees", "disagrees" or "inconclusive" by one rule rather than by eye.</summary>
/// <remarks>The rule, with our interval in the paper's units and g ≠ 0:
/// <list type="bullet">
/// <item>the interval lies wholly on g's side of zero: <see cref="Agreement.Agrees"/>, the sign is reproduced
/// (<see cref="Reason"/> says whether g itself lies in the interval, i.e. whether the size is reproduced too);</item>
/// <item>the interval lies wholly on the other side of zero: <see cref="Agreement.Disagrees"/>, opposite sign;</item>
/// <item>the interval contains zero but not g: <see cref="Agreement.Disagrees"/>, no effect of the paper's size
/// at this budget;</item>
/// <item>the interval contains both zero and g: <see cref="Agreement.Inconclusive"/>, too noisy to tell at this
/// budget (more seeds would narrow it).</item>
/// </list>
/// An endpoint exactly at zero counts as containing zero. The sign is the primary claim because papers
/// compare at budgets far above ours, where absolute sizes rarely carry over but directions often do.</remarks>
public sealed record Verdict(Agreement Agreement, PairedComparison Ours, double PaperDifference, string Reason)
{
    /// <summary>What converts <see cref="Ours"/> into the paper's units (100 when ours are accuracies in
    /// [0, 1] and the paper's are points).</summary>
    public double Scale { get; init; } = 1;

    /// <summary>Judges <paramref name="ours"/> against the paper's <paramref name="paperDifference"/> by the rule
    /// above; <paramref name="scale"/> converts ours into the paper's units.</summary>
    /// <exception cref="ArgumentException">The paper's difference is zero or not finite (it has no sign to
    /// reproduce), or the scale is not positive.</exception>
    public static Verdict Of(PairedComparison ours, double paperDifference, double scale = 1)
    {
        if (paperDifference == 0 || !double.IsFinite(paperDifference))
            throw new ArgumentException($"the paper's difference must be finite and non-zero, not {paperDifference}", nameof(paperDifference));
        if (!(scale > 0) || double.IsInfinity(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be finite and positive");
        double low = ours.Low * scale, high = ours.High * scale, g = paperDifference;
        string paper = $"the paper's {PairedComparison.Signed(g, "0.0#")}";
        bool containsZero = low <= 0 && 0 <= high, containsPaper = low <= g && g <= high;
        var (agreement, reason) = (containsZero, containsPaper) switch
        {
            (false, _) when (low > 0) == (g > 0) => (Agreement.Agrees, containsPaper
                ? $"same sign as the paper, and {paper} lies in the interval"
                : $"same sign as the paper, but {paper} lies {(g > high ? "above" : "below")} the interval"),
            (false, _) => (Agreement.Disagrees, $"opposite sign: the interval lies wholly on the other side of zero from {paper}"),
            (true, false) => (Agreement.Disagrees, $"the interval contains zero but not {paper}: no effect of the paper's size at this budget"),
            (true, true) => (Agreement.Inconclusive, $"the interval contains both zero and {paper}: too noisy to tell at this budget"),
        };
        return new Verdict(agreement, ours, g, reason) { Scale = scale };
    }

    /// <summary>True when our interval (in the paper's units) is narrower than |g|: only then could this
    /// budget have told the paper's effect from none, so an inconclusive verdict with a wide interval asks
    /// for more seeds, not for doubt about the paper.</summary>
    public bool NarrowerThanPaperGap => Ours.Width * Scale < Math.Abs(PaperDifference);

    /// <summary>One line for a report: <c>agrees: ours +1.2 [+0.4, +2.0] points (95% paired t, n=5); paper
    /// +1.1; interval narrower than the paper's gap</c>. "points" is written when the scale is 100.</summary>
    public override string ToString() =>
        $"{Agreement.ToString().ToLowerInvariant()}: ours {Ours.FormatInterval("0.0", Scale)}{(Scale == 100 ? " points" : "")} " +
        $"({Ours.ConfidenceLabel} paired t, n={Ours.N}); paper {PairedComparison.Signed(PaperDifference, "0.0#")}; " +
        $"interval {(NarrowerThanPaperGap ? "narrower than" : "at least as wide as")} the paper's gap";
}
