namespace Research.Experiments;

/// <summary>The two special functions the Student t distribution needs, written here because .NET has no
/// gamma function and the kit takes no numerics package for one distribution.</summary>
internal static class SpecialFunctions
{
    // Lanczos coefficients (g = 671/128, 14 terms) from Numerical Recipes, 3rd ed., §6.1: relative error
    // below 1e-15 for positive arguments, which the t quantile's 1e-10 tolerance leaves ample room for.
    private static readonly double[] Lanczos =
    [
        57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199,
        .339946499848118887e-4, .465236289270485756e-4, -.983744753048795646e-4, .158088703224912494e-3,
        -.210264441724104883e-3, .217439618115212643e-3, -.164318106536763890e-3, .844182239838527433e-4,
        -.261908384015814087e-4, .368991826595316234e-5,
    ];

    /// <summary>ln Γ(x) for x &gt; 0.</summary>
    public static double LogGamma(double x)
    {
        double y = x, tmp = x + 5.24218750000000000;
        tmp = (x + 0.5) * Math.Log(tmp) - tmp;
        double series = 0.999999999999997092;
        foreach (double c in Lanczos) series += c / ++y;
        return tmp + Math.Log(2.5066282746310005 * series / x);
    }

    /// <summary>The regularized incomplete beta I_x(a, b). It takes <paramref name="y"/> = 1 − x as well,
    /// computed by the caller from its own terms, because forming 1 − x here would lose the digits of a
    /// small y (a t statistic near zero), and the symmetric branch evaluates the fraction at y.</summary>
    public static double RegularizedIncompleteBeta(double a, double b, double x, double y)
    {
        if (x <= 0) return 0;
        if (y <= 0) return 1;
        double logFront = a * Math.Log(x) + b * Math.Log(y) - (LogGamma(a) + LogGamma(b) - LogGamma(a + b));
        // The continued fraction converges fast only below the mean (a+1)/(a+b+2); above it, use the symmetry
        // I_x(a, b) = 1 − I_y(b, a).
        return x < (a + 1) / (a + b + 2)
            ? Math.Exp(logFront) * ContinuedFraction(a, b, x) / a
            : 1 - Math.Exp(logFront) * ContinuedFraction(b, a, y) / b;
    }

    // The incomplete beta's continued fraction by the modified Lentz method (Press et al., Numerical Recipes, section 6.4).
    private static double ContinuedFraction(double a, double b, double x)
    {
        const double tiny = 1e-300, epsilon = 3e-16; // a little above the double epsilon, so rounding cannot stall it
        const int maxIterations = 100_000; // ~sqrt(max(a, b)) are needed; this covers any df a seed study meets
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1, d = Guard(1 - qab * x / qap), h = d;
        for (int m = 1; m <= maxIterations; m++)
        {
            int m2 = 2 * m;
            double even = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = Guard(1 + even * d);
            c = Guard(1 + even / c, invert: false);
            h *= d * c;
            double odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = Guard(1 + odd * d);
            c = Guard(1 + odd / c, invert: false);
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < epsilon) return h;
        }
        throw new ArithmeticException($"incomplete beta I_{x}({a}, {b}) did not converge in {maxIterations} steps");

        static double Guard(double v, bool invert = true)
        {
            if (Math.Abs(v) < tiny) v = tiny;
            return invert ? 1 / v : v;
        }
    }
}
