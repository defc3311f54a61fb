using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models;

/// <summary>The contract every image model of the kit keeps, as timm's: features, then a head that pools and
/// classifies, a classifier that can be replaced, and the feature width. The whole classifier, head included; a
/// family derives from <see cref="ImageClassifier{TConfig}"/>, which holds its configuration.</summary>
public abstract class ImageClassifier : nn.Module<Tensor, Tensor>
{
    /// <summary>Width of the pooled features the classifier reads.</summary>
    public abstract long num_features { get; }

    /// <summary>Number of classes of the current classifier (0 when it is an identity).</summary>
    public abstract long num_classes { get; }

    /// <summary>What the model was built for: classes, image side and channels.</summary>
    public abstract ModelOptions Options { get; }

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
        using var scope = NewDisposeScope();
        return forward_head(forward_features(x)).MoveToOuterDisposeScope();
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

    /// <summary>A linear classifier of <paramref name="numClasses"/> outputs over <paramref name="features"/> values, or an
    /// identity for 0 classes (timm's <c>num_classes=0</c>), with PyTorch's default init.</summary>
    protected static nn.Module<Tensor, Tensor> LinearHead(long features, long numClasses) =>
        numClasses > 0 ? new Linear(features, numClasses) : new Identity();
}

/// <summary>An <see cref="ImageClassifier"/> of one family: the family's configuration record and the options it was
/// built with, and the bookkeeping of <see cref="ImageClassifier.reset_classifier"/>, so a family's constructor
/// starts from its layers.</summary>
/// <typeparam name="TConfig">The family's configuration record (<c>S2MlpConfig</c>, <c>MetaFormerConfig</c>, ...).</typeparam>
public abstract class ImageClassifier<TConfig> : ImageClassifier where TConfig : class
{
    private long _numClasses;

    protected ImageClassifier(TConfig config, ModelOptions? options)
    {
        Config = config ?? throw new ArgumentNullException(nameof(config), $"{GetType().Name}: a configuration is required");
        Options = options ?? new ModelOptions();
        _numClasses = Options.NumClasses;
    }

    /// <summary>The configuration the model was built from.</summary>
    public TConfig Config { get; }

    public sealed override ModelOptions Options { get; }

    public sealed override long num_classes => _numClasses;

    public sealed override void reset_classifier(long numClasses)
    {
        if (numClasses < 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"{GetType().Name}.reset_classifier: the number of classes cannot be negative");
        ReplaceClassifier(numClasses);
        _numClasses = numClasses;
    }

    /// <summary>Disposes the current classifier and puts a fresh one for <paramref name="numClasses"/> in its place
    /// (an identity for 0), initialised as the family initialises it.</summary>
    protected abstract void ReplaceClassifier(long numClasses);
}
