using Research.Data;
using Research.Experiments;
using Research.Torch;
using Research.Training;

using Research.Models;
using Research.Tests.Training;

namespace Research.Tests.Experiments;

public sealed class ExperimentRunnerTests
{
    private sealed record Config(string Name, double Offset);

    [Fact]
    public void Run_GridOfConfigsAndSeeds_ReportsMeanAndStd_AndReusesFinishedRuns()
    {
        using var dir = new TempDir();
        var cache = new RunCache(dir.Path);
        var configs = new[] { new Config("a", 10), new Config("b", 20) };
        int calls = 0;
        RunOutcome Run(Config c, RunContext ctx)
        {
            calls++;
            return new RunOutcome(new() { ["score"] = c.Offset + ctx.Seed });
        }

        var first = new ExperimentRunner("grid", Budget.Smoke, cache: cache).Run(configs, [0, 1, 2, 3], Run);
        Assert.Equal(8, calls);
        Assert.Equal((0, 8), first.Counts);
        // Seeds 0..3 add 0..3: mean offset + 1.5, sample std sqrt(5/3).
        Assert.Equal(11.5, first.Configs[0]["score"].Mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3), first.Configs[1]["score"].Std, 12);
        Assert.Equal("21.50 ± 1.29", first.Summary("score")[1].Value.ToString());

        var again = new ExperimentRunner("grid", Budget.Smoke, cache: cache).Run(configs, [0, 1, 2, 3], Run);
        Assert.Equal(8, calls);
        Assert.Equal((8, 0), again.Counts);
        Assert.Equal(first.Configs[1]["score"], again.Configs[1]["score"]);

        new ExperimentRunner("grid", Budget.Quick, cache: cache).Run(configs, [0], Run);
        Assert.Equal(10, calls);   // another budget is another key
    }

    [Fact]
    public void Run_DamagedCacheEntry_IsRecomputed()
    {
        using var dir = new TempDir();
        var cache = new RunCache(dir.Path);
        var runner = new ExperimentRunner("damaged", Budget.Smoke, cache: cache);
        int calls = 0;
        var record = runner.RunOne(new Config("a", 1), 0, _ => { calls++; return new RunOutcome(new() { ["x"] = 1 }); })!;
        File.WriteAllText(cache.PathOf("damaged", record.Key), "{ truncated");
        var again = runner.RunOne(new Config("a", 1), 0, _ => { calls++; return new RunOutcome(new() { ["x"] = 1 }); })!;
        Assert.Equal(2, calls);
        Assert.False(again.Cached);
        Assert.True(runner.RunOne(new Config("a", 1), 0, _ => throw new InvalidOperationException("not again"))!.Cached);
    }

    [Fact]
    public void Run_GivesEachRunAWorkFolder_RemovedOnceTheRunIsStored()
    {
        using var dir = new TempDir();
        var runner = new ExperimentRunner("work", Budget.Smoke, cache: new RunCache(dir.Path));
        string? folder = null;
        runner.RunOne(new Config("a", 1), 0, ctx =>
        {
            folder = ctx.CheckpointDir;
            Directory.CreateDirectory(folder);
            return new RunOutcome(new() { ["x"] = 1 });
        });
        Assert.StartsWith(Path.Combine(ResearchPaths.Cache, "runs", "work"), folder);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void MeanStd_OfASingleValueHasZeroStd()
    {
        Assert.Equal(new MeanStd(0.9, 0, 1), MeanStd.Of([0.9]));
        Assert.Equal("90.0 ± 0.0", MeanStd.Of([0.9]).Format("0.0", scale: 100));
    }
}

/// <summary>Trains with the run's seed, so runs alone to keep libtorch's generator to itself.</summary>
[Collection("Serial")]
public sealed class ClassifierRunTests
{
    [Fact]
    public void ClassifierRun_InterruptedRunResumesFromItsCheckpoints_AndTheFinishedRunIsCached()
    {
        using var dir = new TempDir();
        var cache = new RunCache(dir.Path);
        var runner = new ExperimentRunner("fit", Budget.Smoke, cache: cache);
        var data = new ExperimentData(Synthetic.OrientedStripes(256, Split.Train, diagonals: false),
            Synthetic.OrientedStripes(64, Split.Test, diagonals: false));
        var training = new ImageTraining(data, new TrainerOptions { Epochs = 4, Lr = 3e-3, ProgressInterval = 0 },
            new LoaderOptions { BatchSize = 32 });   // 8 steps an epoch, 32 in all
        var model = ModelSpec.Of<S2MlpConfig>("s2mlp_wide", c => c with { PatchSize = 4, EmbedDim = 16, Depth = 1, MlpRatio = 2 }, data.ModelOptions);

        using var cts = new CancellationTokenSource();
        var interrupted = new ClassifierRun("tiny", model, training) { Progress = p => { if (p.Step >= 13) cts.Cancel(); } };
        Assert.ThrowsAny<OperationCanceledException>(() => runner.RunOne(interrupted, 0, interrupted.Run, cancellationToken: cts.Token));
        Assert.Empty(cache.All("fit"));

        long? firstReported = null;
        var resumed = new ClassifierRun("tiny", model, training) { Progress = p => firstReported ??= p.Step };
        var record = runner.RunOne(resumed, 0, resumed.Run)!;
        Assert.Equal(14, firstReported);   // the first step after the checkpoint of step 13
        Assert.Equal(32, record.Metrics["steps"]);
        Assert.True(record.Metrics["test_acc"] > 0.5, $"test accuracy {record.Metrics["test_acc"]:P1}");
        Assert.Equal(32, record.History!.Train[^1].Step);

        var cached = runner.RunOne(new ClassifierRun("tiny", model, training), 0, _ => throw new InvalidOperationException("a finished run must not train again"))!;
        Assert.True(cached.Cached);
        Assert.Equal(record.Metrics["test_acc"], cached.Metrics["test_acc"]);
        Assert.Equal(record.History.Loss, cached.History!.Loss);
    }

    [Fact]
    public void ClassifierRun_MeasureReadsTheTrainedModelAndItsConfusion()
    {
        using var dir = new TempDir();
        var data = new ExperimentData(Synthetic.OrientedStripes(128, Split.Train, diagonals: false), Synthetic.OrientedStripes(32, Split.Test, diagonals: false));
        var run = new ClassifierRun("tiny", ModelSpec.Of<S2MlpConfig>("s2mlp_wide", c => c with { PatchSize = 4, EmbedDim = 8, Depth = 1, MlpRatio = 1 }, data.ModelOptions),
            new ImageTraining(data, new TrainerOptions { Epochs = 1, ProgressInterval = 0 }, new LoaderOptions { BatchSize = 32 }) { EvaluateEachEpoch = false })
        {
            Measure = (model, eval, metrics) => metrics["confused"] = eval.Confusion.Cast<int>().Sum() - Enumerable.Range(0, eval.Confusion.GetLength(0)).Sum(i => eval.Confusion[i, i]),
        };
        var record = new ExperimentRunner("measure", Budget.Smoke, cache: new RunCache(dir.Path)).RunOne(run, 0, run.Run)!;
        Assert.Equal((1 - record.Metrics["test_acc"]) * 32, record.Metrics["confused"], 6);
    }
}

[Collection("Serial")]
public sealed class BudgetTests
{
    [Fact]
    public void Resolve_ArgumentBeatsEnvironment_WhichBeatsTheQuickDefault()
    {
        var saved = Environment.GetEnvironmentVariable(Budgets.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(Budgets.EnvironmentVariable, null);
            Assert.Equal(Budget.Quick, Budgets.Current);
            Environment.SetEnvironmentVariable(Budgets.EnvironmentVariable, "SMOKE");
            Assert.Equal(Budget.Smoke, Budgets.Current);
            Assert.Equal(Budget.Full, Budgets.Resolve("full"));
            Environment.SetEnvironmentVariable(Budgets.EnvironmentVariable, "fast");
            var e = Assert.Throws<ArgumentException>(() => Budgets.Current);
            Assert.Contains("RESEARCH_BUDGET", e.Message);
        }
        finally { Environment.SetEnvironmentVariable(Budgets.EnvironmentVariable, saved); }
    }

    [Fact]
    public void Plan_PicksTheSettingsOfEachBudget()
    {
        var plan = new BudgetPlan(new(0.02, 1, 1), new(0.2, 5, 2), new(1, 100, 3));
        Assert.Equal(5, plan.For(Budget.Quick).Epochs);
        Assert.Equal(new[] { 0, 1, 2 }, plan.For(Budget.Full).SeedList);
        Assert.Equal(64, new ByBudget<int>(16, 32, 64).For(Budget.Full));
    }
}
