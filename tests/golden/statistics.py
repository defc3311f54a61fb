"""Golden values for Research.Experiments.Statistics and PairedComparison, computed by SciPy: ranks
(average, and competition "min" ranks in both directions), Pearson, Spearman, Kendall's tau-b, the
Student t quantile, and paired-t intervals of a - b.

Regenerate (from the repository root) with Debian's SciPy (apt-get install python3-scipy):
    /usr/bin/python3 tests/golden/statistics.py
It rewrites tests/golden/statistics.json; the inputs are fixed, so the output only changes when SciPy does.
A value SciPy leaves undefined (a correlation with a constant side) is written as null and read as NaN.

The t quantile: SciPy 1.10's t.ppf (cephes stdtrit) is only accurate to about 1e-9 relative (for df = 1,
t.ppf(0.9995) = 636.61924943 where tan(0.4995 pi) = 636.61924877), short of the 1e-10 the tests ask, while
its CDF (t.sf, via the incomplete beta) is accurate to double precision. So "t" is t.ppf refined by Newton
steps on t.sf until it is the root of SciPy's own CDF, and "t_ppf" keeps t.ppf as it is. The paired
intervals likewise: "low"/"high" use the refined quantile, "ttest_rel_low"/"ttest_rel_high" are ttest_rel's.
"""
import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy import stats

warnings.simplefilter("ignore")  # SciPy warns on constant inputs; those cases are what we want to record

# (name, x, y): ties, zero variance on either side, negative values, n = 2..12.
PAIRS = [
    ("n2", [1.0, 2.0], [3.0, 1.0]),
    ("n2_equal_slope", [-1.5, 4.0], [0.25, 0.5]),
    ("n3_monotone", [0.1, 0.2, 0.3], [10.0, 20.0, 35.0]),
    ("n4_ties_x", [1.0, 2.0, 2.0, 3.0], [4.0, 3.0, 5.0, 1.0]),
    ("n4_constant_difference", [1.0, 2.0, 3.0, 4.5], [0.0, 1.0, 2.0, 3.5]),
    ("n5_ties_both", [3.0, 1.0, 3.0, 2.0, 1.0], [2.0, 2.0, 1.0, 5.0, 2.0]),
    ("n5_negative", [-3.2, -1.0, 0.0, 2.5, -7.75], [1.0, -2.0, -2.5, 0.5, 4.0]),
    ("n6_constant_x", [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
    ("n6_constant_y", [1.0, 3.0, 2.0, 6.0, 5.0, 4.0], [-2.0, -2.0, -2.0, -2.0, -2.0, -2.0]),
    ("n7_reversed", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]),
    ("n8_accuracies", [0.912, 0.905, 0.921, 0.899, 0.912, 0.930, 0.887, 0.905],
     [0.908, 0.901, 0.915, 0.902, 0.906, 0.925, 0.889, 0.900]),
    ("n9_many_ties", [1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0], [5.0, 4.0, 5.0, 4.0, 4.0, 1.0, 2.0, 1.0, 0.0]),
    ("n10_mixed", [0.3, -1.2, 2.2, 0.0, -0.4, 1.7, 0.3, -2.8, 1.1, 0.9],
     [1.0, -0.5, 3.3, 0.2, 0.2, 1.5, -0.1, -3.0, 2.4, 0.2]),
    ("n11_large_offset", [1e6 + i for i in (3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5)],
     [2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.0, 8.0, 2.0, 8.0, 4.0]),
    ("n12_zero_correlation", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0],
     [1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0]),
]

# (p, df) for the t quantile: the df the brief names, fractional df, both tails and the centre.
PS = [0.0005, 0.005, 0.025, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95, 0.975, 0.995, 0.9995]
DFS = [0.5, 1.0, 1.5, 2.0, 2.5, 3.7, 4.0, 7.0, 9.0, 12.25, 30.0, 100.0, 1000.0]

CONFIDENCES = [0.95, 0.9]


def num(v):
    v = float(v)
    return None if math.isnan(v) else v


def ranks_case(values):
    a = np.asarray(values)
    return {
        "average": [num(r) for r in stats.rankdata(a, method="average")],
        "min_descending": [int(r) for r in stats.rankdata(-a, method="min")],
        "min_ascending": [int(r) for r in stats.rankdata(a, method="min")],
    }


def t_quantile(p, df):
    """t.ppf refined to the root of t.sf(t) = 1 - p by Newton steps in the tail nearer t (see the header)."""
    t = stats.t.ppf(p, df)
    if p == 0.5:
        return 0.0
    sign, q = (1.0, 1 - p) if p > 0.5 else (-1.0, p)
    t = abs(t)
    for _ in range(20):
        step = (stats.t.sf(t, df) - q) / stats.t.pdf(t, df)
        t += step
        if abs(step) <= 1e-16 * t:
            break
    return sign * t


def paired(a, b, confidence):
    a, b = np.asarray(a), np.asarray(b)
    d = a - b
    n, mean, sd = len(d), d.mean(), d.std(ddof=1)
    half = t_quantile((1 + confidence) / 2, n - 1) * sd / math.sqrt(n)
    ci = stats.ttest_rel(a, b).confidence_interval(confidence)
    return {"confidence": confidence, "mean": num(mean), "std": num(sd),
            "low": num(mean - half), "high": num(mean + half),
            "ttest_rel_low": num(ci.low), "ttest_rel_high": num(ci.high)}


def main():
    cases = []
    for name, x, y in PAIRS:
        cases.append({
            "name": name, "x": x, "y": y,
            "ranks_x": ranks_case(x), "ranks_y": ranks_case(y),
            "pearson": num(stats.pearsonr(x, y)[0]),
            "spearman": num(stats.spearmanr(x, y)[0]),
            "kendall_tau_b": num(stats.kendalltau(x, y, variant="b")[0]),
            "paired": [paired(x, y, c) for c in CONFIDENCES],
        })
    quantiles = [{"p": p, "df": df, "t": num(t_quantile(p, df)), "t_ppf": num(stats.t.ppf(p, df))}
                 for df in DFS for p in PS]
    out = {"scipy": scipy.__version__, "cases": cases, "t_quantiles": quantiles}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "statistics.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
