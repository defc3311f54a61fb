namespace Research.Models;

/// <summary>What a model is built for: the overrides every variant accepts.</summary>
public sealed record ModelOptions(long NumClasses = 1000, long ImageSize = 224, long InChannels = 3);

/// <summary>A paper's reported numbers for a variant at its paper configuration, with the tables they come from
/// (<paramref name="Source"/>, in the short forms of docs/papers.md). <paramref name="GMacs"/> is what the papers
/// print as "FLOPs" (multiply-accumulates).</summary>
public sealed record PaperNumbers(double? ParamsM, double? GMacs, string Source, string? Note = null)
{
    /// <summary>ImageNet-1K top-1 in % of the variant as the paper reports it (trained on ImageNet-1K alone, at the
    /// paper configuration); null where the paper gives none.</summary>
    public double? Top1 { get; init; }

    /// <summary>Whether the paper's parameter count leaves out the classifier (S2-MLP and MLP-Mixer count
    /// without it; most pyramid papers count the whole model).</summary>
    public bool ParamsExcludeHead { get; init; }

    /// <summary>Relative difference a test allows between our parameter count and <see cref="ParamsM"/>;
    /// null where the paper's number cannot be reproduced from its own configuration (<see cref="Note"/> says why).</summary>
    public double? ParamsTolerance { get; init; } = 0.02;

    /// <summary>As <see cref="ParamsTolerance"/>, for <see cref="GMacs"/>.</summary>
    public double? GMacsTolerance { get; init; } = 0.02;
}

/// <summary>One registered variant: its name as users know it (<c>s2mlp_wide</c>), its family, its
/// configuration record, how to build it, and what the paper reports. Made by <see cref="Of{TConfig}"/>, so a family
/// names its constructor with its own config type and <see cref="Build"/> checks the type in this one place.</summary>
public sealed record ModelEntry
{
    private readonly Func<object, ModelOptions, ImageClassifier> _build;

    private ModelEntry(string name, string family, object config, Func<object, ModelOptions, ImageClassifier> build, PaperNumbers paper) =>
        (Name, Family, Config, _build, Paper) = (name, family, config, build, paper);

    /// <summary>A variant of a family whose models take <typeparamref name="TConfig"/>: <c>ModelEntry.Of("s2mlp_wide",
    /// "s2mlp", config, (c, o) =&gt; new S2Mlp(c, o), paper)</c>.</summary>
    public static ModelEntry Of<TConfig>(string name, string family, TConfig config, Func<TConfig, ModelOptions, ImageClassifier<TConfig>> create,
        PaperNumbers paper) where TConfig : class =>
        new(name, family, config, (c, o) => c is TConfig typed ? create(typed, o)
            : throw new ArgumentException($"model '{name}': its config is {typeof(TConfig).Name}, got {c.GetType().Name}"), paper);

    public string Name { get; }
    public string Family { get; }
    public PaperNumbers Paper { get; }

    /// <summary>The paper configuration, a record of the family's config type (<see cref="ConfigType"/>).</summary>
    public object Config { get; }

    /// <summary>The family's configuration record type.</summary>
    public Type ConfigType => Config.GetType();

    /// <summary>A model of this variant's family built from <paramref name="config"/> (of <see cref="ConfigType"/>).</summary>
    public ImageClassifier Build(object config, ModelOptions options) => _build(config, options);

    /// <summary>The options of the paper configuration (ImageNet-1k at the variant's resolution).</summary>
    public ModelOptions PaperOptions { get; init; } = new();

    /// <summary>A configuration of the same code small enough for CPU tests and smoke budgets (fewer,
    /// narrower blocks), used with <see cref="SmallOptions"/>; null: the paper configuration is used.</summary>
    public object? SmallConfig { get; init; }

    /// <summary>The options <see cref="SmallConfig"/> is meant for: 10 classes, 32x32 RGB by default.</summary>
    public ModelOptions SmallOptions { get; init; } = new(NumClasses: 10, ImageSize: 32);
}
