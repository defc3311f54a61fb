using Research.Data;
using Research.Models;
using Research.Training;
using static Research.Torch.torch;

namespace Research.Experiments;

/// <summary>How every run of a grid trains: the data, the trainer's options and the loader's. One value, shared by the
/// runs and keyed with each of them.</summary>
public sealed record ImageTraining(ExperimentData Data, TrainerOptions Trainer, LoaderOptions Loader)
{
    /// <summary>The options with the loader's defaults (batch 128, no augmentation).</summary>
    public ImageTraining(ExperimentData data, TrainerOptions trainer) : this(data, trainer, new LoaderOptions()) { }

    /// <summary>Evaluate on the test images after every epoch (the history's curve); off evaluates once, at the end.</summary>
    public bool EvaluateEachEpoch { get; init; } = true;
}

/// <summary>One image-classifier run: the notebook's <paramref name="Arm"/> record (what the grid varies, for the
/// reader), the model it builds and how it trains. Seeds libtorch with the run's seed, builds the model, trains it
/// (shuffled and augmented with the run's seed) and evaluates it on the test images. Checkpoints go to the run's
/// own folder, so an interrupted run resumes when the cell runs again. Metrics: <c>test_acc</c>, <c>test_loss</c>,
/// <c>params_m</c> (millions), <c>train_seconds</c> (across resumes), <c>steps</c>, and what <see cref="Measure"/> adds.</summary>
public sealed record ClassifierRun(object Arm, ModelSpec Model, ImageTraining Training) : IExperimentRun
{
    /// <summary>Reads more metrics from the trained model and its final evaluation (per-class recall, the weights of a
    /// layer). It trains nothing, so it is not part of the key.</summary>
    [NotInRunKey("reads metrics from the trained model; it changes nothing that is trained")]
    public Action<ImageClassifier, EvalResult, Dictionary<string, double>>? Measure { get; init; }

    /// <summary>Hears the trainer's progress (a notebook's status line).</summary>
    [NotInRunKey("shows progress")]
    public Action<TrainingProgress>? Progress { get; init; }

    public RunOutcome Run(RunContext context)
    {
        manual_seed(context.Seed);
        using var model = Model.Create();
        using var trainer = new Trainer(model, Training.Trainer with { CheckpointDir = context.CheckpointDir, Resume = true });
        var test = new DataLoader(Training.Data.Test, LoaderOptions.Eval());
        var result = trainer.Fit(new DataLoader(Training.Data.Train, Training.Loader with { Seed = context.Seed }),
            Training.EvaluateEachEpoch ? test : null, Progress, context.CancellationToken);
        // Fit's closing evaluation has no confusion matrix; a measure that needs one gets its own pass (same weights, same numbers).
        var final = Measure is not null || result.FinalEval is null ? trainer.Evaluate(test, cancellationToken: context.CancellationToken) : null;
        var metrics = new Dictionary<string, double>
        {
            ["test_acc"] = final?.Accuracy ?? result.FinalEval!.Accuracy,
            ["test_loss"] = final?.Loss ?? result.FinalEval!.Loss,
            ["params_m"] = model.num_parameters() / 1e6,
            ["train_seconds"] = result.History.Train.Count > 0 ? result.History.Train[^1].ElapsedSeconds : 0,
            ["steps"] = result.Steps,
        };
        if (Measure is not null) Measure(model, final!, metrics);
        return new RunOutcome(metrics, result.History);
    }
}
