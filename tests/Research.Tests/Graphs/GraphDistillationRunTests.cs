using Research.Experiments;
using Research.Graphs;

namespace Research.Tests.Graphs;

/// <summary>An FF-G2M run's key holds what decides it: the graph (a CSBM's options, a Planetoid dataset's files by their
/// content, not their folder), the teacher, the objectives and every option.</summary>
public sealed class GraphDistillationRunTests
{
    private static readonly CsbmOptions SmallGraph = new(Nodes: 300, ValNodes: 50);

    private static GraphDistillationRun Run(GraphSpec? graph = null, TeacherKind teacher = TeacherKind.Gcn, DistillMethod[]? methods = null,
        Ffg2mOptions? options = null) =>
        new("arm", graph ?? GraphSpec.Csbm(SmallGraph), teacher, methods ?? [DistillMethod.VanillaMlp], options ?? new Ffg2mOptions(Hidden: 16));

    private static string Key(object description) => RunKey.Of(RunKey.Inputs("exp", description, 0, Budget.Smoke), "build");

    [Fact]
    public void Key_HoldsThePlanetoidFilesContent_NotTheirFolder()
    {
        using var a = new ScratchFolder().CopyFrom(GraphTestSupport.PlanetoidFolder);
        using var b = new ScratchFolder().CopyFrom(GraphTestSupport.PlanetoidFolder);
        var inputs = RunKey.Inputs("exp", Run(GraphSpec.Planetoid(a.Path, "tiny")), 0, Budget.Smoke);
        var graph = inputs["run"]!["graph"]!.AsObject();
        Assert.Equal("planetoid", graph["source"]!.GetValue<string>());
        Assert.Equal(Planetoid.Fingerprint(a.Path, "tiny"), graph["fingerprint"]!.GetValue<string>());
        Assert.False(graph.ContainsKey("folder"));
        Assert.Equal(Key(Run(GraphSpec.Planetoid(a.Path, "tiny"))), Key(Run(GraphSpec.Planetoid(b.Path, "tiny"))));
        Assert.Equal(Key(Run(GraphSpec.Planetoid(a.Path, "tiny"))), Key(Run(GraphSpec.Planetoid(a.Path, "tiny", new PlanetoidOptions()))));
        Assert.NotEqual(Key(Run(GraphSpec.Planetoid(a.Path, "tiny"))), Key(Run(GraphSpec.Planetoid(a.Path, "tiny", new PlanetoidOptions(ValNodes: 4)))));

        var bytes = File.ReadAllBytes(b["ind.tiny.test.index"]);
        File.WriteAllBytes(b["ind.tiny.test.index"], [.. bytes, (byte)'\n']);
        Assert.NotEqual(Key(Run(GraphSpec.Planetoid(a.Path, "tiny"))), Key(Run(GraphSpec.Planetoid(b.Path, "tiny"))));
        Assert.NotEqual(Key(Run(GraphSpec.Planetoid(a.Path, "tiny"))), Key(Run(GraphSpec.Planetoid(a.Path, "tinygap"))));
    }

    [Fact]
    public void Key_ChangesWithTheGraphTeacherObjectivesAndOptions_NotWithMeasureOrLog()
    {
        var keys = new[]
        {
            Key(Run()),
            Key(Run(GraphSpec.Csbm(SmallGraph with { Homophily = 0.3 }))),
            Key(Run(GraphSpec.Csbm(SmallGraph with { Seed = 7 }))),
            Key(Run(teacher: TeacherKind.Gat)),
            Key(Run(methods: [DistillMethod.VanillaMlp, DistillMethod.FfG2m])),
            Key(Run(options: new Ffg2mOptions(Hidden: 16, Tau: 1.0))),
            Key(Run(options: new Ffg2mOptions(Hidden: 32))),
            Key(Run() with { Arm = "another arm" }),
        };
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Equal(Key(Run()), Key(Run() with { Measure = (_, _, m) => m["x"] = 1, Log = Console.WriteLine }));
    }

    [Fact]
    public void Run_InAGrid_TrainsOnce_WithTheMeasuresMetrics()
    {
        using var dir = new ScratchFolder();
        var runner = new ExperimentRunner("ffg2m-grid", Budget.Smoke, cache: new RunCache(dir.Path));
        int measured = 0;
        var run = Run() with { Measure = (graph, outcome, metrics) => { measured++; metrics["nodes"] = graph.NumNodes; } };
        var first = runner.Run(["arm"], [0], _ => run);
        Assert.Equal(1, measured);
        Assert.Equal(300, first.Configs[0]["nodes"].Mean);
        Assert.InRange(first.Configs[0]["VanillaMlp"].Mean, 0, 1);
        Assert.InRange(first.Configs[0]["teacher"].Mean, 0, 1);

        var again = runner.Run(["arm"], [0], _ => run);
        Assert.Equal((1, 0), again.Counts);
        Assert.Equal(1, measured);
    }

    [Fact]
    public void Plan_IsTheBudgetsTable()
    {
        Assert.Equal(Ffg2m.Budgets.Quick.Seeds, Ffg2m.Plan.Quick.Seeds);
        Assert.Equal(Ffg2m.Budgets.Full.MaxEpochs, Ffg2m.Plan.Full.Epochs);
        Assert.Equal(1, Ffg2m.Plan.Smoke.DataFraction);
    }
}
