using Research.Experiments;

namespace Research.Training;

public enum Precision { Float32, BFloat16 }

/// <summary>Everything a <see cref="Trainer"/> run depends on besides the model and the data. Defaults follow
/// the DeiT recipe the S2-MLP papers train with (AdamW, weight decay 0.05, warmup then cosine to 1e-5, label
/// smoothing 0.1), scaled to small data.</summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training loader; the schedule spans Epochs × batches per epoch steps.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>"adamw" or "sgd".</summary>
    public string Optimizer { get; init; } = "adamw";

    /// <summary>Peak learning rate, reached at the end of warmup.</summary>
    public double Lr { get; init; } = 1e-3;

    /// <summary>Learning rate at the end of the cosine.</summary>
    public double MinLr { get; init; } = 1e-5;

    /// <summary>Decoupled (AdamW) or L2 (SGD) weight decay; not applied to biases and norm weights
    /// (parameters with fewer than two dimensions) unless <see cref="DecayNormAndBias"/>.</summary>
    public double WeightDecay { get; init; } = 0.05;

    public bool DecayNormAndBias { get; init; }

    /// <summary>SGD momentum (0.9) with optional Nesterov; AdamW's β₁ and β₂.</summary>
    public double Momentum { get; init; } = 0.9;
    public bool Nesterov { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Linear warmup length in epochs (fractions allowed); <see cref="WarmupSteps"/> overrides it.</summary>
    public double WarmupEpochs { get; init; } = 1;
    public long? WarmupSteps { get; init; }

    /// <summary>ε of label smoothing: the target is (1 − ε)·onehot + ε/K.</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>Clip the global gradient L2 norm to this value; null leaves gradients as they are.</summary>
    public double? ClipGradNorm { get; init; }

    /// <summary>Steps between training records (and JSON lines); the last step of each epoch also closes a record.</summary>
    public int LogEvery { get; init; } = 50;

    /// <summary>Steps between evaluations; null evaluates at the end of each epoch. The end of training always evaluates.</summary>
    public int? EvalEvery { get; init; }

    /// <summary>Evaluate on at most this many batches during training (the final evaluation uses all).</summary>
    public int? EvalMaxBatches { get; init; }

    /// <summary>Folder for checkpoints (a <see cref="CheckpointStore"/>); null saves none.</summary>
    [NotInRunKey("where checkpoints go; the run cache sets it to the run's own folder")]
    public string? CheckpointDir { get; init; }

    /// <summary>Steps between checkpoints; null saves at the end of each epoch. The end of training and an
    /// interrupt always save when <see cref="CheckpointDir"/> is set.</summary>
    [NotInRunKey("how often the state is saved, not what is computed")]
    public int? CheckpointEvery { get; init; }

    [NotInRunKey("how many saved states are kept")]
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Continue from the newest checkpoint in <see cref="CheckpointDir"/> when there is one.</summary>
    [NotInRunKey("a resumed run continues the same computation")]
    public bool Resume { get; init; } = true;

    /// <summary>JSON-lines metrics file; null writes none (the history is kept in memory either way).</summary>
    [NotInRunKey("where a copy of the history is written")]
    public string? MetricsPath { get; init; }

    /// <summary>"cpu", "cuda" or "cuda:N": the model is moved there and batches follow. Default: the
    /// <c>RESEARCH_DEVICE</c> environment variable, else cpu, so a notebook moves to a GPU with no change to its code.</summary>
    public string Device { get; init; } = DefaultDevice;

    /// <summary>Float32 everywhere, or the forward pass and loss under <c>torch.autocast</c> to bfloat16 with float32
    /// weights and optimizer state (PyTorch's mixed precision; bfloat16 needs no loss scaling).</summary>
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>Seconds between progress callbacks while training.</summary>
    [NotInRunKey("how often progress is shown")]
    public double ProgressInterval { get; init; } = 0.5;

    public const string DeviceVariable = "RESEARCH_DEVICE";

    /// <summary><c>RESEARCH_DEVICE</c> when set, else cpu.</summary>
    public static string DefaultDevice =>
        Environment.GetEnvironmentVariable(DeviceVariable) is { Length: > 0 } device ? device.Trim() : "cpu";
}
