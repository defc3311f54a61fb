using Research.Torch;
using static Research.Torch.torch;

namespace Research.Models;

/// <summary>The contract every image model of the kit keeps, as timm's: features, then a head
/// that pools and classifies, a classifier that can be replaced, and the feature width.</summary>
public abstract class Backbone : nn.Module<Tensor, Tensor>
{
    /// <summary>Width of the pooled features the classifier reads.</summary>
    public abstract long num_features { get; }

    /// <summary>Number of classes of the current classifier (0 when it is an identity).</summary>
    public abstract long num_classes { get; }

    /// <summary>Images <c>[B, C, H, W]</c> to the last stage's features, before pooling.</summary>
    public abstract Tensor forward_features(Tensor x);

    /// <summary>Pooling and classifier; with <paramref name="pre_logits"/> only the pooled <c>[B, num_features]</c>.</summary>
    public abstract Tensor forward_head(Tensor features, bool pre_logits = false);

    /// <summary>Replaces the classifier with a fresh one for <paramref name="numClasses"/> (0: identity).</summary>
    public abstract void reset_classifier(long numClasses);

    /// <summary>The classifier module, as timm's <c>get_classifier()</c>: what <see cref="reset_classifier"/>
    /// replaces, and what a parameter count "without the classifier" leaves out. Null when the model has none
    /// to report.</summary>
    public virtual nn.Module? get_classifier() => null;

    public override Tensor forward(Tensor x)
    {
        using var features = forward_features(x);
        return forward_head(features);
    }

    /// <summary>Runs <paramref name="h"/> through <paramref name="layers"/> in order, releasing each
    /// intermediate (and <paramref name="h"/> itself) as soon as the next layer has consumed it.</summary>
    internal static Tensor Chain(Tensor h, IEnumerable<nn.Module<Tensor, Tensor>> layers)
    {
        foreach (var layer in layers)
        {
            var next = layer.forward(h);
            h.Dispose();
            h = next;
        }
        return h;
    }

    /// <summary>The end of every <see cref="forward_head"/>: the pooled features themselves with
    /// <paramref name="pre_logits"/>, else the classifier's logits, kept past the caller's dispose scope.</summary>
    protected static Tensor Classify(Tensor pooled, bool pre_logits, nn.Module<Tensor, Tensor> head) =>
        (pre_logits ? pooled : head.forward(pooled))
            .MoveToOuterDisposeScope();
}

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
/// configuration record, how to build it, and what the paper reports.</summary>
public sealed record ModelEntry(string Name, string Family, object Config, Func<object, ModelOptions, Backbone> Build, PaperNumbers Paper)
{
    /// <summary>The options of the paper configuration (ImageNet-1k at the variant's resolution).</summary>
    public ModelOptions PaperOptions { get; init; } = new();

    /// <summary>A configuration of the same code small enough for CPU tests and smoke budgets (fewer,
    /// narrower blocks), used with <see cref="SmallOptions"/>; null: the paper configuration is used.</summary>
    public object? SmallConfig { get; init; }

    /// <summary>The options <see cref="SmallConfig"/> is meant for: 10 classes, 32x32 RGB by default.</summary>
    public ModelOptions SmallOptions { get; init; } = new(NumClasses: 10, ImageSize: 32);
}
