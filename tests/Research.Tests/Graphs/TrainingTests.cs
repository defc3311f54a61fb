using Research.Experiments;
using Research.Graphs;
using Research.Torch;
using static Research.Torch.torch;

namespace Research.Tests.Graphs;

// Serial: dropout draws from libtorch's process-wide generator, so a test training alongside would change these runs;
// alone, they are the same on every run and their accuracy margins are not left to chance.
[Collection("Graphs serial")]
public sealed class TrainingTests
{
    // A homophilous graph with weak features: the graph carries most of the label signal, so a GCN must beat an MLP.
    internal static readonly CsbmOptions Homophilous = new(Nodes: 400, Classes: 4, AverageDegree: 6, Homophily: 0.9, FeatureDim: 32,
        SignalToNoise: 1.0, TrainPerClass: 10, ValNodes: 100, Seed: 7);

    internal static readonly Ffg2mOptions Small = new(Hidden: 32, MaxEpochs: 100, Patience: 30);

    [Fact]
    public void Fit_GcnTeacher_BeatsAnMlpOnAHomophilousGraph()
    {
        using var g = Csbm.Generate(Homophilous);
        var (teacher, logits) = Ffg2m.TrainTeacher(g, TeacherKind.Gcn, Small, seed: 0);
        logits.Dispose();
        var mlp = Ffg2m.TrainStudent(g, null, DistillMethod.VanillaMlp, Small, seed: 0);
        Assert.True(teacher.TestAcc > 0.8, $"GCN test accuracy {teacher.TestAcc:P1}");
        Assert.True(teacher.TestAcc > mlp.TestAcc + 0.15, $"GCN {teacher.TestAcc:P1} vs MLP {mlp.TestAcc:P1}");
    }

    [Fact]
    public void Fit_StopsAfterPatience_AndKeepsTheBestValidationEpoch()
    {
        using var g = Csbm.Generate(Homophilous);
        manual_seed(1);
        using var model = new Gcn(2, g.NumFeatures, 16, g.NumClasses, 0.5);
        var fit = NodeTraining.Fit(model, g, z => Distillation.LabelLoss(z, g.Labels, g.TrainIndex), new FitOptions(MaxEpochs: 300, Patience: 10));
        // Stopping rule of the official loop: the run ends exactly `patience` epochs after the last epoch with val ≥ best.
        Assert.True(fit.Epochs == 300 || fit.Epochs == fit.BestEpoch + 10, $"{fit.Epochs} epochs, best at {fit.BestEpoch}");
        Assert.Equal(fit.History.Max(r => r.ValAcc), fit.ValAcc);
        Assert.Equal(fit.History.Last(r => r.ValAcc == fit.ValAcc).Epoch, fit.BestEpoch);   // ties go to the later epoch
        // The model holds the best epoch's weights: evaluating it again gives that epoch's accuracies.
        var (_, val, test) = NodeTraining.Evaluate(model, g);
        Assert.Equal(fit.ValAcc, val, 12);
        Assert.Equal(fit.TestAcc, test, 12);
    }

    [Fact]
    public void Run_FfG2mStudent_LearnsFromTheTeacherWhatFeaturesAloneMiss()
    {
        using var g = Csbm.Generate(Homophilous);
        var run = Ffg2m.Run(g, TeacherKind.Gcn, [DistillMethod.VanillaMlp, DistillMethod.FfG2m], seed: 0, Budget.Quick, Small);
        Assert.Equal(2, run.Students.Count);
        Assert.True(run[DistillMethod.FfG2m].TestAcc > run[DistillMethod.VanillaMlp].TestAcc + 0.1,
            $"FF-G2M {run[DistillMethod.FfG2m].TestAcc:P1} vs vanilla MLP {run[DistillMethod.VanillaMlp].TestAcc:P1} (teacher {run.Teacher.TestAcc:P1})");
        // Per-node outputs: one logit row per node, and their test accuracy is the reported one.
        Assert.Equal(new[] { g.NumNodes, g.NumClasses }, new[] { run.Teacher.Logits.GetLength(0), run.Teacher.Logits.GetLength(1) });
        var predictions = run.Teacher.Predictions;
        double acc = Enumerable.Range(0, g.NumNodes).Where(i => run.TestMask[i]).Average(i => predictions[i] == run.Labels[i] ? 1.0 : 0.0);
        Assert.Equal(run.Teacher.TestAcc, acc, 6);
        // A teacher trained on a homophilous graph outputs smoother signals than the vanilla MLP's.
        Assert.True(run.Teacher.DirichletEnergy < run[DistillMethod.VanillaMlp].DirichletEnergy,
            $"teacher {run.Teacher.DirichletEnergy:0.000}, MLP {run[DistillMethod.VanillaMlp].DirichletEnergy:0.000}, FF-G2M {run[DistillMethod.FfG2m].DirichletEnergy:0.000}");
        Assert.Equal(["homophily", "teacher", "VanillaMlp", "FfG2m"], run.Metrics().Keys);
    }
}

public sealed class Ffg2mApiTests
{
    [Fact]
    public void Official_CoraGcn_IsTheTunedRowOfTheOfficialParameterFile()
    {
        // FFC param/best_parameters.json, cora/GCN: num_layers 3, hidden_dim 512, dropout_t 0.6 (student), dropout_s 0.5
        // (teacher), tau 1.5, lamb 0.4, learning_rate 0.01.
        var o = Ffg2mOptions.Official("cora", TeacherKind.Gcn);
        Assert.Equal((3, 512, 0.6, 0.5, 1.5, 0.4, 0.01), (o.Layers, o.Hidden, o.StudentDropout, o.TeacherDropout, o.Tau, o.Lambda, o.StudentLr));
        Assert.Equal(0.001, Ffg2mOptions.Official("amazon-photo", TeacherKind.Sage).StudentLr);
        Assert.Throws<ArgumentException>(() => Ffg2mOptions.Official("ogbn-arxiv", TeacherKind.Gcn));
    }

    [Fact]
    public void Budgets_ShrinkEpochsAndWidth_ButFullKeepsTheOptions()
    {
        var official = Ffg2mOptions.Official("citeseer", TeacherKind.Gat);   // hidden 2048
        Assert.Equal(2048, Ffg2m.Budgets.For(Budget.Full).Apply(official).Hidden);
        Assert.Equal(500, Ffg2m.Budgets.For(Budget.Full).Apply(official).MaxEpochs);
        var quick = Ffg2m.Budgets.For(Budget.Quick).Apply(official);
        Assert.Equal((64, 200), (quick.Hidden, quick.MaxEpochs));
        Assert.Equal(official.Tau, quick.Tau);
    }

    [Fact]
    public void HomophilySweep_Smoke_SummarizesEveryModelAtEveryHomophily()
    {
        var log = new List<string>();
        var runs = Ffg2m.HomophilySweep([0.2, 0.8], TeacherKind.Gcn, Ffg2m.AllMethods, Budget.Smoke,
            new CsbmOptions(Classes: 3, FeatureDim: 16, TrainPerClass: 10, ValNodes: 60), log: log.Add);
        Assert.Equal(2, runs.Count);   // smoke: one seed per homophily
        Assert.Equal(300, runs[0].Labels.Length);
        Assert.Equal(12, log.Count);    // a teacher and five students per run
        var rows = Ffg2m.Summarize(runs);
        Assert.Equal(12, rows.Count);
        Assert.Equal([0.2, 0.8], rows.Select(r => r.Homophily).Distinct());
        Assert.Equal("teacher Gcn", rows[0].Model);
        Assert.All(rows, r => Assert.InRange(r.TestAcc.Mean, 0, 1));
        Assert.InRange(rows[6].MeasuredHomophily, 0.7, 0.9);
    }

    [Fact]
    public void Run_FromPlanetoidFolder_TrainsOnTheLoadedGraph()
    {
        var run = Ffg2m.Run(GraphSpec.Planetoid(GraphTestSupport.PlanetoidFolder, "tiny"), TeacherKind.Sage, DistillMethod.Glnn, seed: 0, Budget.Smoke);
        Assert.Equal("tiny", run.Graph);
        Assert.Equal(12, run.Labels.Length);
        Assert.Equal("smoke", run.Budget);
        Assert.InRange(run[DistillMethod.Glnn].TestAcc, 0, 1);
    }

    [Fact]
    public void TimeInference_ReportsBothModelsOnTheSameGraph()
    {
        using var g = Csbm.Generate(new CsbmOptions(Nodes: 300, ValNodes: 50));
        var t = Ffg2m.TimeInference(g, TeacherKind.Gat, new Ffg2mOptions(Hidden: 32), repeats: 3);
        Assert.True(t.GnnMs > 0 && t.MlpMs > 0);
        Assert.Equal((300, g.NumEdges), (t.Nodes, t.Edges));
    }
}

[Collection("Graphs serial")]
public sealed class TrainingDeterminismTests
{
    [Fact]
    public void Fit_SameSeed_SameResult()
    {
        using var g = Csbm.Generate(TrainingTests.Homophilous with { Nodes = 200, ValNodes = 50 });
        var o = TrainingTests.Small with { MaxEpochs = 20 };
        var a = Ffg2m.TrainStudent(g, null, DistillMethod.VanillaMlp, o, seed: 3);
        var b = Ffg2m.TrainStudent(g, null, DistillMethod.VanillaMlp, o, seed: 3);
        Assert.Equal(a.History.Select(r => r.Loss), b.History.Select(r => r.Loss));
    }

    [Fact]
    public void Fit_ManyEpochs_LeavesNoTensorsBehind()
    {
        // Every epoch's temporaries live in a dispose scope; the optimizer state and the best-epoch copy are freed at the end.
        using var g = Csbm.Generate(TrainingTests.Homophilous with { Nodes = 200, ValNodes = 50 });
        _ = (g.WithSelfLoops, g.WithoutSelfLoops);   // cached with the graph, built before counting
        using var teacher = Predict(g);
        long before = Research.Tests.Training.LiveTensorCount.Settled();
        foreach (var method in Ffg2m.AllMethods)
            Ffg2m.TrainStudent(g, teacher, method, TrainingTests.Small with { MaxEpochs = 30 }, seed: 0);
        Assert.Equal(before, Research.Tests.Training.LiveTensorCount.Settled());
    }

    [Fact]
    public void Fit_CancelledToken_Stops()
    {
        using var g = Csbm.Generate(TrainingTests.Homophilous with { Nodes = 200, ValNodes = 50 });
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => Ffg2m.TrainStudent(g, null, DistillMethod.VanillaMlp, TrainingTests.Small, 0, cts.Token));
    }


    private static Tensor Predict(Graph g)
    {
        using var model = new Gcn(2, g.NumFeatures, 8, g.NumClasses, 0);
        return NodeTraining.Predict(model, g).DetachFromDisposeScope();
    }
}
