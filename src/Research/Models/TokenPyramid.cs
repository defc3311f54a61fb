using Research.Models.Layers;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models;

/// <summary>The pyramid both CycleMLP and ViP use (official <c>CycleNet</c> / <c>VisionPermutator</c>): a patch
/// embedding, stages of blocks in <c>network</c> with a downsampling entry between stages, LayerNorm, mean over tokens,
/// linear head. Features <c>[B, H, W, C]</c>.</summary>
public abstract class TokenPyramid<TConfig> : ImageClassifier<TConfig> where TConfig : class
{
    public readonly PatchEmbed patch_embed;
    public readonly ModuleList<nn.Module<Tensor, Tensor>> network;
    public readonly LayerNorm norm;
    public nn.Module<Tensor, Tensor> head;
    private readonly long _dim;

    /// <param name="config">The family's configuration.</param>
    /// <param name="options">Classes, image side and channels.</param>
    /// <param name="patchEmbed">The stem for the image's channels.</param>
    /// <param name="network">The stages and the transitions between them for the image's side, in order.</param>
    /// <param name="dim">The last stage's width.</param>
    private protected TokenPyramid(TConfig config, ModelOptions? options, Func<long, PatchEmbed> patchEmbed,
        Func<long, IEnumerable<nn.Module<Tensor, Tensor>>> network, long dim) : base(config, options)
    {
        // built in the official order (stem, stages, norm, head), so a seed gives the official init's draws
        patch_embed = patchEmbed(Options.InChannels);
        this.network = new ModuleList<nn.Module<Tensor, Tensor>>(network(Options.ImageSize));
        _dim = dim;
        norm = new LayerNorm(dim);
        head = NewHead(Options.NumClasses);
        // the official init: Linear and Cycle FC weights trunc_normal(0.02), biases 0; LayerNorm 1 and 0; convs PyTorch's
        foreach (var (_, m) in named_modules())
        {
            if (m is Linear linear)
            {
                nn.init.trunc_normal_(linear.weight, 0, 0.02, -2, 2);
                if (linear.bias is not null) nn.init.zeros_(linear.bias);
            }
            else if (m is CycleFC cycle)
            {
                nn.init.trunc_normal_(cycle.weight, 0, 0.02, -2, 2);
                nn.init.zeros_(cycle.bias);
            }
        }
    }

    /// <summary>A convolution over images or channels-last tokens to channels-last tokens (the official stem and
    /// transitions, key <c>proj</c>): CycleMLP's 7x7 stride-4 stem and 3x3 stride-2 transitions, ViP's p x p stem and
    /// 2x2 merges.</summary>
    private protected static PatchEmbed ConvEmbed(long inChannels, long outChannels, int kernel, int stride, int padding,
        Layout input = Layout.ChannelsFirst) =>
        new(kernel, inChannels, outChannels, stride: stride, padding: padding, input: input, wholePatches: false);

    private nn.Module<Tensor, Tensor> NewHead(long numClasses)
    {
        if (numClasses <= 0) return new Identity();
        var linear = new Linear(_dim, numClasses);
        nn.init.trunc_normal_(linear.weight, 0, 0.02, -2, 2);
        nn.init.zeros_(linear.bias!);
        return linear;
    }

    public override long num_features => _dim;

    public override Tensor forward_features(Tensor x)
    {
        return Chain(patch_embed.forward(x), network);
    }

    /// <summary>LayerNorm over channels, mean over positions, classifier.</summary>
    public override Tensor forward_head(Tensor features, bool pre_logits = false)
    {
        using var scope = NewDisposeScope();
        var pooled = norm.forward(features).mean([1, 2]);                       // [B, H, W, C] -> [B, C]
        return Classify(pooled, pre_logits, head);
    }

    public override nn.Module? get_classifier() => head;

    protected override void ReplaceClassifier(long numClasses)
    {
        head.Dispose();
        head = NewHead(numClasses);
    }

    /// <summary>The blocks of one stage run in order (as the official nn.Sequential, children 0, 1, ...).</summary>
    private protected sealed class Stage(IEnumerable<CycleBlock> blocks) : nn.Module<Tensor, Tensor>
    {
        [nn.Ignore] private readonly List<CycleBlock> items = blocks.ToList();

        public override IEnumerable<(string name, nn.Module module)> named_children() => items.Select((b, i) => (i.ToString(), (nn.Module)b));

        public override Tensor forward(Tensor x) => ImageClassifier.Chain(x.alias(), items);
    }
}

