using System.Reflection;
using Research.Data;
using Research.Experiments;
using Research.Models;
using Research.Tests.Training;
using Research.Training;

namespace Research.Tests.Experiments;

/// <summary>The cache key is everything that decides a result: every keyed option field, the model's configuration
/// after its overrides, the data's identity, seed, budget and build. Each test changes one thing and expects a miss,
/// or changes nothing (or only what cannot change a result) and expects a hit.</summary>
[Collection("Serial")]
public sealed class RunKeyTests
{
    private static readonly ExperimentData Data = new(Synthetic.OrientedStripes(64, Split.Train, diagonals: false),
        Synthetic.OrientedStripes(16, Split.Test, diagonals: false));

    private static ModelSpec Tiny(int depth = 1) =>
        ModelSpec.Of<S2MlpConfig>("s2mlp_wide", c => c with { PatchSize = 4, EmbedDim = 8, Depth = depth, MlpRatio = 1 }, Data.ModelOptions);

    private static ClassifierRun Run(TrainerOptions? trainer = null, LoaderOptions? loader = null, ModelSpec? model = null, ExperimentData? data = null) =>
        new("arm", model ?? Tiny(), new ImageTraining(data ?? Data, trainer ?? new TrainerOptions(), loader ?? new LoaderOptions()));

    private static string Key(object description, int seed = 0, Budget budget = Budget.Quick, string experiment = "exp", string code = "build-1") =>
        RunKey.Of(RunKey.Inputs(experiment, description, seed, budget), code);

    [Fact]
    public void TypeNames_CarryNoAssemblyNorNotebookCell()
    {
        Assert.Equal("Research.Experiments.ClassifierRun", RunKey.TypeName(typeof(ClassifierRun)));
        var anonymous = new { arm = "a", model = Tiny(), seed = 1 };
        Assert.Equal("anonymous[System.String,Research.Models.ModelSpec,System.Int32]", RunKey.TypeName(anonymous.GetType()));
        Assert.Equal("System.Collections.Generic.List`1[System.Int32]", RunKey.TypeName(typeof(List<int>)));
        Assert.Equal(Key(new { arm = "a", n = 1 }), Key(new { arm = "a", n = 1 }));
        Assert.NotEqual(Key(new { arm = "a", n = 1 }), Key(new { arm = "a", n = 2 }));
    }

    [Fact]
    public void NothingChanged_IsTheSameKey()
    {
        Assert.Equal(Key(Run()), Key(Run(new TrainerOptions(), new LoaderOptions(), Tiny(),
            new ExperimentData(Synthetic.OrientedStripes(64, Split.Train, diagonals: false), Synthetic.OrientedStripes(16, Split.Test, diagonals: false)))));
    }

    [Fact]
    public void EveryKeyedTrainerOption_ChangesTheKey_AndTheUnkeyedOnesDoNot()
    {
        var baseline = Key(Run());
        foreach (var property in typeof(TrainerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var changed = With(new TrainerOptions(), property);
            AssertKeyed(property, baseline, Key(Run(trainer: changed)));
        }
    }

    [Fact]
    public void EveryKeyedLoaderOption_ChangesTheKey_AndTheUnkeyedOnesDoNot()
    {
        var baseline = Key(Run());
        foreach (var property in typeof(LoaderOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            AssertKeyed(property, baseline, Key(Run(loader: With(new LoaderOptions(), property))));
    }

    [Fact]
    public void EveryFieldOfTheAugmentation_ChangesTheKey()
    {
        var baseline = Key(Run());
        foreach (var property in typeof(Augmentation).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            Assert.True(baseline != Key(Run(loader: new LoaderOptions { Augment = With(Augmentation.None, property) })), $"Augmentation.{property.Name} is not in the key");
    }

    [Fact]
    public void TheModelAfterItsOverrides_TheData_Seed_Budget_ExperimentAndBuild_AreInTheKey()
    {
        var run = Run();
        var others = new[]
        {
            Key(Run(model: Tiny(depth: 2))),
            Key(Run(model: Tiny() with { Options = Data.ModelOptions with { NumClasses = 5 } })),
            Key(Run(data: Data with { Train = Data.Train.Fraction(0.5, seed: 0) })),
            Key(Run(data: Data with { Train = Data.Train.Fraction(0.5, seed: 1) })),
            Key(Run(data: Data with { Test = Data.Test.First(8) })),
            Key(Run(data: Data with { Train = Synthetic.OrientedStripes(64, Split.Train, seed: 3, diagonals: false) })),
            Key(run, seed: 1), Key(run, budget: Budget.Full), Key(run, experiment: "exp2"), Key(run, code: "build-2"),
            Key(run with { Arm = "another arm" }),
        };
        Assert.Equal(others.Length + 1, others.Append(Key(run)).Distinct().Count());
    }

    [Fact]
    public void TheIdentity_LeavesOutOnlyTheBuild()
    {
        var inputs = RunKey.Inputs("exp", Run(), 0, Budget.Full);
        Assert.NotEqual(RunKey.Of(inputs, "build-1"), RunKey.Of(inputs, "build-2"));
        Assert.Equal(RunKey.IdentityOf(inputs), RunKey.IdentityOf(RunKey.Inputs("exp", Run(), 0, Budget.Full)));
        Assert.NotEqual(RunKey.IdentityOf(inputs), RunKey.IdentityOf(RunKey.Inputs("exp", Run(), 1, Budget.Full)));
        Assert.Equal(Data.Train.Fingerprint, inputs["run"]!["training"]!["data"]!["train"]!["fingerprint"]!.GetValue<string>());
    }

    [Fact]
    public void ADatasetIdentity_SaysWhatWasTaken()
    {
        Assert.Equal($"{Data.Train.Name}/train, class-balanced 0.5 (seed 2)", Data.Train.Fraction(0.5, seed: 2).Identity);
        Assert.Equal($"{Data.Test.Name}/test, first 8", Data.Test.First(8).Identity);
        Assert.Same(Data.Test, Data.Test.First(100));
    }

    [Fact]
    public void AnAnonymousDescription_IsNamedWithoutAssemblies_SoANewSessionMakesTheSameKey()
    {
        var description = new { arm = "a", run = Run(), dims = new List<long> { 8, 16 } };
        var type = RunKey.Inputs("exp", description, 0, Budget.Quick)["type"]!.GetValue<string>();
        Assert.Equal("anonymous[System.String,Research.Experiments.ClassifierRun,System.Collections.Generic.List`1[System.Int64]]", type);
        Assert.Equal("Research.Experiments.ClassifierRun", RunKey.TypeName(typeof(ClassifierRun)));
        Assert.Equal("Research.Experiments.ClassifierRun[]", RunKey.TypeName(typeof(ClassifierRun[])));
    }

    [Fact]
    public void CodeVersion_IsDerivedFromTheBuiltFiles()
    {
        Assert.Matches("^[0-9a-f]{16}$", CodeVersion.Current);
        Assert.Equal(3, CodeVersion.Files.Count);
        Assert.All(CodeVersion.Files, f => Assert.True(File.Exists(f), f));
        Assert.Contains(CodeVersion.Files, f => f.EndsWith("libresearch_native.so", StringComparison.Ordinal));
    }

    private static void AssertKeyed(PropertyInfo property, string baseline, string changed)
    {
        bool unkeyed = property.IsDefined(typeof(NotInRunKeyAttribute));
        if (unkeyed) Assert.True(baseline == changed, $"{property.DeclaringType!.Name}.{property.Name} is marked not in the key but changed it");
        else Assert.True(baseline != changed, $"{property.DeclaringType!.Name}.{property.Name} is not in the key");
    }

    // The record with one property set to a different value of its type (records' `with` through the clone method).
    private static T With<T>(T record, PropertyInfo property) where T : class
    {
        var clone = (T)typeof(T).GetMethod("<Clone>$")!.Invoke(record, null)!;
        property.SetValue(clone, Different(property.PropertyType, property.GetValue(record)));
        return clone;
    }

    private static object? Different(Type type, object? value)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null) return value is null ? Different(underlying, Activator.CreateInstance(underlying)) : null;
        if (type == typeof(int)) return (int)value! + 1;
        if (type == typeof(long)) return (long)value! + 1;
        if (type == typeof(double)) return (double)value! * 2 + 1;
        if (type == typeof(bool)) return !(bool)value!;
        if (type == typeof(string)) return (string?)value + "-changed";
        if (type.IsEnum)
        {
            var values = Enum.GetValues(type);
            return values.GetValue((Array.IndexOf(values, value) + 1) % values.Length);
        }
        if (type == typeof(Augmentation)) return Augmentation.CropFlip(2);
        if (type == typeof(DistributedSampler)) return value is null ? new DistributedSampler(2, 1) : null;
        throw new NotSupportedException($"no changed value for {type.Name}: teach the test this option type");
    }
}

[Collection("Serial")]
public sealed class ResultStoreTests
{
    private sealed record Arm(string Name);

    [Fact]
    public void FullBudgetRuns_AreCommittedResults_ServedToALaterBuild_Labelled()
    {
        using var cache = new TempDir();
        using var results = new TempDir();
        RunOutcome Train(RunContext _) => new(new() { ["acc"] = 0.9 });
        var first = new ExperimentRunner("exp", Budget.Full, new RunCache(cache.Path), new RunCache(results.Path, RunStoreLayout.ByIdentity), codeVersion: "build-1");
        var record = first.RunOne(new Arm("a"), 0, Train)!;
        Assert.True(File.Exists(Path.Combine(results.Path, "exp", "runs", record.Identity + ".json")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache.Path));

        var later = new ExperimentRunner("exp", Budget.Full, new RunCache(cache.Path), new RunCache(results.Path, RunStoreLayout.ByIdentity), codeVersion: "build-2");
        var served = later.RunOne(new Arm("a"), 0, _ => throw new InvalidOperationException("a committed result must not train again"))!;
        Assert.True(served.FromOtherBuild);
        Assert.Equal("build-1", served.CodeVersion);
        var grid = later.Run([new Arm("a")], [0], (_, _) => throw new InvalidOperationException("no"));
        Assert.Contains("1 by build build-1; this build is build-2", grid.Provenance);
        Assert.Contains("earlier build", grid.Provenance);
    }

    [Fact]
    public void TheLocalCache_NeverServesAnotherBuild()
    {
        using var cache = new TempDir();
        int calls = 0;
        RunOutcome Train(RunContext _) { calls++; return new(new() { ["acc"] = 0.9 }); }
        new ExperimentRunner("exp", Budget.Quick, new RunCache(cache.Path), codeVersion: "build-1").RunOne(new Arm("a"), 0, Train);
        new ExperimentRunner("exp", Budget.Quick, new RunCache(cache.Path), codeVersion: "build-2").RunOne(new Arm("a"), 0, Train);
        new ExperimentRunner("exp", Budget.Quick, new RunCache(cache.Path), codeVersion: "build-2").RunOne(new Arm("a"), 0, Train);
        Assert.Equal(2, calls);
    }

    [Fact]
    public void WithNoBudgetChosen_ANotebookShowsItsCommittedResults_AndTrainsNothing()
    {
        using var cache = new TempDir();
        using var results = new TempDir();
        var saved = Environment.GetEnvironmentVariable(Budgets.EnvironmentVariable);
        var plan = new BudgetPlan(new(0.1, 1, 1), new(0.2, 2, 2), new(1, 3, 3));
        try
        {
            Environment.SetEnvironmentVariable(Budgets.EnvironmentVariable, null);
            var store = new RunCache(results.Path, RunStoreLayout.ByIdentity);
            Assert.Equal(Budget.Quick, new Experiment("exp", plan, cache: new RunCache(cache.Path), results: store).Budget);

            new ExperimentRunner("exp", Budget.Full, new RunCache(cache.Path), store).Run([new Arm("a")], [0, 1], (_, ctx) => new RunOutcome(new() { ["acc"] = ctx.Seed }));
            var shown = new Experiment("exp", plan, cache: new RunCache(cache.Path), results: store);
            Assert.Equal(Budget.Full, shown.Budget);
            Assert.True(shown.ShowsCommittedResults);
            var grid = shown.Run([new Arm("a")], a => a, (_, _) => throw new InvalidOperationException("showing committed results trains nothing"));
            Assert.Equal(2, grid.Configs[0].Runs.Count);
            Assert.Equal(1, grid.Missing);   // seed 2 of the full plan's three
            Assert.Contains("not yet computed", grid.Provenance);

            Environment.SetEnvironmentVariable(Budgets.EnvironmentVariable, "quick");
            Assert.Equal(Budget.Quick, new Experiment("exp", plan, cache: new RunCache(cache.Path), results: store).Budget);
        }
        finally { Environment.SetEnvironmentVariable(Budgets.EnvironmentVariable, saved); }
    }
}
