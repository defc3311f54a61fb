using Research.Experiments;

namespace Research.Graphs;

/// <summary>One FF-G2M run of an experiment grid (<see cref="Experiment.Run{TArm}(IEnumerable{TArm}, Func{TArm, IExperimentRun}, Action{string}?, CancellationToken)"/>):
/// the notebook's <paramref name="Arm"/> record (what the grid varies, for the reader), the graph, the teacher, the
/// students' objectives and the options every model trains with. Its public properties are the run's key, so the key
/// holds the graph's identity (a CSBM's options; a Planetoid dataset's name and the fingerprint of its files) and every
/// option. Give <paramref name="Options"/> with the budget's limits applied (<see cref="Ffg2mBudget.Apply"/>), so the
/// key shows the widths and epochs that train; <see cref="Ffg2m.Run(Graph, TeacherKind, IEnumerable{DistillMethod}, int, Budget, Ffg2mOptions?, Action{string}?, CancellationToken)"/>
/// applies them again, which changes nothing. Run seed s loads <see cref="GraphSpec.Load"/>(s), trains the teacher and
/// one student per method; metrics: <see cref="Ffg2mRun.Metrics"/> and what <see cref="Measure"/> adds.</summary>
public sealed record GraphDistillationRun(object Arm, GraphSpec Graph, TeacherKind Teacher, IReadOnlyList<DistillMethod> Methods,
    Ffg2mOptions Options) : IExperimentRun
{
    /// <summary>Reads more metrics from the trained models and their graph (the spectra of their outputs). It trains
    /// nothing, so it is not part of the key.</summary>
    [NotInRunKey("reads metrics from the trained models; it changes nothing that is trained")]
    public Action<Graph, Ffg2mRun, Dictionary<string, double>>? Measure { get; init; }

    /// <summary>Hears one line per trained model.</summary>
    [NotInRunKey("shows progress")]
    public Action<string>? Log { get; init; }

    public RunOutcome Run(RunContext context)
    {
        using var graph = Graph.Load(context.Seed);
        var run = Ffg2m.Run(graph, Teacher, Methods, context.Seed, context.Budget, Options, Log, context.CancellationToken);
        var metrics = run.Metrics();
        Measure?.Invoke(graph, run, metrics);
        return new RunOutcome(metrics);
    }
}
