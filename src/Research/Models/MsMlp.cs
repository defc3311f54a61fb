using Research.Models.Layers;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Models;

// MS-MLP, "Mixing and Shifting: Exploiting Global and Local Dependencies in Vision MLPs" (Zheng et al.,
// https://arxiv.org/abs/2202.06510). State-dict keys follow the official code (JegZheng/MS-MLP
// models/ms_mlp.py): patch_embed.proj, layers.0.blocks.0.dwconv_lr.0, .dwconv_td.0, .norm, .pwconv1,
// .pwconv2, .gamma, layers.0.downsample.proj / .norm, norm, head.
//
// The shift scheme. The paper (MSP §3, Table 2) shifts channel group n by d_n = 0, 1, 2, 3, 4 with nothing
// wrapping around; the official code, which trained the reported models, rolls the groups circularly by
// -2, -1, 0, 1, 2 (torch.roll) and pairs those distances with the same region sizes r = [1, 1, 3, 5, 7], so
// the unshifted group gets r = 3 in stage 1. THE DEFAULT HERE IS THE OFFICIAL CODE'S (roll by -2..2);
// MsMlpConfig.PaperShift gives the paper's (shift by 0..4, vacated rows and columns filled with zeros).
// Stochastic depth defaults to the official configs (T 0.1, S 0.4, B 0.5; MSP Table 2 says 0.2 / 0.3 / 0.5).

/// <summary>One MS-MLP variant: four stages of <see cref="Depths"/> blocks, widths EmbedDim · 2^i, each
/// stage's channels split into <see cref="ShiftSize"/> groups; group n is shifted by <see cref="ShiftDist"/>[n]
/// (circularly when <see cref="Wrap"/>) and mixed by a depthwise conv of size <see cref="MixSize"/>[stage][n].</summary>
public sealed record MsMlpConfig(
    int EmbedDim,
    int[] Depths,
    int[][] MixSize,
    int[] ShiftDist,
    bool Wrap = true,
    int ShiftSize = 5,
    int PatchSize = 4,
    double MlpRatio = 4,
    double LayerScaleInit = 1e-6,
    double DropPathRate = 0.1,
    double DropRate = 0.0)
{
    /// <summary>Region sizes of the official configs (MSC configs/*.yaml, MSP Table 2).</summary>
    public static readonly int[][] DefaultMixSize = [[1, 1, 3, 5, 7], [1, 3, 3, 5, 7], [1, 5, 5, 5, 7], [1, 7, 7, 7, 7]];

    /// <summary>The official code's shifts: roll by −2..2 (what trained the reported models).</summary>
    public static readonly int[] CodeShiftDist = [-2, -1, 0, 1, 2];

    /// <summary>The paper's shifts (MSP Table 2): 0..4, nothing wraps.</summary>
    public static readonly int[] PaperShiftDist = [0, 1, 2, 3, 4];

    /// <summary>This configuration with the paper's shift scheme in place of the official code's.</summary>
    public MsMlpConfig PaperShift() => this with { ShiftDist = PaperShiftDist, Wrap = false };
}

/// <summary>The mix-shift block (MSP §3.2; MSC <c>MixShiftBlock</c>) on <c>[B, C, H, W]</c>: channels are split into
/// S groups x_n; each group is shifted by d_n along W and, separately, along H, and each shifted copy is mixed
/// by its own depthwise r_n x r_n convolution: <c>M = ⊕_n DW^lr_n(shift_W(x_n, d_n)) + ⊕_n DW^td_n(shift_H(x_n, d_n))</c>.
/// Then, as in the official code, one residual around a channel MLP:
/// <c>y = x + DropPath(γ ⊙ W2 GELU(W1 LN(M)))</c>.</summary>
public sealed class MixShiftBlock : nn.Module<Tensor, Tensor>
{
    public readonly ModuleList<Conv2d> dwconv_lr;
    public readonly ModuleList<Conv2d> dwconv_td;
    public readonly LayerNorm norm;
    public readonly Linear pwconv1;
    public readonly GELU act;
    public readonly Linear pwconv2;
    public readonly Parameter gamma;
    public readonly DropPath drop_path;
    private readonly int[] _shiftDist;
    private readonly bool _wrap;
    private readonly long _groups;

    public MixShiftBlock(long dim, int[] mixSize, int[] shiftDist, bool wrap = true, int shiftSize = 5, double mlpRatio = 4,
        double layerScaleInit = 1e-6, double dropPath = 0)
    {
        // torch.chunk's sizes: ceil(C / S) each, the last takes the rest (and fewer than S groups when C is small)
        long size = (dim + shiftSize - 1) / shiftSize;
        var chunks = new List<long>();
        for (long left = dim; left > 0; left -= size) chunks.Add(Math.Min(size, left));
        _groups = Math.Min(chunks.Count, Math.Min(mixSize.Length, shiftDist.Length));
        dwconv_lr = new ModuleList<Conv2d>(Enumerable.Range(0, (int)_groups).Select(i => DepthwiseConv(chunks[i], mixSize[i])));
        dwconv_td = new ModuleList<Conv2d>(Enumerable.Range(0, (int)_groups).Select(i => DepthwiseConv(chunks[i], mixSize[i])));
        ChunkSizes = chunks.Take((int)_groups).ToArray();
        this._shiftDist = shiftDist;
        this._wrap = wrap;
        norm = new LayerNorm(dim, 1e-6);
        pwconv1 = new Linear(dim, (long)(mlpRatio * dim));
        act = new GELU();
        pwconv2 = new Linear((long)(mlpRatio * dim), dim);
        using (var s = NewDisposeScope()) gamma = new Parameter(full([dim], layerScaleInit));
        this.drop_path = new DropPath(dropPath);
    }

    /// <summary>Channels per group (torch.chunk's split of C into S groups).</summary>
    public long[] ChunkSizes { get; }

    private static Conv2d DepthwiseConv(long channels, int kernel) => new(channels, channels, kernel, padding: kernel / 2, groups: channels);

    /// <summary>Content moves by <paramref name="d"/> along <paramref name="dim"/> (towards higher indices for d &gt; 0):
    /// circularly (torch.roll) when wrapping, else the vacated rows or columns are zero.</summary>
    private Tensor Shift(Tensor x, int d, int dim)
    {
        if (d == 0) return x.alias();
        if (_wrap) return x.roll(d, dim);
        long n = x.size(dim);
        if (Math.Abs(d) >= n) return zeros_like(x);
        using var kept = d > 0 ? x.narrow(dim, 0, n - d) : x.narrow(dim, -d, n + d);
        // pad (left, right) for W or (0, 0, top, bottom) for H on the side the content moved away from
        long before = Math.Max(d, 0), after = Math.Max(-d, 0);
        long[] pad = dim == 3 ? [before, after] : [0, 0, before, after];
        return F.pad(kept, pad);
    }

    /// <summary>The token mixing alone: <c>M = ⊕_n DW^lr_n(shift_W(x_n, d_n)) + ⊕_n DW^td_n(shift_H(x_n, d_n))</c>, <c>[B, C, H, W]</c>.</summary>
    public Tensor TokenMix(Tensor x)
    {
        using var scope = NewDisposeScope();
        var parts = x.split(ChunkSizes, 1);                                             // S groups of [B, C_n, H, W]
        var lr = parts.Select((p, n) => dwconv_lr[n].forward(Shift(p, _shiftDist[n], 3))).ToArray();
        var td = parts.Select((p, n) => dwconv_td[n].forward(Shift(p, _shiftDist[n], 2))).ToArray();
        return (cat(lr, 1) + cat(td, 1)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = norm.forward(TokenMix(x).permute(0, 2, 3, 1));                          // [B, C, H, W] -> [B, H, W, C]
        h = gamma * pwconv2.forward(act.forward(pwconv1.forward(h)));
        return (x + drop_path.forward(h.permute(0, 3, 1, 2))).MoveToOuterDisposeScope(); // [B, H, W, C] -> [B, C, H, W]
    }
}

/// <summary>One stage: its blocks, then (except in the last stage) a 2x2 patch embedding to twice the width.</summary>
public sealed class MsMlpLayer : nn.Module<Tensor, Tensor>
{
    public readonly ModuleList<MixShiftBlock> blocks;
    public readonly nn.Module<Tensor, Tensor>? downsample;

    public MsMlpLayer(IEnumerable<MixShiftBlock> blocks, nn.Module<Tensor, Tensor>? downsample)
    {
        this.blocks = new ModuleList<MixShiftBlock>(blocks);
        this.downsample = downsample;
    }

    public override Tensor forward(Tensor x)
    {
        var h = ImageClassifier.Chain(x.alias(), blocks);
        return downsample is null ? h : ImageClassifier.Chain(h, [downsample]);
    }
}

/// <summary>MS-MLP (MSP §3): a 4x4 patch embedding, four stages of <see cref="MixShiftBlock"/>s joined by 2x2 patch
/// embeddings, global average pool, LayerNorm, linear head.</summary>
public sealed class MsMlp : ImageClassifier<MsMlpConfig>
{
    private static readonly MsMlpConfig Tiny = new(96, [3, 3, 9, 3], MsMlpConfig.DefaultMixSize, MsMlpConfig.CodeShiftDist, DropPathRate: 0.1);

    private const string CountNote =
        "ours counts the whole model (head included); the paper's 28M / 50M / 88M match truncating 28.66M / 50.30M / 88.70M to whole " +
        "millions, or counting without the head (27.89M / 49.53M / 87.67M); it does not say which";
    private const string MacNote =
        "the paper's FLOPs (4.9G / 9.0G / 16.1G) exceed the multiply-adds of its layers (4.44G / 8.67G / 15.33G here); the official " +
        "flops() counts the same layers as we do, so the rule behind the table is not known";

    /// <summary>MS-MLP Tiny, Small, Base (MSP Table 2/3; MSC configs).</summary>
    public static IEnumerable<ModelEntry> Variants =>
    [
        Entry("msmlp_tiny", Tiny, new(28, 4.9, "MSP Table 3", CountNote + "; " + MacNote) { ParamsTolerance = 0.025, GMacsTolerance = null, Top1 = 82.1 }),
        Entry("msmlp_small", Tiny with { Depths = [3, 3, 27, 3], DropPathRate = 0.4 }, new(50, 9.0, "MSP Table 3", CountNote + "; " + MacNote)
            { GMacsTolerance = null, Top1 = 83.4 }),
        Entry("msmlp_base", Tiny with { EmbedDim = 128, Depths = [3, 3, 27, 3], DropPathRate = 0.5 }, new(88, 16.1, "MSP Table 3",
            CountNote + "; " + MacNote) { GMacsTolerance = null, Top1 = 83.8 }),
    ];

    private static ModelEntry Entry(string name, MsMlpConfig config, PaperNumbers paper) =>
        ModelEntry.Of(name, "ms-mlp", config, (c, o) => new MsMlp(c, o), paper) with
        {
            // widths 20, 40, 80, 160 split evenly into the five groups; no stochastic depth at this size
            SmallConfig = config with { EmbedDim = 20, Depths = [1, 1, 2, 1], DropPathRate = 0 },
        };

    public readonly PatchEmbed patch_embed;
    public readonly ModuleList<MsMlpLayer> layers;
    public readonly LayerNorm norm;
    public readonly Dropout pos_drop;
    public nn.Module<Tensor, Tensor> head;

    public MsMlp(MsMlpConfig config, ModelOptions? options = null) : base(config, options)
    {
        patch_embed = PatchMerging(config.PatchSize, Options.InChannels, config.EmbedDim);
        pos_drop = new Dropout(config.DropRate);
        var dpr = DropPath.Schedule(config.DropPathRate, config.Depths.Sum());
        var stages = new List<MsMlpLayer>();
        for (int i = 0, k = 0; i < config.Depths.Length; i++)
        {
            long dim = (long)config.EmbedDim << i;
            var blocks = new List<MixShiftBlock>();
            for (int j = 0; j < config.Depths[i]; j++, k++)
                blocks.Add(new MixShiftBlock(dim, config.MixSize[i], config.ShiftDist, config.Wrap, config.ShiftSize, config.MlpRatio,
                    config.LayerScaleInit, dpr[k]));
            stages.Add(new MsMlpLayer(blocks, i < config.Depths.Length - 1 ? PatchMerging(2, dim, 2 * dim) : null));
        }
        layers = new ModuleList<MsMlpLayer>(stages);
        norm = new LayerNorm(num_features, 1e-6);
        head = LinearHead(num_features, Options.NumClasses);
        // the official init: Linear weights trunc_normal(0.02), biases 0; convolutions keep PyTorch's default
        foreach (var (_, m) in named_modules())
            if (m is Linear linear)
            {
                nn.init.trunc_normal_(linear.weight, 0, 0.02, -2, 2);
                if (linear.bias is not null) nn.init.zeros_(linear.bias);
            }
    }

    public override long num_features => (long)Config.EmbedDim << (Config.Depths.Length - 1);

    /// <summary>MSC's <c>PatchEmbed</c>, the stem and the merging between stages: a stride-p convolution, then LayerNorm over
    /// channels (eps 1e-6), channels-first in and out, the image side floored as the convolution floors it; keys proj, norm.</summary>
    private static PatchEmbed PatchMerging(long patchSize, long inChannels, long embedDim) =>
        new(patchSize, inChannels, embedDim, new ChannelLayerNorm(embedDim, 1e-6), output: Layout.ChannelsFirst, wholePatches: false);

    public override Tensor forward_features(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Chain(pos_drop.forward(patch_embed.forward(x)), layers).MoveToOuterDisposeScope();
    }

    /// <summary>Global average pool, LayerNorm over channels, then the classifier.</summary>
    public override Tensor forward_head(Tensor features, bool pre_logits = false)
    {
        using var scope = NewDisposeScope();
        var pooled = norm.forward(features.mean([2, 3]));
        return Classify(pooled, pre_logits, head);
    }

    public override nn.Module? get_classifier() => head;

    protected override void ReplaceClassifier(long numClasses)
    {
        head.Dispose();
        head = LinearHead(num_features, numClasses);
        if (head is Linear linear)
        {
            nn.init.trunc_normal_(linear.weight, 0, 0.02, -2, 2);
            nn.init.zeros_(linear.bias!);
        }
    }
}
