using System.Diagnostics;
using Research.Experiments;
using Research.Torch;
using static Research.Torch.torch;

namespace Research.Graphs;

// FF-G2M experiments for notebooks: train a GNN teacher, distil it into MLP students with each
// objective, report accuracies, timings and every node's outputs. The protocol is the official code's
// (docs/papers.md §7): teacher trained first with early stopping on validation accuracy and restored
// to its best epoch; its eval-mode logits on every node are the distillation targets; each student is
// trained with early stopping and reported at its best validation epoch. Deviations, each deliberate:
//  - every student starts from the same seeded initialisation (manual_seed(seed) before it is built),
//    so methods differ only in their objective; the official script trains one student per run, right
//    after the teacher, from whatever the generator state is then;
//  - students are restored to their best validation epoch so the per-node outputs returned belong to
//    the model whose accuracy is reported (the official code reports that accuracy without restoring);
//  - budgets below `full` shrink widths and epochs to fit a CPU (see Ffg2m.Budgets).

/// <summary>Hyper-parameters of one FF-G2M run. Defaults are the official script's command-line defaults
/// (src/train.py: 2 layers, 256 hidden, dropout 0.5, τ = 1.5, λ = 0.1, 4 GAT heads, Adam lr 1e-2, weight decay 5e-4,
/// at most 500 epochs, patience 50). <see cref="TeacherDropout"/> is the official <c>dropout_s</c> and
/// <see cref="StudentDropout"/> its <c>dropout_t</c>: the code feeds them to the other role than their names say.
/// <see cref="Threads"/>: libtorch threads while a run trains (restored afterwards; null leaves the setting alone). One by
/// default: full-batch operators on graphs of a few thousand nodes are too small to gain from a second thread, and on a
/// busy 2-core machine the second thread's synchronisation made the quick homophily sweep 3 to 4 times slower.</summary>
public sealed record Ffg2mOptions(
    int Layers = 2,
    int Hidden = 256,
    double TeacherDropout = 0.5,
    double StudentDropout = 0.5,
    double Tau = 1.5,
    double Lambda = 0.1,
    int Heads = 4,
    double AttnDropout = 0.3,
    SageAggregator SageAggregator = SageAggregator.Gcn,
    double TeacherLr = 1e-2,
    double StudentLr = 1e-2,
    double WeightDecay = 5e-4,
    int MaxEpochs = 500,
    int Patience = 50,
    int? Threads = 1)
{
    public FitOptions TeacherFit => new(TeacherLr, WeightDecay, MaxEpochs, Patience);
    public FitOptions StudentFit => new(StudentLr, WeightDecay, MaxEpochs, Patience);

    /// <summary>The tuned settings of the official <c>param/best_parameters.json</c> (github LirongWu/FF-G2M, file as of commit cf682e2) for
    /// <paramref name="dataset"/> (cora, citeseer, pubmed, coauthor-cs, coauthor-phy, amazon-photo) and teacher.
    /// Teachers always train at lr 1e-2 in that code; <c>learning_rate</c> is the student's.</summary>
    public static Ffg2mOptions Official(string dataset, TeacherKind teacher)
    {
        var key = (dataset.ToLowerInvariant(), teacher);
        if (!OfficialTable.TryGetValue(key, out var row))
            throw new ArgumentException($"Ffg2mOptions.Official: no tuned settings for {dataset}/{teacher}; datasets: {string.Join(", ", OfficialTable.Keys.Select(k => k.Item1).Distinct())}");
        return row;
    }

    // (layers, hidden, dropout_t → student, dropout_s → teacher, tau, lamb, student lr); num_heads 4, wd 5e-4, 500 epochs everywhere.
    private static readonly Dictionary<(string, TeacherKind), Ffg2mOptions> OfficialTable = new()
    {
        [("cora", TeacherKind.Gcn)] = Row(3, 512, 0.6, 0.5, 1.5, 0.4, 0.01),
        [("cora", TeacherKind.Gat)] = Row(3, 1024, 0.3, 0.6, 1.2, 0.5, 0.01),
        [("cora", TeacherKind.Sage)] = Row(3, 512, 0.4, 0.3, 1.3, 0.5, 0.01),
        [("citeseer", TeacherKind.Gcn)] = Row(2, 256, 0.5, 0.5, 1.5, 0.1, 0.01),
        [("citeseer", TeacherKind.Gat)] = Row(2, 2048, 0.4, 0.5, 1.0, 0.1, 0.01),
        [("citeseer", TeacherKind.Sage)] = Row(2, 1024, 0.5, 0.5, 1.2, 0.1, 0.01),
        [("pubmed", TeacherKind.Gcn)] = Row(2, 1024, 0.3, 0.6, 1.5, 0.0, 0.01),
        [("pubmed", TeacherKind.Gat)] = Row(2, 2048, 0.3, 0.5, 1.2, 0.0, 0.01),
        [("pubmed", TeacherKind.Sage)] = Row(2, 2048, 0.6, 0.3, 1.3, 0.0, 0.01),
        [("coauthor-cs", TeacherKind.Gcn)] = Row(2, 1024, 0.5, 0.6, 1.5, 0.3, 0.01),
        [("coauthor-cs", TeacherKind.Gat)] = Row(2, 128, 0.4, 0.5, 1.1, 0.3, 0.01),
        [("coauthor-cs", TeacherKind.Sage)] = Row(2, 256, 0.6, 0.3, 1.4, 0.5, 0.01),
        [("coauthor-phy", TeacherKind.Gcn)] = Row(2, 2048, 0.3, 0.4, 1.2, 0.2, 0.01),
        [("coauthor-phy", TeacherKind.Gat)] = Row(2, 256, 0.3, 0.4, 1.4, 0.3, 0.01),
        [("coauthor-phy", TeacherKind.Sage)] = Row(2, 1024, 0.5, 0.6, 1.1, 0.5, 0.01),
        [("amazon-photo", TeacherKind.Gcn)] = Row(3, 2048, 0.5, 0.6, 1.3, 0.1, 0.001),
        [("amazon-photo", TeacherKind.Gat)] = Row(3, 256, 0.3, 0.3, 1.4, 0.3, 0.001),
        [("amazon-photo", TeacherKind.Sage)] = Row(3, 1024, 0.4, 0.4, 1.5, 0.2, 0.001),
    };

    private static Ffg2mOptions Row(int layers, int hidden, double dropoutT, double dropoutS, double tau, double lamb, double lr) =>
        new(layers, hidden, TeacherDropout: dropoutS, StudentDropout: dropoutT, Tau: tau, Lambda: lamb, StudentLr: lr);
}

/// <summary>What a budget means for FF-G2M: epochs and patience of every run, the hidden width, the size of generated
/// graphs and how many seeds a sweep runs.</summary>
public sealed record Ffg2mBudget(int MaxEpochs, int Patience, int Hidden, int Nodes, int Seeds)
{
    /// <summary>These limits applied to <paramref name="options"/> (epochs and patience always; the width only when
    /// it is smaller than the options' own, so a tuned full-budget width is kept).</summary>
    public Ffg2mOptions Apply(Ffg2mOptions options) =>
        options with { MaxEpochs = Math.Min(MaxEpochs, options.MaxEpochs), Patience = Math.Min(Patience, options.Patience), Hidden = Math.Min(Hidden, options.Hidden) };
}

/// <summary>Where a graph comes from: generated (a seed draws a fresh graph) or a Planetoid folder (the seed is ignored).</summary>
public abstract record GraphSpec
{
    public abstract string Name { get; }

    /// <summary>The graph for run <paramref name="seed"/>; the caller disposes it.</summary>
    public abstract Graph Load(int seed);

    /// <summary>A contextual stochastic block model; run seed s draws it with <c>Seed = options.Seed + s</c>.</summary>
    public static GraphSpec Csbm(CsbmOptions options) => new CsbmSpec(options);

    /// <summary>A Planetoid dataset from <paramref name="folder"/> (files <c>ind.{name}.*</c>).</summary>
    public static GraphSpec Planetoid(string folder, string name, PlanetoidOptions? options = null) => new PlanetoidSpec(folder, name, options);

    private sealed record CsbmSpec(CsbmOptions Options) : GraphSpec
    {
        public override string Name => Options.Name;
        public override Graph Load(int seed) => Graphs.Csbm.Generate(Options with { Seed = Options.Seed + seed });
    }

    private sealed record PlanetoidSpec(string Folder, string Dataset, PlanetoidOptions? Options) : GraphSpec
    {
        public override string Name => Dataset;
        public override Graph Load(int seed) => Graphs.Planetoid.Load(Folder, Dataset, Options);
    }
}

/// <summary>A trained model's outcome: accuracies at the best validation epoch, epochs, training time, its logits on every
/// node (<c>[N, C]</c>), and the normalised Dirichlet energy of its softmax outputs (mean over classes of <c>xᵀLx / xᵀx</c>
/// of each centred class column, see <see cref="Spectral.RayleighQuotients(Graph, Tensor, bool)"/>: lower is smoother over the graph).</summary>
public sealed record ModelOutcome(string Model, double TrainAcc, double ValAcc, double TestAcc, int BestEpoch, int Epochs, double TrainSeconds,
    double DirichletEnergy, float[,] Logits, IReadOnlyList<EpochRecord> History)
{
    /// <summary>Predicted class of every node.</summary>
    public int[] Predictions
    {
        get
        {
            int n = Logits.GetLength(0), c = Logits.GetLength(1);
            var p = new int[n];
            for (int i = 0; i < n; i++)
                for (int k = 1; k < c; k++)
                    if (Logits[i, k] > Logits[i, p[i]]) p[i] = k;
            return p;
        }
    }
}

/// <summary>One student's outcome under one objective.</summary>
public sealed record StudentOutcome(DistillMethod Method, ModelOutcome Result);

/// <summary>One teacher and its students on one graph and seed. <see cref="Labels"/> and <see cref="TestMask"/> let a
/// notebook score the per-node outputs (which test nodes each model gets right).</summary>
public sealed record Ffg2mRun(string Graph, int Seed, string Budget, double EdgeHomophily, TeacherKind TeacherKind, ModelOutcome Teacher,
    IReadOnlyList<StudentOutcome> Students, Ffg2mOptions Options, long[] Labels, bool[] TestMask)
{
    /// <summary>The homophily the graph was generated with (set by <see cref="Ffg2m.HomophilySweep"/>); null for other graphs.</summary>
    public double? TargetHomophily { get; init; }

    /// <summary>The student trained with <paramref name="method"/>.</summary>
    public ModelOutcome this[DistillMethod method] =>
        Students.FirstOrDefault(s => s.Method == method)?.Result ?? throw new KeyNotFoundException($"{method} was not run");

    /// <summary>Test accuracies by name (<c>teacher</c>, <c>VanillaMlp</c>, <c>FfG2m</c>, …), plus <c>homophily</c>: the shape
    /// <see cref="ExperimentRunner"/> caches.</summary>
    public Dictionary<string, double> Metrics()
    {
        var m = new Dictionary<string, double> { ["homophily"] = EdgeHomophily, ["teacher"] = Teacher.TestAcc };
        foreach (var s in Students) m[s.Method.ToString()] = s.Result.TestAcc;
        return m;
    }
}

/// <summary>Forward-pass time of a GNN and of an MLP of the same width on the same graph, in milliseconds (median of the repeats).</summary>
public sealed record InferenceTimes(string Graph, TeacherKind Teacher, double GnnMs, double MlpMs, int Nodes, long Edges)
{
    public double Speedup => GnnMs / MlpMs;
}

/// <summary>One row of a sweep summary: a model's test accuracy over seeds at one homophily.</summary>
public sealed record SweepRow(double Homophily, double MeasuredHomophily, string Model, MeanStd TestAcc);

/// <summary>The FF-G2M experiment entry points.</summary>
public static class Ffg2m
{
    /// <summary>The budgets of the FF-G2M notebook. Smoke: a 300-node graph, 32 wide, at most 60 epochs, one seed (seconds).
    /// Quick: 1,000 nodes, 64 wide, 200 epochs, two seeds (the homophily sweep, 9 homophilies × 2 seeds × a teacher and five
    /// students, used about a minute of CPU and took under two minutes on a busy 2-core machine).
    /// Full: the official 500 epochs with patience 50 at the options' width, 3,000 generated nodes, five seeds.</summary>
    public static readonly ByBudget<Ffg2mBudget> Budgets = new(
        Smoke: new(MaxEpochs: 60, Patience: 20, Hidden: 32, Nodes: 300, Seeds: 1),
        Quick: new(MaxEpochs: 200, Patience: 50, Hidden: 64, Nodes: 1000, Seeds: 2),
        Full: new(MaxEpochs: 500, Patience: 50, Hidden: int.MaxValue, Nodes: 3000, Seeds: 5));

    /// <summary>Every objective, in the order of the paper's ablation table.</summary>
    public static readonly DistillMethod[] AllMethods = [DistillMethod.VanillaMlp, DistillMethod.Glnn, DistillMethod.Lfd, DistillMethod.Hfd, DistillMethod.FfG2m];

    /// <summary>Loads the graph for <paramref name="seed"/>, trains the teacher and one student per method under
    /// <paramref name="budget"/> (options default to <see cref="Ffg2mOptions"/>'s), and disposes the graph.</summary>
    public static Ffg2mRun Run(GraphSpec spec, TeacherKind teacher, IEnumerable<DistillMethod> methods, int seed, Budget budget,
        Ffg2mOptions? options = null, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        using var graph = spec.Load(seed);
        return Run(graph, teacher, methods, seed, budget, options, log, cancellationToken);
    }

    /// <summary>One method; see <see cref="Run(GraphSpec, TeacherKind, IEnumerable{DistillMethod}, int, Budget, Ffg2mOptions?, Action{string}?, CancellationToken)"/>.</summary>
    public static Ffg2mRun Run(GraphSpec spec, TeacherKind teacher, DistillMethod method, int seed, Budget budget,
        Ffg2mOptions? options = null, Action<string>? log = null, CancellationToken cancellationToken = default) =>
        Run(spec, teacher, [method], seed, budget, options, log, cancellationToken);

    /// <summary>Trains the teacher and the students on a graph the caller owns (and may keep for spectral analysis).</summary>
    public static Ffg2mRun Run(Graph graph, TeacherKind teacher, IEnumerable<DistillMethod> methods, int seed, Budget budget,
        Ffg2mOptions? options = null, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var o = Budgets.For(budget).Apply(options ?? new Ffg2mOptions());
        using var threads = new ThreadSetting(o.Threads);
        var (teacherOutcome, teacherLogits) = TrainTeacher(graph, teacher, o, seed, cancellationToken);
        using (teacherLogits)
        {
            log?.Invoke($"{graph.Name} seed {seed}: {teacher} teacher test {teacherOutcome.TestAcc:P1} (epoch {teacherOutcome.BestEpoch}/{teacherOutcome.Epochs}, {teacherOutcome.TrainSeconds:0.0} s)");
            var students = new List<StudentOutcome>();
            foreach (var method in methods)
            {
                var s = TrainStudent(graph, teacherLogits, method, o, seed, cancellationToken);
                log?.Invoke($"{graph.Name} seed {seed}: {method} student test {s.TestAcc:P1} (epoch {s.BestEpoch}/{s.Epochs}, {s.TrainSeconds:0.0} s)");
                students.Add(new StudentOutcome(method, s));
            }
            return new Ffg2mRun(graph.Name, seed, budget.Name(), graph.EdgeHomophily(), teacher, teacherOutcome, students, o,
                graph.Labels.data<long>(), graph.TestMask.data<bool>());
        }
    }

    /// <summary>Trains a teacher from <c>manual_seed(seed)</c>, restores its best validation epoch and returns its outcome and
    /// its eval-mode logits on every node (<c>[N, C]</c>, owned by the caller, outside any dispose scope).</summary>
    public static (ModelOutcome Outcome, Tensor Logits) TrainTeacher(Graph graph, TeacherKind kind, Ffg2mOptions o, int seed,
        CancellationToken cancellationToken = default)
    {
        using var threads = new ThreadSetting(o.Threads);
        manual_seed(seed);
        using var model = NodeModels.Teacher(kind, graph.NumFeatures, graph.NumClasses, o);
        var fit = NodeTraining.Fit(model, graph, logits => Distillation.LabelLoss(logits, graph.Labels, graph.TrainIndex), o.TeacherFit, cancellationToken: cancellationToken);
        var logits = NodeTraining.Predict(model, graph).DetachFromDisposeScope();
        return (Outcome(kind.ToString(), fit, graph, logits), logits);
    }

    /// <summary>Trains an MLP student from <c>manual_seed(seed)</c> with <paramref name="method"/>'s objective against
    /// <paramref name="teacherLogits"/> (ignored by the vanilla MLP).</summary>
    public static ModelOutcome TrainStudent(Graph graph, Tensor? teacherLogits, DistillMethod method, Ffg2mOptions o, int seed,
        CancellationToken cancellationToken = default)
    {
        using var threads = new ThreadSetting(o.Threads);
        manual_seed(seed);
        using var model = NodeModels.Student(graph.NumFeatures, graph.NumClasses, o);
        var fit = NodeTraining.Fit(model, graph, logits => Distillation.Loss(method, logits, teacherLogits, graph, o.Lambda, o.Tau).Total,
            o.StudentFit, cancellationToken: cancellationToken);
        using var scope = NewDisposeScope();
        var logits = NodeTraining.Predict(model, graph);
        return Outcome(method.ToString(), fit, graph, logits);
    }

    /// <summary>Runs the teacher and every method on CSBM graphs at each homophily, <paramref name="budget"/>'s node count
    /// and seeds (0 .. seeds−1, each a fresh graph), the rest of the graph as <paramref name="graph"/> sets it.</summary>
    public static IReadOnlyList<Ffg2mRun> HomophilySweep(IEnumerable<double> homophilies, TeacherKind teacher, IEnumerable<DistillMethod> methods,
        Budget budget, CsbmOptions? graph = null, Ffg2mOptions? options = null, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var b = Budgets.For(budget);
        var baseGraph = (graph ?? new CsbmOptions()) with { Nodes = b.Nodes };
        var methodList = methods.ToList();
        var runs = new List<Ffg2mRun>();
        foreach (var h in homophilies)
            for (int seed = 0; seed < b.Seeds; seed++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var run = Run(GraphSpec.Csbm(baseGraph with { Homophily = h }), teacher, methodList, seed, budget, options, log, cancellationToken);
                runs.Add(run with { TargetHomophily = h });
            }
        return runs;
    }

    /// <summary>Mean ± std over seeds of every model's test accuracy per graph setting (runs grouped by graph name, in order),
    /// teacher first, then the methods in run order. <see cref="SweepRow.Homophily"/> is the target homophily when the runs
    /// came from <see cref="HomophilySweep"/>, else the measured one.</summary>
    public static IReadOnlyList<SweepRow> Summarize(IEnumerable<Ffg2mRun> runs)
    {
        var rows = new List<SweepRow>();
        foreach (var group in runs.GroupBy(r => r.Graph))
        {
            var list = group.ToList();
            double measured = list.Average(r => r.EdgeHomophily);
            double h = list[0].TargetHomophily ?? measured;
            rows.Add(new SweepRow(h, measured, "teacher " + list[0].TeacherKind, MeanStd.Of(list.Select(r => r.Teacher.TestAcc))));
            foreach (var method in list[0].Students.Select(s => s.Method))
                rows.Add(new SweepRow(h, measured, method.ToString(), MeanStd.Of(list.Select(r => r[method].TestAcc))));
        }
        return rows;
    }

    /// <summary>Median forward time over <paramref name="repeats"/> runs (after two warm-up runs) of a freshly built teacher and
    /// MLP of the options' width, in eval mode without gradients: the inference cost the MLP student saves.</summary>
    public static InferenceTimes TimeInference(Graph graph, TeacherKind teacher, Ffg2mOptions? options = null, int repeats = 20)
    {
        var o = options ?? new Ffg2mOptions();
        using var threads = new ThreadSetting(o.Threads);
        using var gnn = NodeModels.Teacher(teacher, graph.NumFeatures, graph.NumClasses, o);
        using var mlp = NodeModels.Student(graph.NumFeatures, graph.NumClasses, o);
        return new InferenceTimes(graph.Name, teacher, MedianMs(gnn, graph, repeats), MedianMs(mlp, graph, repeats), graph.NumNodes, graph.NumEdges);
    }

    private static double MedianMs(NodeModel model, Graph graph, int repeats)
    {
        _ = graph.WithSelfLoops; // built once, outside the timed region, as a deployed GNN would hold it
        var times = new List<double>();
        for (int r = 0; r < repeats + 2; r++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var logits = NodeTraining.Predict(model, graph);
            _ = logits.sum().ToDouble(); // forces the computation to finish before the clock stops
            if (r >= 2) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static ModelOutcome Outcome(string name, FitResult fit, Graph graph, Tensor logits)
    {
        using var scope = NewDisposeScope();
        var probabilities = logits.softmax(1);
        double energy = Spectral.RayleighQuotients(graph, probabilities, center: true).Average();
        var flat = logits.to(float32).contiguous().data<float>();
        int n = (int)logits.size(0), c = (int)logits.size(1);
        var matrix = new float[n, c];
        Buffer.BlockCopy(flat, 0, matrix, 0, flat.Length * sizeof(float));
        return new ModelOutcome(name, fit.TrainAcc, fit.ValAcc, fit.TestAcc, fit.BestEpoch, fit.Epochs, fit.Seconds, energy, matrix, fit.History);
    }

    /// <summary>Sets libtorch's thread count for a run and restores the previous one.</summary>
    private readonly struct ThreadSetting : IDisposable
    {
        private readonly int _previous;

        public ThreadSetting(int? threads)
        {
            _previous = threads is { } n && n != get_num_threads() ? get_num_threads() : 0;
            if (_previous != 0) set_num_threads(threads!.Value);
        }

        public void Dispose()
        {
            if (_previous != 0) set_num_threads(_previous);
        }
    }
}
