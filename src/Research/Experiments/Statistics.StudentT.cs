namespace Research.Experiments;

public static partial class Statistics
{
    /// <summary>The Student t quantile (inverse CDF) at probability <paramref name="p"/> in (0, 1) for
    /// <paramref name="degreesOfFreedom"/> &gt; 0 (fractional allowed), the multiplier of a t interval.
    /// Written here rather than taken from a package so the kit's only statistics dependency stays SciPy as a
    /// test oracle. It matches the root of SciPy's t CDF to better than 1e-12 relative for df up to 1000 (the
    /// log-gamma difference in the incomplete beta's prefactor loses digits beyond that, ~1e-9 at df = 1e6);
    /// SciPy 1.10's own <c>t.ppf</c> is only good to about 5e-9, see <c>tests/golden/statistics.py</c>.</summary>
    /// <remarks>It solves upper-tail(t) = min(p, 1 − p) for t &gt; 0 by Newton's method on ln tail against
    /// ln t, which is close to a straight line for heavy tails (df near 1) and light ones alike, and falls back
    /// to bisection inside a bracket whenever a step would leave it, so it cannot diverge. The tail is
    /// ½·I_x(df/2, ½) with x = df/(df+t²), the regularized incomplete beta by continued fraction.</remarks>
    public static double StudentTQuantile(double p, double degreesOfFreedom)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must lie strictly between 0 and 1");
        if (!(degreesOfFreedom > 0) || double.IsInfinity(degreesOfFreedom))
            throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "degrees of freedom must be finite and positive");
        if (p == 0.5) return 0;
        double q = p < 0.5 ? p : 1 - p; // exact for p ≥ 0.5
        double t = UpperTailQuantile(q, degreesOfFreedom);
        return p < 0.5 ? -t : t;
    }

    private static double UpperTailQuantile(double q, double df)
    {
        // Bracket: tail(lo) > q ≥ tail(hi); the tail falls from ½ at 0, so doubling hi finds one.
        double lo = 0, hi = 1;
        while (StudentTUpperTail(hi, df) > q) { lo = hi; hi *= 2; }
        double t = lo == 0 ? hi / 2 : (lo + hi) / 2;
        for (int i = 0; i < 200; i++)
        {
            double tail = StudentTUpperTail(t, df);
            if (tail == q) return t;
            if (tail > q) lo = t; else hi = t;
            // d ln tail / d ln t = −t·pdf(t)/tail(t).
            double slope = -t * StudentTDensity(t, df) / tail;
            double next = t * Math.Exp(-Math.Log(tail / q) / slope);
            if (!(next > lo && next < hi)) next = lo + (hi - lo) / 2;
            if (Math.Abs(next - t) <= 1e-14 * t || next == lo || next == hi) return next;
            t = next;
        }
        return t;
    }

    /// <summary>P(T &gt; t) for t ≥ 0.</summary>
    private static double StudentTUpperTail(double t, double df)
    {
        double r = t * t / df;
        return 0.5 * SpecialFunctions.RegularizedIncompleteBeta(df / 2, 0.5, 1 / (1 + r), r / (1 + r));
    }

    private static double StudentTDensity(double t, double df) =>
        Math.Exp(SpecialFunctions.LogGamma((df + 1) / 2) - SpecialFunctions.LogGamma(df / 2)
                 - 0.5 * Math.Log(df * Math.PI) - (df + 1) / 2 * Math.Log(1 + t * t / df));
}
