using System.Diagnostics;
using Research.Training;

namespace Research.Experiments;

/// <summary>What a run function returns: final metrics by name (<c>test_acc</c>, <c>params_m</c>) and, optionally,
/// the training history for plots.</summary>
public sealed record RunOutcome(Dictionary<string, double> Metrics, TrainingHistory? History = null);

/// <summary>What a run function is given besides its description and seed: the budget, the run's cache key, a
/// folder of its own for checkpoints (so an interrupted run resumes rather than restarts), a place for files to keep
/// after the run (<see cref="ArtifactPath"/>) and the cancellation token.</summary>
public sealed record RunContext(string Experiment, Budget Budget, int Seed, string Key, string WorkFolder, CancellationToken CancellationToken)
{
    public string CheckpointDir => Path.Combine(WorkFolder, "checkpoints");

    /// <summary>Where the run writes <paramref name="name"/> (a file name such as <c>weights.safetensors</c>), a file
    /// that outlives the run: trained weights a later cell draws, a pre-trained model another grid starts from. The
    /// path is in the run's work folder (its parent exists); when the run finishes, the runner moves the file beside
    /// the run's record and lists it in <see cref="RunRecord.Artifacts"/>, and
    /// <see cref="ExperimentRunner.ArtifactPath"/> finds it from the record (see <see cref="RunCache.ArtifactFile"/>
    /// for where). A run that fails or is interrupted keeps nothing.</summary>
    public string ArtifactPath(string name)
    {
        RunCache.CheckArtifactName(name);
        Directory.CreateDirectory(ArtifactStaging);
        return Path.Combine(ArtifactStaging, name);
    }

    internal string ArtifactStaging => Path.Combine(WorkFolder, "artifacts");
}

/// <summary>A run that describes itself: its public properties (less those marked <see cref="NotInRunKeyAttribute"/>)
/// are the run's key, and <see cref="Run"/> computes it from those same values, so the key cannot miss a setting.</summary>
public interface IExperimentRun
{
    RunOutcome Run(RunContext context);
}

/// <summary>The runs of one configuration over seeds, with each metric summarised as mean ± std.</summary>
public sealed record ConfigResult<TConfig>(TConfig Config, IReadOnlyList<RunRecord> Runs)
{
    public MeanStd this[string metric] => MeanStd.Of(Runs.Where(r => r.Metrics.ContainsKey(metric)).Select(r => r.Metrics[metric]));

    public IEnumerable<string> MetricNames => Runs.SelectMany(r => r.Metrics.Keys).Distinct();

    /// <summary>A metric by seed, for comparisons paired over seeds.</summary>
    public IReadOnlyDictionary<int, double> BySeed(string metric) =>
        Runs.Where(r => r.Metrics.ContainsKey(metric)).ToDictionary(r => r.Seed, r => r.Metrics[metric]);
}

/// <summary>A grid's results in the order the configurations were given.</summary>
public sealed record GridResult<TConfig>(string Experiment, Budget Budget, IReadOnlyList<ConfigResult<TConfig>> Configs)
{
    /// <summary>How many runs came from disk and how many were computed now.</summary>
    public (int Cached, int Computed) Counts =>
        (Configs.Sum(c => c.Runs.Count(r => r.Cached)), Configs.Sum(c => c.Runs.Count(r => !r.Cached)));

    /// <summary>Runs of the grid that are neither on disk nor trained (a notebook showing committed results trains nothing).</summary>
    public int Missing { get; init; }

    /// <summary>The code version of the build that ran the grid.</summary>
    public string BuildVersion { get; init; } = "";

    /// <summary>One row per configuration: its label and the metric's mean ± std, for tables and bar charts.</summary>
    public IReadOnlyList<(string Label, MeanStd Value)> Summary(string metric, Func<TConfig, string>? label = null) =>
        Configs.Select(c => (label?.Invoke(c.Config) ?? c.Config?.ToString() ?? "", c[metric])).ToList();

    /// <summary>Where the runs came from, in one line: trained now, read from the cache or from committed results, and
    /// which builds computed them.</summary>
    public string Provenance
    {
        get
        {
            var runs = Configs.SelectMany(c => c.Runs).ToList();
            var builds = runs.Where(r => r.Cached).GroupBy(r => r.CodeVersion).Select(g => $"{g.Count()} by build {g.Key}").ToList();
            int other = runs.Count(r => r.FromOtherBuild);
            return $"{Experiment} at the {Budget.Name()} budget: {runs.Count(r => !r.Cached)} run(s) trained now, {runs.Count(r => r.Cached)} read from disk" +
                (builds.Count > 0 ? $" ({string.Join(", ", builds)}; this build is {BuildVersion})" : "") +
                (other > 0 ? $"; {other} committed run(s) came from an earlier build of the same inputs" : "") +
                (Missing > 0 ? $"; {Missing} run(s) of the grid not yet computed (RESEARCH_BUDGET={Budget.Name()} trains them)" : "");
        }
    }
}

/// <summary>Runs a grid of configurations × seeds for one experiment, reusing finished runs: re-running a notebook
/// retrains nothing that is done, and a run interrupted midway resumes from the checkpoints in its work folder when its
/// function passes <see cref="RunContext.CheckpointDir"/> to the trainer. Runs at the full budget are results: they are
/// read from and written to the committed store (<see cref="RunCache.Results"/>); smaller budgets use the local cache.
/// Seeds are the outer loop, so a grid stopped halfway has every configuration at the first seeds. Runs execute one
/// after another: a training run already uses every core.</summary>
public sealed class ExperimentRunner
{
    /// <summary><paramref name="codeVersion"/> defaults to this build's <see cref="Experiments.CodeVersion.Current"/>; another value
    /// stands for another build (what tests of the cache need).</summary>
    public ExperimentRunner(string experiment, Budget? budget = null, RunCache? cache = null, RunCache? results = null, bool trainMissing = true,
        string? codeVersion = null)
    {
        CodeVersion = codeVersion ?? Experiments.CodeVersion.Current;
        Experiment = experiment;
        Budget = budget ?? Budgets.Current;
        Cache = cache ?? RunCache.Local;
        Results = results ?? RunCache.Results;
        TrainMissing = trainMissing;
    }

    public string Experiment { get; }
    public Budget Budget { get; }
    public RunCache Cache { get; }
    public RunCache Results { get; }
    public string CodeVersion { get; }

    /// <summary>False: runs not on disk are left out and counted in <see cref="GridResult{TConfig}.Missing"/>.</summary>
    public bool TrainMissing { get; }

    private RunCache Store => Budget == Budget.Full ? Results : Cache;

    /// <summary>Every configuration with every seed, each run described by <paramref name="describe"/>: the description
    /// is the key and does the training. <paramref name="log"/> hears one line per run.</summary>
    public GridResult<TConfig> Run<TConfig>(IEnumerable<TConfig> configs, IEnumerable<int> seeds, Func<TConfig, IExperimentRun> describe,
        Action<string>? log = null, CancellationToken cancellationToken = default) where TConfig : notnull =>
        Run(configs, seeds, c => describe(c), (c, ctx) => describe(c).Run(ctx), log, cancellationToken);

    /// <summary>Every configuration with every seed, keyed by the configuration record itself: for runs whose record
    /// holds every setting they use.</summary>
    public GridResult<TConfig> Run<TConfig>(IEnumerable<TConfig> configs, IEnumerable<int> seeds, Func<TConfig, RunContext, RunOutcome> run,
        Action<string>? log = null, CancellationToken cancellationToken = default) where TConfig : notnull =>
        Run(configs, seeds, c => c, run, log, cancellationToken);

    /// <summary>Every configuration with every seed, keyed by <paramref name="keyOf"/>(config): give it everything
    /// <paramref name="run"/> uses (records, options, datasets), for the key is all that tells two runs apart.</summary>
    public GridResult<TConfig> Run<TConfig>(IEnumerable<TConfig> configs, IEnumerable<int> seeds, Func<TConfig, object> keyOf,
        Func<TConfig, RunContext, RunOutcome> run, Action<string>? log = null, CancellationToken cancellationToken = default) where TConfig : notnull
    {
        var configList = configs.ToList();
        var runs = configList.Select(_ => new List<RunRecord>()).ToList();
        int missing = 0;
        foreach (var seed in seeds)
            for (int i = 0; i < configList.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (RunOne(keyOf(configList[i]), seed, ctx => run(configList[i], ctx), log, cancellationToken) is { } record) runs[i].Add(record);
                else missing++;
            }
        return new GridResult<TConfig>(Experiment, Budget, configList.Select((c, i) => new ConfigResult<TConfig>(c, runs[i])).ToList()) { Missing = missing, BuildVersion = CodeVersion };
    }

    /// <summary>One run: the stored record when there is one for these inputs, else the run's result, stored; null when
    /// it is not stored and <see cref="TrainMissing"/> is off.</summary>
    public RunRecord? RunOne(object description, int seed, Func<RunContext, RunOutcome> run, Action<string>? log = null,
        CancellationToken cancellationToken = default)
    {
        var inputs = RunKey.Inputs(Experiment, description, seed, Budget);
        var key = RunKey.Of(inputs, CodeVersion);
        var identity = RunKey.IdentityOf(inputs);
        if (Store.TryGet(Experiment, key, identity) is { } stored)
        {
            log?.Invoke($"{Experiment} [{identity[..8]}] seed {seed}: {(stored.FromOtherBuild ? $"committed (build {stored.CodeVersion})" : "cached")} {Describe(stored.Metrics)}");
            return stored;
        }
        if (!TrainMissing)
        {
            log?.Invoke($"{Experiment} [{identity[..8]}] seed {seed}: not yet computed");
            return null;
        }
        var context = new RunContext(Experiment, Budget, seed, key, RunCache.WorkFolder(Experiment, key), cancellationToken);
        // Files staged by an earlier, interrupted attempt are not this run's.
        if (Directory.Exists(context.ArtifactStaging)) Directory.Delete(context.ArtifactStaging, recursive: true);
        var clock = Stopwatch.StartNew();
        var outcome = run(context);
        var record = new RunRecord(key, identity, Experiment, inputs, seed, Budget.Name(), CodeVersion,
            outcome.Metrics, outcome.History, clock.Elapsed.TotalSeconds, DateTime.UtcNow);
        record = record with { Artifacts = KeepArtifacts(context.ArtifactStaging, record) };
        Store.Put(record);
        // Checkpoints were only there to survive an interruption; the finished record replaces them.
        if (Directory.Exists(context.WorkFolder)) Directory.Delete(context.WorkFolder, recursive: true);
        log?.Invoke($"{Experiment} [{identity[..8]}] seed {seed}: {Describe(outcome.Metrics)} in {clock.Elapsed.TotalSeconds:0.0} s");
        return record;
    }

    /// <summary>The file <paramref name="name"/> that the run of <paramref name="record"/> kept
    /// (<see cref="RunContext.ArtifactPath"/>), or null when it is not on this machine: beside the record in its store,
    /// else in the local cache (an artifact of a committed run too large to commit stays on the machine that trained it,
    /// see <see cref="RunCache.CommittedArtifactLimit"/>).</summary>
    public string? ArtifactPath(RunRecord record, string name)
    {
        RunCache.CheckArtifactName(name);
        foreach (var store in new[] { StoreOf(record), Cache })
            if (File.Exists(store.ArtifactFile(record, name))) return store.ArtifactFile(record, name);
        return null;
    }

    // A record's own store: committed results for full-budget runs, the local cache otherwise.
    private RunCache StoreOf(RunRecord record) => record.Budget == Budget.Full.Name() ? Results : Cache;

    /// <summary>Moves the files a finished run staged into its record's store (those of a committed run that are over
    /// <see cref="RunCache.CommittedArtifactLimit"/> into the local cache) and lists them with their sizes; null when
    /// the run kept none. Artifacts an earlier computation of the same record left are removed first.</summary>
    private Dictionary<string, long>? KeepArtifacts(string staging, RunRecord record)
    {
        foreach (var store in new[] { Store, Cache }.Distinct())
            if (Directory.Exists(store.ArtifactFolder(record))) Directory.Delete(store.ArtifactFolder(record), recursive: true);
        if (!Directory.Exists(staging)) return null;
        var kept = new Dictionary<string, long>();
        foreach (var file in Directory.GetFiles(staging).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            long bytes = new FileInfo(file).Length;
            var store = Store.Layout == RunStoreLayout.ByIdentity && bytes > RunCache.CommittedArtifactLimit ? Cache : Store;
            var target = store.ArtifactFile(record, name);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(file, target, overwrite: true);
            kept[name] = bytes;
        }
        return kept.Count > 0 ? kept : null;
    }

    private static string Describe(Dictionary<string, double> metrics) =>
        string.Join(", ", metrics.Where(kv => !kv.Key.Contains('.')).Select(kv => $"{kv.Key} {kv.Value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}"));
}
