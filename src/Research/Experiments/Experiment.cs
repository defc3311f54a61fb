namespace Research.Experiments;

/// <summary>A notebook's experiment: its name, its budget and what the budget means for it, its data, and a runner that
/// reuses finished runs. The budget is <c>RESEARCH_BUDGET</c> when set; otherwise, when the repository holds committed
/// results for this experiment (<c>data/results/&lt;name&gt;/runs/</c>), the full budget, read from them without
/// training (a fresh clone shows them at once); otherwise quick.</summary>
public sealed class Experiment
{
    public Experiment(string name, BudgetPlan plan, Budget? budget = null, RunCache? cache = null, RunCache? results = null)
    {
        Name = name;
        Plan = plan;
        var committed = results ?? RunCache.Results;
        var chosen = budget ?? Budgets.FromEnvironment();
        ShowsCommittedResults = chosen is null && committed.Has(name);
        Budget = chosen ?? (ShowsCommittedResults ? Budget.Full : Budget.Quick);
        Runner = new ExperimentRunner(name, Budget, cache, committed, trainMissing: !ShowsCommittedResults);
    }

    public string Name { get; }
    public Budget Budget { get; }
    public BudgetPlan Plan { get; }
    public BudgetSettings Settings => Plan.For(Budget);
    public ExperimentRunner Runner { get; }

    /// <summary>True when no budget was chosen and the committed full-budget runs are shown: nothing is trained, and
    /// runs the grid lacks are reported as missing.</summary>
    public bool ShowsCommittedResults { get; }

    /// <summary>A value chosen by this experiment's budget.</summary>
    public T By<T>(ByBudget<T> values) => values.For(Budget);

    /// <summary>The dataset at this budget (see <see cref="ExperimentData.Load"/>).</summary>
    public ExperimentData Data(string dataset, string standIn = "stripes") => ExperimentData.Load(dataset, Settings, standIn);

    /// <summary><c>RESEARCH_SEED_LIMIT</c>: run only the first N seeds of the budget now, so that a long grid can be filled
    /// in passes (all arms at a few seeds first, the rest later). Each run is keyed by its own seed, so a pass changes no key.</summary>
    public const string SeedLimitVariable = "RESEARCH_SEED_LIMIT";

    /// <summary><c>RESEARCH_SEED_SHARD=k/n</c>: run only every n-th of those seeds, starting at the k-th (0-based), so
    /// that n processes fill one grid together without training a run twice.</summary>
    public const string SeedShardVariable = "RESEARCH_SEED_SHARD";

    /// <summary>The budget's seeds, or its first <c>RESEARCH_SEED_LIMIT</c> of them, or this process's share of those
    /// (<c>RESEARCH_SEED_SHARD</c>).</summary>
    public int[] Seeds => SelectSeeds(Settings.SeedList, Environment.GetEnvironmentVariable(SeedLimitVariable),
        Environment.GetEnvironmentVariable(SeedShardVariable));

    public static int[] SelectSeeds(int[] seeds, string? limit, string? shard)
    {
        if (!string.IsNullOrWhiteSpace(limit))
        {
            if (!int.TryParse(limit, out var n) || n < 1)
                throw new ArgumentException($"{SeedLimitVariable}: '{limit}' is not a positive number of seeds");
            seeds = seeds.Take(n).ToArray();
        }
        if (string.IsNullOrWhiteSpace(shard)) return seeds;
        var parts = shard.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out var k) || !int.TryParse(parts[1], out var count) || count < 1 || k < 0 || k >= count)
            throw new ArgumentException($"{SeedShardVariable}: '{shard}' is not k/n with 0 <= k < n (this process's share of n)");
        return seeds.Where((_, i) => i % count == k).ToArray();
    }

    /// <summary>Every arm at every seed of the budget, each run described by <paramref name="describe"/>.</summary>
    public GridResult<TArm> Run<TArm>(IEnumerable<TArm> arms, Func<TArm, IExperimentRun> describe, Action<string>? log = null,
        CancellationToken cancellationToken = default) where TArm : notnull =>
        Runner.Run(arms, Seeds, describe, log, cancellationToken);

    /// <summary>Every arm at every seed, keyed by <paramref name="keyOf"/> (everything <paramref name="run"/> uses).</summary>
    public GridResult<TArm> Run<TArm>(IEnumerable<TArm> arms, Func<TArm, object> keyOf, Func<TArm, RunContext, RunOutcome> run,
        Action<string>? log = null, CancellationToken cancellationToken = default) where TArm : notnull =>
        Runner.Run(arms, Seeds, keyOf, run, log, cancellationToken);

    /// <summary>The file <paramref name="name"/> that <paramref name="run"/> kept (<see cref="RunContext.ArtifactPath"/>),
    /// or null when it is not on this machine (see <see cref="ExperimentRunner.ArtifactPath"/>).</summary>
    public string? ArtifactPath(RunRecord run, string name) => Runner.ArtifactPath(run, name);

    /// <summary>One line for the notebook's first cell.</summary>
    public override string ToString() =>
        $"{Name}: {Budget.Name()} budget" + (ShowsCommittedResults ? " (committed results; set RESEARCH_BUDGET to train)" : "") +
        $": {Settings.DataFraction:P1} of the training set, {Settings.Epochs} epoch(s), {Settings.Seeds} seed(s)" +
        (Settings.MaxTestImages is { } m ? $", at most {m} test images" : "");
}
