using Research.Models.Layers;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Models;

// CycleMLP (Chen et al., "CycleMLP: A MLP-like Architecture for Dense Prediction", https://arxiv.org/abs/2107.10224).
// State-dict keys follow the official code (ShoufaChen/CycleMLP cycle_mlp.py): patch_embed.proj,
// network.0.0.norm1, .attn.mlp_c, .attn.sfc_h.weight / .bias / .offset, .attn.sfc_w, .attn.reweight.fc1,
// .attn.proj, .norm2, .mlp.fc1, network.1.proj (downsampling), norm, head.
// The official Cycle FC is torchvision's deform_conv2d with a 1x1 kernel and a fixed per-channel offset; here
// the same map is a per-channel shift (zeros where the sample falls outside, as deform_conv2d samples them)
// followed by the 1x1 convolution, with the offset kept as the same buffer so checkpoints load.
// Stochastic depth defaults to 0.1 for every variant (linear over all blocks, as the official basic_blocks): the
// per-variant training rates are not in docs/papers.md (§8).

/// <summary>One CycleMLP variant (CycP Table 1): four stages of <see cref="Layers"/> blocks at widths
/// <see cref="Dims"/> with channel-MLP ratios <see cref="MlpRatios"/>; stochastic depth rises linearly over all blocks.</summary>
public sealed record CycleMlpConfig(int[] Layers, int[] Dims, int[] MlpRatios, double DropPathRate = 0.1, double DropRate = 0.0, double SkipLam = 1.0);

/// <summary>Cycle FC (CycP §3.1): channel i of the input is read at a position moved by
/// s_i = (i + ⌊k/2⌋) mod k − ⌊k/2⌋ along one axis (k = 3: 0, +1, −1, 0, +1, ...), zero beyond the border, then a 1x1
/// convolution mixes the channels: <c>y[:, p] = W · (x_i[p + s_i])_i + b</c>. <c>[B, C, H, W]</c> in and out.</summary>
public sealed class CycleFC : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    public readonly Parameter bias;
    [nn.Buffer] public Tensor offset;
    private readonly long[] _shifts;
    private readonly long[] _reads;
    private readonly int _axis;

    /// <param name="inChannels">Channels in.</param>
    /// <param name="outChannels">Channels out.</param>
    /// <param name="kernelH">Stepsize along H (3 with kernelW 1 for <c>sfc_w</c>).</param>
    /// <param name="kernelW">Stepsize along W (3 with kernelH 1 for <c>sfc_h</c>).</param>
    public CycleFC(long inChannels, long outChannels, int kernelH, int kernelW)
    {
        if (kernelH != 1 && kernelW != 1) throw new ArgumentException($"CycleFC: one of the kernel sides must be 1, got ({kernelH}, {kernelW})");
        _axis = kernelH == 1 ? 3 : 2;
        int k = Math.Max(kernelH, kernelW), start = kernelH * kernelW / 2;
        _shifts = Enumerable.Range(0, (int)inChannels).Select(i => (long)((i + start) % k - k / 2)).ToArray();
        _reads = _shifts.Select(s => s + 1).ToArray();                          // where channel i reads in the padded axis
        using var scope = NewDisposeScope();
        // the deform_conv2d offsets, (dy, dx) per input channel, as the official gen_offset writes them
        var values = new float[2 * inChannels];
        for (int i = 0; i < inChannels; i++) values[2 * i + (_axis == 3 ? 1 : 0)] = _shifts[i];
        offset = tensor(values, [1, 2 * inChannels, 1, 1]).DetachFromDisposeScope();
        weight = new Parameter(empty([outChannels, inChannels, 1, 1]));
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        bias = new Parameter(empty([outChannels]));
        nn.init.uniform_(bias, -1 / Math.Sqrt(inChannels), 1 / Math.Sqrt(inChannels));
    }

    /// <summary>Per input channel, how far along the axis its samples are taken (the offsets of the buffer).</summary>
    public IReadOnlyList<long> Shifts => _shifts;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long length = x.size(_axis);
        // padded[p + 1] = x[p], zeros at both ends; channel i reads padded[p + 1 + s_i]
        var padded = F.pad(x, _axis == 3 ? [1, 1] : [0, 0, 1, 1]);
        // index[i, p] = p + 1 + s_i, built here rather than as arange + offsets: Tensor.add passes alpha as a double,
        // which libtorch refuses for int64 tensors
        var positions = new long[_reads.Length * length];
        for (int i = 0; i < _reads.Length; i++)
            for (long q = 0; q < length; q++) positions[i * length + q] = q + _reads[i];
        var index = tensor(positions, [_reads.Length, length], device: x.device);                                  // [C, L]
        var expanded = _axis == 3 ? index.view(1, -1, 1, length).expand(x.size(0), -1, x.size(2), -1)   // [B, C, H, W]
                                 : index.view(1, -1, length, 1).expand(x.size(0), -1, -1, x.size(3));
        var shifted = padded.gather(_axis, expanded);
        var y = F.conv2d(shifted, weight, bias);
        return y.MoveToOuterDisposeScope();
    }
}

/// <summary>The CycleMLP token mixer (CycP §3.2, official <c>CycleMLP</c>) on channels-last <c>[B, H, W, C]</c>:
/// three branches, Cycle FC along H, Cycle FC along W and a channel FC, fused by split attention
/// (a = mean over positions of their sum, weights = softmax over the branches of <c>reweight(a)</c>), then a projection.</summary>
public sealed class CycleMixer : nn.Module<Tensor, Tensor>
{
    public readonly Linear mlp_c;
    public readonly CycleFC sfc_h;
    public readonly CycleFC sfc_w;
    public readonly Mlp reweight;
    public readonly Linear proj;
    public readonly Dropout proj_drop;

    public CycleMixer(long dim, double projDropRate = 0)
    {
        mlp_c = new Linear(dim, dim, bias: false);
        sfc_h = new CycleFC(dim, dim, 1, 3);
        sfc_w = new CycleFC(dim, dim, 3, 1);
        reweight = new Mlp(dim, dim / 4, dim * 3);
        proj = new Linear(dim, dim);
        proj_drop = new Dropout(projDropRate);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var channelsFirst = x.permute(0, 3, 1, 2);                              // [B, H, W, C] -> [B, C, H, W]
        var h = sfc_h.forward(channelsFirst).permute(0, 2, 3, 1);                // -> [B, H, W, C]
        var w = sfc_w.forward(channelsFirst).permute(0, 2, 3, 1);
        var c = mlp_c.forward(x);
        var fused = WeightedSum.Fuse(reweight, h, w, c);
        return proj_drop.forward(proj.forward(fused)).MoveToOuterDisposeScope();
    }
}

/// <summary>The split-attention fusion CycleMLP and ViP share, in their layout: a = mean over positions of
/// h + w + c, <c>reweight(a)</c> read as <c>[B, C, 3]</c>, softmax over the three branches, out = Σ weight ⊙ branch.</summary>
internal static class WeightedSum
{
    public static Tensor Fuse(Mlp reweight, Tensor h, Tensor w, Tensor c)
    {
        using var scope = NewDisposeScope();
        long b = h.size(0), channels = h.size(3);
        var a = (h + w + c).mean([1, 2]);                                              // [B, H, W, C] -> [B, C]
        var weights = reweight.forward(a).reshape(b, channels, 3).permute(2, 0, 1).softmax(0);   // [B, 3C] -> [B, C, 3] -> [3, B, C]
        var wh = weights[0].view(b, 1, 1, channels);
        var ww = weights[1].view(b, 1, 1, channels);
        var wc = weights[2].view(b, 1, 1, channels);
        return (h * wh + w * ww + c * wc).MoveToOuterDisposeScope();
    }
}

/// <summary>A CycleMLP (and ViP) block, pre-norm on <c>[B, H, W, C]</c>:
/// <c>X = X + DropPath(Mixer(LN(X))) / λ</c>, <c>X = X + DropPath(MLP(LN(X))) / λ</c> with skip λ = 1.</summary>
public sealed class CycleBlock : nn.Module<Tensor, Tensor>
{
    public readonly LayerNorm norm1;
    public readonly nn.Module<Tensor, Tensor> attn;
    public readonly DropPath drop_path;
    public readonly LayerNorm norm2;
    public readonly Mlp mlp;
    private readonly double _skipLam;

    /// <param name="dim">Channels C.</param>
    /// <param name="mixer">The token mixer (<see cref="CycleMixer"/> or ViP's <see cref="WeightedPermuteMlp"/>); key <c>attn</c> as the official code.</param>
    /// <param name="mlpRatio">Channel-MLP hidden width as a multiple of C.</param>
    /// <param name="dropPath">Stochastic-depth rate.</param>
    /// <param name="skipLam">λ dividing both branches.</param>
    public CycleBlock(long dim, nn.Module<Tensor, Tensor> mixer, double mlpRatio, double dropPath = 0, double skipLam = 1.0)
    {
        norm1 = new LayerNorm(dim);
        attn = mixer;
        this.drop_path = new DropPath(dropPath);
        norm2 = new LayerNorm(dim);
        mlp = new Mlp(dim, (long)(dim * mlpRatio), dim);
        this._skipLam = skipLam;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = x + drop_path.forward(attn.forward(norm1.forward(x))) / _skipLam;
        x = x + drop_path.forward(mlp.forward(norm2.forward(x))) / _skipLam;
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>CycleMLP B1-B5 (CycP Table 1): a 7x7 stride-4 overlapping patch embedding, four stages of
/// <see cref="CycleBlock"/>s with <see cref="CycleMixer"/>, 3x3 stride-2 convolutions between them.</summary>
public sealed class CycleMlp : TokenPyramid<CycleMlpConfig>
{
    private static readonly int[] S = [64, 128, 320, 512];

    /// <summary>CycleMLP-B1 ... B5 under the official names.</summary>
    public static IEnumerable<ModelEntry> Variants =>
    [
        Entry("cyclemlp_b1", new([2, 2, 4, 2], S, [4, 4, 4, 4]), 15.2, 2.1, 78.9),
        Entry("cyclemlp_b2", new([2, 3, 10, 3], S, [4, 4, 4, 4]), 26.8, 3.9, 81.6),
        Entry("cyclemlp_b3", new([3, 4, 18, 3], S, [8, 8, 4, 4]), 38.4, 6.9, 82.4),
        Entry("cyclemlp_b4", new([3, 8, 27, 3], S, [8, 8, 4, 4]), 51.8, 10.1, 83.0),
        Entry("cyclemlp_b5", new([3, 4, 24, 3], [96, 192, 384, 768], [4, 4, 4, 4]), 75.7, 12.3, 83.2),
    ];

    private static ModelEntry Entry(string name, CycleMlpConfig config, double paramsM, double gmacs, double top1) =>
        ModelEntry.Of(name, "cyclemlp", config, (c, o) => new CycleMlp(c, o), new PaperNumbers(paramsM, gmacs, "CycP Table 1") { Top1 = top1 }) with
        {
            SmallConfig = config with { Layers = [1, 1, 1, 1], Dims = [16, 32, 48, 64], DropPathRate = 0 },
        };

    public CycleMlp(CycleMlpConfig config, ModelOptions? options = null)
        : base(config, options, inChannels => ConvEmbed(inChannels, config.Dims[0], 7, 4, 2), _ => Network(config), config.Dims[^1])
    {
    }

    private static IEnumerable<nn.Module<Tensor, Tensor>> Network(CycleMlpConfig config)
    {
        var dpr = DropPath.Schedule(config.DropPathRate, config.Layers.Sum());
        for (int i = 0, k = 0; i < config.Layers.Length; i++)
        {
            long dim = config.Dims[i];
            var blocks = new List<CycleBlock>();
            for (int j = 0; j < config.Layers[i]; j++, k++)
                blocks.Add(new CycleBlock(dim, new CycleMixer(dim), config.MlpRatios[i], dpr[k], config.SkipLam));
            yield return new Stage(blocks);
            if (i < config.Layers.Length - 1) yield return ConvEmbed(dim, config.Dims[i + 1], 3, 2, 1, Layout.ChannelsLast);
        }
    }
}
