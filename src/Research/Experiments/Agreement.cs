namespace Research.Experiments;

/// <summary>Whether our result reproduces a paper's claimed difference; see <see cref="Verdict"/> for the rule.</summary>
public enum Agreement { Agrees, Disagrees, Inconclusive }
