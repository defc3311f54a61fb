using Research.Models.Layers;
using Research.Shift;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Models;

// MetaFormer / PoolFormer (Yu et al., "MetaFormer is Actually What You Need for Vision",
// https://arxiv.org/abs/2111.11418). One generic MetaFormer with a pluggable token mixer serves every
// PoolFormer and every row of PFP Table 5 (token mixer, pool size, norm, activation, no residual,
// no channel MLP, hybrid stages). State-dict keys are timm's metaformer.py ones for poolformer_*:
// stem.conv, stages.0.blocks.0.norm1, .layer_scale1.scale, .mlp.fc1 (a 1x1 convolution),
// stages.1.downsample.conv, head.norm, head.fc.
// Deviations, each an option:
//  - the head follows timm (global pool, then LayerNorm over channels, eps 1e-6, then fc), which is how timm
//    ports the sail-sg weights; the paper's code normalises the feature map with GroupNorm(1) before pooling
//    (HeadNormBeforePool = true);
//  - init follows timm (every Conv2d and Linear trunc_normal(0.02), bias 0); the paper's code leaves the stem
//    and downsampling convolutions at PyTorch's default init.

/// <summary>The token mixers of PFP Table 5, each filling the MetaFormer slot <c>TokenMixer(Norm(X))</c>.</summary>
public enum TokenMixerKind
{
    /// <summary>PoolFormer: <c>AvgPool(K, stride 1, count_include_pad false)(x) − x</c>.</summary>
    Pooling,
    /// <summary>The input itself (PFC <c>metaformer_id_s12</c>).</summary>
    Identity,
    /// <summary>A frozen random N x N matrix over tokens, rows softmax-normalised U[0, 1) draws (a buffer, not trained).</summary>
    RandomMatrix,
    /// <summary>A depthwise K x K convolution.</summary>
    DepthwiseConv,
    /// <summary>S2-MLP's four-direction spatial shift of channel groups (no parameters).</summary>
    SpatialShift,
    /// <summary>One bias-free N x N linear layer over tokens (PFC <c>SpatialFc</c>).</summary>
    SpatialFc,
    /// <summary>Multi-head self-attention, head dim 32, no qkv bias (PFC hybrid stages).</summary>
    Attention,
}

/// <summary>The normalisation of the MetaFormer blocks (PFP Table 5 "norm" rows).</summary>
public enum MetaFormerNorm
{
    /// <summary>GroupNorm with one group: statistics over C, H, W, affine per channel ("modified LayerNorm").</summary>
    GroupNorm1,
    /// <summary>LayerNorm over the channels at each position.</summary>
    LayerNorm,
    BatchNorm,
    /// <summary>No normalisation.</summary>
    None,
}

/// <summary>One MetaFormer: four stages of <see cref="Depths"/> blocks at widths <see cref="Dims"/>, a token
/// mixer per stage (<see cref="TokenMixers"/>, pooling everywhere when null), LayerScale starting at
/// <see cref="LayerScaleInit"/> (none when null), stochastic depth rising linearly from 0 at the first block
/// to <see cref="DropPathRate"/> at the last.</summary>
public sealed record MetaFormerConfig(
    int[] Depths,
    int[] Dims,
    TokenMixerKind[]? TokenMixers = null,
    int PoolSize = 3,
    double MlpRatio = 4,
    MetaFormerNorm Norm = MetaFormerNorm.GroupNorm1,
    string Activation = "gelu",
    double? LayerScaleInit = 1e-5,
    double DropPathRate = 0.0,
    double DropRate = 0.0,
    bool Residual = true,
    bool ChannelMlp = true,
    bool HeadNormBeforePool = false,
    int AttentionHeadDim = 32)
{
    /// <summary>The mixer of stage <paramref name="stage"/>.</summary>
    public TokenMixerKind MixerAt(int stage) => TokenMixers is null ? TokenMixerKind.Pooling : TokenMixers[stage];
}

// ----- token mixers ---------------------------------------------------------------------------------------------

/// <summary>PoolFormer's token mixer (PFP Eq. 4): <c>AvgPool_K(x) − x</c>, stride 1, padding K/2, padded
/// positions left out of each mean. The block adds the input back, so the subtraction keeps the residual
/// from counting it twice.</summary>
public sealed class Pooling(int poolSize = 3) : nn.Module<Tensor, Tensor>
{
    public int poolSize { get; } = poolSize;

    public override Tensor forward(Tensor x)
    {
        using var pooled = F.avg_pool2d(x, poolSize, 1, poolSize / 2, count_include_pad: false);
        return pooled - x;
    }

    public override string extra_repr() => $"pool_size={poolSize}";
}

/// <summary>Mixes the N tokens of <c>[B, C, H, W]</c> with a fixed N x N matrix R:
/// <c>y[c, m] = Σ_n R[m, n] x[c, n]</c>. R = row-softmax of U[0, 1) draws, frozen (a buffer: saved, never
/// trained), one per block as in the MetaFormer code; PFP Table 5 counts these as +21M frozen values for S12.</summary>
public sealed class RandomMixing : nn.Module<Tensor, Tensor>
{
    [nn.Buffer] private Tensor random_matrix;

    public RandomMixing(long numTokens)
    {
        using var scope = NewDisposeScope();
        random_matrix = rand(numTokens, numTokens).softmax(-1).DetachFromDisposeScope();
    }

    public Tensor RandomMatrix => random_matrix;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (b, c, h, w) = (x.size(0), x.size(1), x.size(2), x.size(3));
        var tokens = x.reshape(b, c, h * w);                              // [B, C, H, W] -> [B, C, N]
        var mixed = tokens.matmul(random_matrix.t());            // [B, C, N] @ Rᵀ
        return mixed.reshape(b, c, h, w).MoveToOuterDisposeScope();       // [B, C, N] -> [B, C, H, W]
    }
}

/// <summary>A depthwise K x K convolution with bias, padding K/2, as a token mixer.</summary>
public sealed class DepthwiseConvMixer(long dim, int kernelSize = 3) : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv = new(dim, dim, kernelSize, padding: kernelSize / 2, groups: dim);

    public override Tensor forward(Tensor x) => conv.forward(x);
}

/// <summary>One bias-free linear layer over the N tokens of <c>[B, C, H, W]</c> (the paper's "Spatial FC").</summary>
public sealed class SpatialFc(long numTokens) : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj = new(numTokens, numTokens, hasBias: false);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (b, c, h, w) = (x.size(0), x.size(1), x.size(2), x.size(3));
        var mixed = proj.forward(x.reshape(b, c, h * w));        // [B, C, H, W] -> [B, C, N], FC along N
        return mixed.reshape(b, c, h, w).MoveToOuterDisposeScope();      // [B, C, N] -> [B, C, H, W]
    }
}

/// <summary>Multi-head self-attention over the tokens of <c>[B, C, H, W]</c>: <c>softmax(QKᵀ/√d)V</c> per head,
/// heads of width d (32 by default), qkv without bias, output projection with bias (PFC).</summary>
public sealed class MetaFormerAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly long heads;
    private readonly long headDim;

    public MetaFormerAttention(long dim, long headDim = 32)
    {
        this.headDim = headDim;
        heads = Math.Max(1, dim / headDim);
        qkv = new Linear(dim, heads * headDim * 3, hasBias: false);
        proj = new Linear(heads * headDim, dim);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (b, c, h, w) = (x.size(0), x.size(1), x.size(2), x.size(3));
        long n = h * w;
        var tokens = x.flatten(2).transpose(1, 2);                                          // [B, C, H, W] -> [B, N, C]
        // [B, N, 3·heads·d] -> [B, N, 3, heads, d] -> [3, B, heads, N, d]
        var qkvHeads = qkv.forward(tokens).reshape(b, n, 3, heads, headDim).permute(2, 0, 3, 1, 4).unbind(0);
        var (q, k, v) = (qkvHeads[0], qkvHeads[1], qkvHeads[2]);
        var attn = (q.matmul(k.transpose(-2, -1)) * (1.0 / Math.Sqrt(headDim))).softmax(-1);    // [B, heads, N, N]
        var mixed = attn.matmul(v).transpose(1, 2).reshape(b, n, heads * headDim);              // [B, heads, N, d] -> [B, N, heads·d]
        var y = proj.forward(mixed);                                                              // [B, N, C]
        return y.transpose(1, 2).reshape(b, c, h, w).MoveToOuterDisposeScope();                           // [B, N, C] -> [B, C, H, W]
    }
}

// ----- block parts ----------------------------------------------------------------------------------------------

/// <summary>A learnt per-channel scale of <c>[B, C, H, W]</c>, <c>scale</c> of shape <c>[C]</c> (timm's metaformer Scale).</summary>
public sealed class ChannelScale : nn.Module<Tensor, Tensor>
{
    private readonly Parameter scale;

    public ChannelScale(long dim, double initValue)
    {
        using var s = NewDisposeScope();
        scale = new Parameter(full([dim], initValue));
    }

    public override Tensor forward(Tensor x)
    {
        using var view = scale.view(-1, 1, 1);                           // [C] -> [C, 1, 1]
        return x * view;
    }
}

/// <summary>LayerNorm over the channels of <c>[B, C, H, W]</c> at each position (PFC LayerNormChannel).</summary>
public sealed class ChannelLayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly double eps;

    public ChannelLayerNorm(long dim, double eps = 1e-5)
    {
        this.eps = eps;
        using var s = NewDisposeScope();
        weight = new Parameter(ones(dim));
        bias = new Parameter(zeros(dim));
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var last = x.permute(0, 2, 3, 1);                                 // [B, C, H, W] -> [B, H, W, C]
        var normed = F.layer_norm(last, [x.size(1)], weight, bias, eps);
        return normed.permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();   // -> [B, C, H, W]
    }
}

/// <summary>Two 1x1 convolutions with an activation between: the channel MLP on <c>[B, C, H, W]</c>
/// (timm's <c>Mlp(use_conv=True)</c>, keys fc1, fc2).</summary>
public sealed class ConvMlp : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d fc1;
    private readonly nn.Module<Tensor, Tensor> act;
    private readonly Dropout drop1;
    private readonly Conv2d fc2;
    private readonly Dropout drop2;

    public ConvMlp(long dim, long hidden, string activation = "gelu", double drop = 0)
    {
        fc1 = new Conv2d(dim, hidden, 1);
        act = MetaFormer.Activation(activation);
        drop1 = new Dropout(drop);
        fc2 = new Conv2d(hidden, dim, 1);
        drop2 = new Dropout(drop);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return drop2.forward(fc2.forward(drop1.forward(act.forward(fc1.forward(x))))).MoveToOuterDisposeScope();
    }
}

/// <summary>A branch or shortcut that is switched off: zeros in the input's shape (PFP Table 5's "no residual"
/// and "no channel MLP" rows).</summary>
public sealed class Zero : nn.Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor x) => zeros_like(x);
}

/// <summary>One MetaFormer block (PFP Eq. 3 and 5), pre-norm, on <c>[B, C, H, W]</c>:
/// <c>Y = X + DropPath(LS1 ⊙ TokenMixer(Norm(X)))</c>, <c>Z = Y + DropPath(LS2 ⊙ MLP(Norm(Y)))</c>.</summary>
public sealed class MetaFormerBlock : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> norm1;
    private readonly nn.Module<Tensor, Tensor> tokenMixer;
    private readonly DropPath dropPath1;
    private readonly nn.Module<Tensor, Tensor> layerScale1;
    private readonly nn.Module<Tensor, Tensor> shortcut;
    private readonly nn.Module<Tensor, Tensor> norm2;
    private readonly nn.Module<Tensor, Tensor> mlp;
    private readonly DropPath dropPath2;
    private readonly nn.Module<Tensor, Tensor> layerScale2;

    /// <param name="dim">Channels C.</param>
    /// <param name="tokenMixer">What mixes the tokens (see <see cref="TokenMixerKind"/>).</param>
    /// <param name="norm">Makes the block's norms for a width.</param>
    /// <param name="mlpRatio">Channel-MLP hidden width as a multiple of C.</param>
    /// <param name="activation">gelu, relu or silu.</param>
    /// <param name="layerScaleInit">Initial LayerScale; null for none.</param>
    /// <param name="dropPath">Stochastic-depth rate of both sub-blocks.</param>
    /// <param name="drop">Dropout inside the channel MLP.</param>
    /// <param name="residual">False drops the shortcuts (PFP Table 5's "no residual").</param>
    /// <param name="channelMlp">False removes the channel-MLP sub-block (PFP Table 5's "no channel MLP").</param>
    public MetaFormerBlock(long dim, nn.Module<Tensor, Tensor> tokenMixer, Func<long, nn.Module<Tensor, Tensor>> norm,
        double mlpRatio = 4, string activation = "gelu", double? layerScaleInit = 1e-5, double dropPath = 0, double drop = 0,
        bool residual = true, bool channelMlp = true)
    {
        norm1 = norm(dim);
        this.tokenMixer = tokenMixer;
        dropPath1 = new DropPath(dropPath);
        layerScale1 = layerScaleInit is double v1 ? new ChannelScale(dim, v1) : new Identity();
        shortcut = residual ? new Identity() : new Zero();
        norm2 = channelMlp ? norm(dim) : new Identity();
        mlp = channelMlp ? new ConvMlp(dim, (long)(mlpRatio * dim), activation, drop) : new Zero();
        dropPath2 = new DropPath(dropPath);
        layerScale2 = channelMlp && layerScaleInit is double v2 ? new ChannelScale(dim, v2) : new Identity();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = shortcut.forward(x) + dropPath1.forward(layerScale1.forward(tokenMixer.forward(norm1.forward(x))));
        x = shortcut.forward(x) + dropPath2.forward(layerScale2.forward(mlp.forward(norm2.forward(x))));
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>Stage i: a downsampling convolution (3x3, stride 2, padding 1; none in stage 0), an optional
/// learnt position embedding (before the first attention stage, as PFC's hybrid models), then the blocks.</summary>
public sealed class MetaFormerStage : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> downsample;
    private readonly Parameter? posEmbed;
    private readonly ModuleList<MetaFormerBlock> blocks;

    public MetaFormerStage(nn.Module<Tensor, Tensor> downsample, IEnumerable<MetaFormerBlock> blocks, long[]? posEmbedShape = null)
    {
        this.downsample = downsample;
        this.blocks = new ModuleList<MetaFormerBlock>(blocks);
        if (posEmbedShape is not null)
        {
            using var s = NewDisposeScope();
            posEmbed = new Parameter(zeros(posEmbedShape));
        }
    }

    public override Tensor forward(Tensor x)
    {
        var h = downsample.forward(x);
        if (posEmbed is not null)
        {
            var withPos = h + posEmbed;
            h.Dispose();
            h = withPos;
        }
        return ImageClassifier.Chain(h, blocks);
    }
}

/// <summary>A convolution that reports its MACs (the stem's and the downsampling layers' <c>conv</c>).</summary>
public sealed class ConvStem(long inChannels, long outChannels, int kernelSize, int stride, int padding) : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv = new(inChannels, outChannels, kernelSize, stride, padding);

    public override Tensor forward(Tensor x) => conv.forward(x);
}

/// <summary>timm's MetaFormer head: global average pool, LayerNorm over channels, classifier (keys norm, fc);
/// with <c>normBeforePool</c> the paper's order (GroupNorm(1) on the feature map, then pool, then fc).</summary>
public sealed class MetaFormerHead : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> norm;
    private readonly Dropout drop;
    internal nn.Module<Tensor, Tensor> fc;
    private readonly bool normBeforePool;

    public MetaFormerHead(long dim, long numClasses, bool normBeforePool, double dropRate)
    {
        this.normBeforePool = normBeforePool;
        norm = normBeforePool ? new GroupNorm(1, dim) : new LayerNorm(dim, 1e-6);
        drop = new Dropout(dropRate);
        fc = MetaFormer.Classifier(dim, numClasses);
    }

    /// <summary><c>[B, C, H, W]</c> to pooled, normalised <c>[B, C]</c>.</summary>
    public Tensor PreLogits(Tensor x)
    {
        using var scope = NewDisposeScope();
        var pooled = normBeforePool ? norm.forward(x).mean([2, 3]) : norm.forward(x.mean([2, 3]));
        return drop.forward(pooled).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var pre = PreLogits(x);
        return (fc is Linear linear ? linear.forward(pre) : fc.forward(pre)).MoveToOuterDisposeScope();
    }
}

/// <summary>The MetaFormer of PFP §3: a 7x7 stride-4 stem, four stages of <see cref="MetaFormerBlock"/>s joined
/// by stride-2 convolutions, and <see cref="MetaFormerHead"/>. Features <c>[B, C4, H/32, W/32]</c>.</summary>
public sealed class MetaFormer : ImageClassifier<MetaFormerConfig>
{
    // ----- variants: PFP Tab. 1/2 (params, MACs at 224²), Tab. 6 (LayerScale, stochastic depth), Tab. 5 -------

    private static readonly int[] S = [64, 128, 320, 512];
    private static readonly int[] M = [96, 192, 384, 768];
    private static readonly MetaFormerConfig S12 = new([2, 2, 6, 2], S, LayerScaleInit: 1e-5, DropPathRate: 0.1);

    /// <summary>PoolFormer S12 ... M48 under timm's names, and the MetaFormer rows of PFP Table 5 built on S12.</summary>
    public static IEnumerable<ModelEntry> Variants =>
    [
        Entry("poolformer_s12", S12, new(11.9, 1.8, "PFP Tables 1-2") { Top1 = 77.2 }),
        Entry("poolformer_s24", S12 with { Depths = [4, 4, 12, 4] }, new(21.4, 3.4, "PFP Tables 1-2") { Top1 = 80.3 }),
        Entry("poolformer_s36", S12 with { Depths = [6, 6, 18, 6], LayerScaleInit = 1e-6, DropPathRate = 0.2 }, new(30.8, 5.0, "PFP Tables 1-2") { Top1 = 81.4 }),
        Entry("poolformer_m36", S12 with { Depths = [6, 6, 18, 6], Dims = M, LayerScaleInit = 1e-6, DropPathRate = 0.3 }, new(56.1, 8.8, "PFP Tables 1-2") { Top1 = 82.1 }),
        Entry("poolformer_m48", S12 with { Depths = [8, 8, 24, 8], Dims = M, LayerScaleInit = 1e-6, DropPathRate = 0.4 }, new(73.4, 11.6, "PFP Tables 1-2") { Top1 = 82.5 }),
        // PFP Table 5 token-mixer rows (S12 otherwise); names from PFC where it has them
        Entry("metaformer_id_s12", S12 with { TokenMixers = Stages(TokenMixerKind.Identity) }, new(11.9, 1.8, "PFP Table 5") { Top1 = 74.3 }),
        Entry("metaformer_random_s12", S12 with { TokenMixers = Stages(TokenMixerKind.RandomMatrix) }, new(11.9, 3.3, "PFP Table 5",
            "the 21.1M frozen random-matrix values are buffers, not parameters, as the paper counts 11.9M") { Top1 = 75.8 }),
        Entry("metaformer_dwconv_s12", S12 with { TokenMixers = Stages(TokenMixerKind.DepthwiseConv) }, new(11.9, 1.8, "PFP Table 5") { Top1 = 78.1 }),
        Entry("metaformer_shift_s12", S12 with { TokenMixers = Stages(TokenMixerKind.SpatialShift) }, new(11.9, 1.8, "PFP Tables 1-2 (S12's counts)",
            "PoolFormer-S12 with S2-MLP's spatial shift as the token mixer; not a row of PFP Table 5, so the counts are S12's and there is no top-1")),
        Entry("metaformer_pppa_s12_224", S12 with { TokenMixers = Mix("PPPA"), Norm = MetaFormerNorm.LayerNorm }, new(14.0, 1.9, "PFP Table 5") { Top1 = 78.3 }),
        Entry("metaformer_ppaa_s12_224", S12 with { TokenMixers = Mix("PPAA"), Norm = MetaFormerNorm.LayerNorm }, new(16.5, 2.5, "PFP Table 5") { Top1 = 81.0 }),
        Entry("metaformer_pppf_s12_224", S12 with { TokenMixers = Mix("PPPF") }, new(11.9, 1.8, "PFP Table 5") { Top1 = 77.5 }),
        Entry("metaformer_ppff_s12_224", S12 with { TokenMixers = Mix("PPFF") }, new(12.2, 1.9, "PFP Table 5") { Top1 = 77.9 }),
    ];

    private static TokenMixerKind[] Stages(TokenMixerKind kind) => [kind, kind, kind, kind];

    private static TokenMixerKind[] Mix(string code) => code.Select(c => c switch
    {
        'P' => TokenMixerKind.Pooling,
        'A' => TokenMixerKind.Attention,
        'F' => TokenMixerKind.SpatialFc,
        _ => throw new ArgumentException($"Unknown stage code '{c}'"),
    }).ToArray();

    private static ModelEntry Entry(string name, MetaFormerConfig config, PaperNumbers paper) =>
        ModelEntry.Of(name, name.StartsWith("poolformer") ? "poolformer" : "metaformer", config, (c, o) => new MetaFormer(c, o), paper)
        with {
            // small configurations drop stochastic depth: with a few samples a dropped branch leaves parameters without gradient
            SmallConfig = config with { Depths = [1, 1, 2, 1], Dims = [16, 32, 48, 64], DropPathRate = 0 },
            // 64x64 keeps a 2x2 map in the last stage; at 1x1 pooling minus its input is zero and stage 4 would not learn
            SmallOptions = new(NumClasses: 10, ImageSize: 64),
        };

    // ----- the model ---------------------------------------------------------------------------------------

    private readonly ConvStem stem;
    private readonly ModuleList<MetaFormerStage> stages;
    private readonly MetaFormerHead head;

    /// <summary>Token-grid side per stage for the configured image size.</summary>
    public IReadOnlyList<long> GridSizes { get; }

    public MetaFormer(MetaFormerConfig config, ModelOptions? options = null) : base(config, options)
    {
        if (config.Depths.Length != config.Dims.Length || (config.TokenMixers is { } t && t.Length != config.Depths.Length))
            throw new ArgumentException("MetaFormer: Depths, Dims and TokenMixers need one entry per stage");
        // stem: 7x7, stride 4, padding 2; downsampling: 3x3, stride 2, padding 1
        var grids = new List<long> { (Options.ImageSize + 2 * 2 - 7) / 4 + 1 };
        for (int i = 1; i < config.Depths.Length; i++) grids.Add((grids[^1] + 2 - 3) / 2 + 1);
        GridSizes = grids;

        stem = new ConvStem(Options.InChannels, config.Dims[0], 7, 4, 2);
        var dpr = DropPath.Schedule(config.DropPathRate, config.Depths.Sum());
        int firstAttention = Enumerable.Range(0, config.Depths.Length).FirstOrDefault(i => config.MixerAt(i) == TokenMixerKind.Attention, -1);
        var stageList = new List<MetaFormerStage>();
        for (int i = 0, blockIndex = 0; i < config.Depths.Length; i++)
        {
            long dim = config.Dims[i], grid = grids[i];
            nn.Module<Tensor, Tensor> downsample = i == 0 ? new Identity() : new ConvStem(config.Dims[i - 1], dim, 3, 2, 1);
            var blocks = new List<MetaFormerBlock>();
            for (int j = 0; j < config.Depths[i]; j++, blockIndex++)
                blocks.Add(new MetaFormerBlock(dim, TokenMixer(config, i, dim, grid), d => Norm(config.Norm, d), config.MlpRatio,
                    config.Activation, config.LayerScaleInit, dpr[blockIndex], config.DropRate, config.Residual, config.ChannelMlp));
            stageList.Add(new MetaFormerStage(downsample, blocks, i == firstAttention ? [1, dim, grid, grid] : null));
        }
        stages = new ModuleList<MetaFormerStage>(stageList);
        head = new MetaFormerHead(config.Dims[^1], Options.NumClasses, config.HeadNormBeforePool, config.DropRate);
        InitWeights();
    }

    private static nn.Module<Tensor, Tensor> TokenMixer(MetaFormerConfig config, int stage, long dim, long grid) => config.MixerAt(stage) switch
    {
        TokenMixerKind.Pooling => new Pooling(config.PoolSize),
        TokenMixerKind.Identity => new Identity(),
        TokenMixerKind.RandomMatrix => new RandomMixing(grid * grid),
        TokenMixerKind.DepthwiseConv => new DepthwiseConvMixer(dim, config.PoolSize),
        TokenMixerKind.SpatialShift => new SpatialShiftLayer(ShiftPatterns.Default, channelsLast: false),
        TokenMixerKind.SpatialFc => new SpatialFc(grid * grid),
        TokenMixerKind.Attention => new MetaFormerAttention(dim, config.AttentionHeadDim),
        var k => throw new ArgumentException($"Unknown token mixer {k}"),
    };

    private static nn.Module<Tensor, Tensor> Norm(MetaFormerNorm norm, long dim) => norm switch
    {
        MetaFormerNorm.GroupNorm1 => new GroupNorm(1, dim),
        MetaFormerNorm.LayerNorm => new ChannelLayerNorm(dim),
        MetaFormerNorm.BatchNorm => new BatchNorm2d(dim),
        _ => new Identity(),
    };

    /// <summary>An activation by name: gelu (exact), relu or silu (PFP Table 5 "activation" rows).</summary>
    public static nn.Module<Tensor, Tensor> Activation(string name) => name switch
    {
        "gelu" => new GELU(),
        "relu" => new ReLU(),
        "silu" => new SiLU(),
        _ => throw new ArgumentException($"Unknown activation '{name}': expected gelu, relu or silu"),
    };

    internal static nn.Module<Tensor, Tensor> Classifier(long dim, long numClasses)
    {
        if (numClasses <= 0) return new Identity();
        var fc = new Linear(dim, numClasses);
        nn.init.trunc_normal_(fc.weight, 0, 0.02, -2, 2);
        nn.init.zeros_(fc.bias!);
        return fc;
    }

    public override long num_features => Config.Dims[^1];

    public override Tensor forward_features(Tensor x) => Chain(stem.forward(x), stages);

    public override Tensor forward_head(Tensor features, bool pre_logits = false) =>
        pre_logits ? head.PreLogits(features) : head.forward(features);

    public override nn.Module? get_classifier() => head.fc;

    protected override void ReplaceClassifier(long numClasses)
    {
        head.fc.Dispose();
        head.fc = Classifier(Config.Dims[^1], numClasses);
    }

    /// <summary>timm's init: every Conv2d and Linear weight trunc_normal(0, 0.02) cut at ±2, biases 0;
    /// norms at one and zero; LayerScale at its init value.</summary>
    private void InitWeights()
    {
        foreach (var (_, module) in named_modules())
        {
            (Tensor weight, Tensor? bias)? wb = module switch
            {
                Conv2d conv => (conv.weight, conv.bias),
                Linear linear => (linear.weight, linear.bias),
                _ => null,
            };
            if (wb is not { } p) continue;
            nn.init.trunc_normal_(p.weight, 0, 0.02, -2, 2);
            if (p.bias is not null) nn.init.zeros_(p.bias);
        }
    }

    /// <summary>x · sigmoid(x).</summary>
    private sealed class SiLU : nn.Module<Tensor, Tensor>
    {
        public override Tensor forward(Tensor x) => F.silu(x);
    }
}
