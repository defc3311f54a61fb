namespace Research.Experiments;

/// <summary>How much compute an experiment may spend. <see cref="Smoke"/>: seconds per experiment, enough to show
/// the code runs (what CI executes). <see cref="Quick"/>: the default, a few minutes per notebook on 2 CPU cores,
/// enough to see the trend. <see cref="Full"/>: the real reproduction, hours on a CPU or minutes on a GPU.</summary>
public enum Budget { Smoke, Quick, Full }

/// <summary>Choosing the budget: an explicit argument, else the <c>RESEARCH_BUDGET</c> environment variable
/// (smoke, quick or full, any case), else <see cref="Budget.Quick"/>.</summary>
public static class Budgets
{
    public const string EnvironmentVariable = "RESEARCH_BUDGET";

    /// <summary>The budget from <c>RESEARCH_BUDGET</c>, or quick when it is unset.</summary>
    public static Budget Current => Resolve(null);

    /// <summary><paramref name="argument"/> when given, else the environment, else quick. An unknown name throws
    /// rather than silently running a different budget.</summary>
    public static Budget Resolve(string? argument)
    {
        if (!string.IsNullOrWhiteSpace(argument)) return Parse(argument, "argument");
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(env) ? Budget.Quick : Parse(env, EnvironmentVariable);
    }

    /// <summary>The budget <c>RESEARCH_BUDGET</c> names, or null when it is unset.</summary>
    public static Budget? FromEnvironment()
    {
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(env) ? null : Parse(env, EnvironmentVariable);
    }

    public static Budget Parse(string name, string source = "budget") => name.Trim().ToLowerInvariant() switch
    {
        "smoke" => Budget.Smoke,
        "quick" => Budget.Quick,
        "full" => Budget.Full,
        _ => throw new ArgumentException($"{source}: unknown budget '{name}' (smoke, quick or full)"),
    };

    public static string Name(this Budget budget) => budget.ToString().ToLowerInvariant();
}

/// <summary>What one budget means for one experiment: the fraction of the training set, the epochs, how many
/// seeds, and optionally a cap on test images (evaluating 10,000 images costs seconds a model at smoke budget).</summary>
public sealed record BudgetSettings(double DataFraction, int Epochs, int Seeds, int? MaxTestImages = null)
{
    /// <summary>Seeds 0 .. Seeds−1.</summary>
    public int[] SeedList => Enumerable.Range(0, Seeds).ToArray();
}

/// <summary>An experiment's three budgets side by side, so a notebook states them in one place:
/// <c>new BudgetPlan(Smoke: new(0.02, 1, 1), Quick: new(0.2, 5, 2), Full: new(1, 100, 3))</c>.</summary>
public sealed record BudgetPlan(BudgetSettings Smoke, BudgetSettings Quick, BudgetSettings Full)
{
    public BudgetSettings For(Budget budget) => budget switch
    {
        Budget.Smoke => Smoke,
        Budget.Quick => Quick,
        _ => Full,
    };

    /// <summary>The settings for <see cref="Budgets.Current"/>.</summary>
    public BudgetSettings Current => For(Budgets.Current);
}

/// <summary>Any value chosen by budget (a model width, a grid of configurations): <c>new ByBudget&lt;int&gt;(64, 128, 384).For(budget)</c>.</summary>
public sealed record ByBudget<T>(T Smoke, T Quick, T Full)
{
    public T For(Budget budget) => budget switch
    {
        Budget.Smoke => Smoke,
        Budget.Quick => Quick,
        _ => Full,
    };
}
