using System.Text.Json.Serialization;
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
// The same class builds the MetaFormer baselines (Yu et al., "MetaFormer Baselines for Vision",
// https://arxiv.org/abs/2210.13452) as timm does: PoolFormerV2, ConvFormer (separable-convolution mixer, SepConv) and
// CAFormer (SepConv in stages 1-2, attention in 3-4), with StarReLU, bias-free norms and MLPs, norms in the stem and the
// downsampling layers, ResScale on the shortcuts of the last two stages and the MLP head (keys stem.norm,
// stages.1.downsample.norm, .res_scale1.scale, .mlp.act.scale, .token_mixer.pwconv1, head.fc.fc1). Every such option
// defaults to the PoolFormer behaviour and is left out of a configuration's JSON while unset, so run keys of the
// PoolFormer configurations do not change.
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
    /// <summary>MobileNetV2's inverted separable convolution, ConvFormer's token mixer (timm's <c>SepConv</c>):
    /// 1x1 conv to 2C, StarReLU, depthwise 7x7, 1x1 conv back to C, no biases.</summary>
    SepConv,
    /// <summary>CAFormer's attention (timm's metaformer <c>Attention</c>): as <see cref="Attention"/> but the stage runs
    /// channels-last <c>[B, N, C]</c> (so its norms are LayerNorms over C and its channel MLP is Linear, keys
    /// <c>mlp.fc1.weight</c> of shape <c>[4C, C]</c>), the output projection has no bias and there is no position embedding.</summary>
    CaFormerAttention,
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
/// to <see cref="DropPathRate"/> at the last. The properties after <see cref="AttentionHeadDim"/> are timm's options for
/// the MetaFormer baselines; each one's default is PoolFormer's behaviour, and is left out of the JSON of run keys.</summary>
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
    int AttentionHeadDim = 32,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] MetaFormerNorm[]? StageNorms = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool BiasFreeNorms = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] MetaFormerNorm? DownsampleNorm = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] double?[]? LayerScaleInits = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] double?[]? ResScaleInits = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool BiasFreeMlp = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool UseMlpHead = false)
{
    /// <summary>The mixer of stage <paramref name="stage"/>.</summary>
    public TokenMixerKind MixerAt(int stage) => TokenMixers is null ? TokenMixerKind.Pooling : TokenMixers[stage];

    /// <summary>The norm of stage <paramref name="stage"/>'s blocks: <see cref="StageNorms"/> where set, else <see cref="Norm"/>.</summary>
    public MetaFormerNorm NormAt(int stage) => StageNorms is null ? Norm : StageNorms[stage];

    /// <summary>Initial LayerScale of stage <paramref name="stage"/>: <see cref="LayerScaleInits"/> where set, else
    /// <see cref="LayerScaleInit"/>; null for none.</summary>
    public double? LayerScaleAt(int stage) => LayerScaleInits is null ? LayerScaleInit : LayerScaleInits[stage];

    /// <summary>Initial ResScale of stage <paramref name="stage"/> (timm's res_scale_init_values); null for none.</summary>
    public double? ResScaleAt(int stage) => ResScaleInits?[stage];
}

// ----- token mixers ---------------------------------------------------------------------------------------------

/// <summary>PoolFormer's token mixer (PFP Eq. 4): <c>AvgPool_K(x) − x</c>, stride 1, padding K/2, padded
/// positions left out of each mean. The block adds the input back, so the subtraction keeps the residual
/// from counting it twice.</summary>
public sealed class Pooling(int poolSize = 3) : nn.Module<Tensor, Tensor>
{
    /// <summary>K: the pooling window's side.</summary>
    public int PoolSize { get; } = poolSize;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (F.avg_pool2d(x, PoolSize, 1, PoolSize / 2, count_include_pad: false) - x).MoveToOuterDisposeScope();
    }

    public override string extra_repr() => $"pool_size={PoolSize}";
}

/// <summary>Mixes the N tokens of <c>[B, C, H, W]</c> with a fixed N x N matrix R:
/// <c>y[c, m] = Σ_n R[m, n] x[c, n]</c>. R = row-softmax of U[0, 1) draws, frozen (a buffer: saved, never
/// trained), one per block as in the MetaFormer code; PFP Table 5 counts these as +21M frozen values for S12.</summary>
public sealed class RandomMixing : nn.Module<Tensor, Tensor>
{
    [nn.Buffer] public Tensor random_matrix;

    public RandomMixing(long numTokens)
    {
        using var scope = NewDisposeScope();
        random_matrix = rand(numTokens, numTokens).softmax(-1).DetachFromDisposeScope();
    }


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
    public readonly Conv2d conv = new(dim, dim, kernelSize, padding: kernelSize / 2, groups: dim);

    public override Tensor forward(Tensor x) => conv.forward(x);
}

/// <summary>ConvFormer's token mixer (timm's <c>SepConv</c>, MobileNetV2's inverted separable convolution) on
/// <c>[B, C, H, W]</c>: <c>pwconv2(act2(dwconv(act1(pwconv1 x))))</c>, pwconv1 a 1x1 convolution to
/// <c>expansionRatio</c>·C channels, act1 <see cref="StarReLU"/>, dwconv depthwise K x K (padding K/2), act2 the identity,
/// pwconv2 a 1x1 convolution back to C; no biases unless <c>bias</c>.</summary>
public sealed class SepConv : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d pwconv1;
    public readonly nn.Module<Tensor, Tensor> act1;
    public readonly Conv2d dwconv;
    public readonly nn.Module<Tensor, Tensor> act2;
    public readonly Conv2d pwconv2;

    public SepConv(long dim, double expansionRatio = 2, int kernelSize = 7, bool bias = false)
    {
        long mid = (long)(expansionRatio * dim);
        pwconv1 = new Conv2d(dim, mid, 1, bias: bias);
        act1 = new StarReLU();
        dwconv = new Conv2d(mid, mid, kernelSize, padding: kernelSize / 2, groups: mid, bias: bias);
        act2 = new Identity();
        pwconv2 = new Conv2d(mid, dim, 1, bias: bias);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return pwconv2.forward(act2.forward(dwconv.forward(act1.forward(pwconv1.forward(x))))).MoveToOuterDisposeScope();
    }
}

/// <summary>One bias-free linear layer over the N tokens of <c>[B, C, H, W]</c> (the paper's "Spatial FC").</summary>
public sealed class SpatialFc(long numTokens) : nn.Module<Tensor, Tensor>
{
    public readonly Linear proj = new(numTokens, numTokens, bias: false);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (b, c, h, w) = (x.size(0), x.size(1), x.size(2), x.size(3));
        var mixed = proj.forward(x.reshape(b, c, h * w));        // [B, C, H, W] -> [B, C, N], FC along N
        return mixed.reshape(b, c, h, w).MoveToOuterDisposeScope();      // [B, C, N] -> [B, C, H, W]
    }
}

/// <summary>Multi-head self-attention over the tokens of <c>[B, C, H, W]</c> (or of <c>[B, N, C]</c> with
/// <c>channelsLast</c>, as CAFormer's stages run): <c>softmax(QKᵀ/√d)V</c> per head, heads of width d (32 by default),
/// qkv without bias, output projection with bias (PFC) or without (<c>projBias</c> false, timm's CAFormer).</summary>
public sealed class MetaFormerAttention : nn.Module<Tensor, Tensor>
{
    public readonly Linear qkv;
    public readonly Linear proj;
    private readonly long _heads;
    private readonly long _headDim;
    private readonly bool _channelsLast;

    public MetaFormerAttention(long dim, long headDim = 32, bool projBias = true, bool channelsLast = false)
    {
        this._headDim = headDim;
        _channelsLast = channelsLast;
        _heads = Math.Max(1, dim / headDim);
        qkv = new Linear(dim, _heads * headDim * 3, bias: false);
        proj = new Linear(_heads * headDim, dim, projBias);
    }

    public override Tensor forward(Tensor x)
    {
        if (_channelsLast) return Attend(x);
        using var scope = NewDisposeScope();
        var (b, c, h, w) = (x.size(0), x.size(1), x.size(2), x.size(3));
        var y = Attend(x.flatten(2).transpose(1, 2));                                        // [B, C, H, W] -> [B, N, C]
        return y.transpose(1, 2).reshape(b, c, h, w).MoveToOuterDisposeScope();                           // [B, N, C] -> [B, C, H, W]
    }

    /// <summary>Attention over tokens <c>[B, N, C]</c>, returning <c>[B, N, C]</c>.</summary>
    private Tensor Attend(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var (b, n) = (tokens.size(0), tokens.size(1));
        // [B, N, 3·heads·d] -> [B, N, 3, heads, d] -> [3, B, heads, N, d]
        var qkvHeads = qkv.forward(tokens).reshape(b, n, 3, _heads, _headDim).permute(2, 0, 3, 1, 4).unbind(0);
        var (q, k, v) = (qkvHeads[0], qkvHeads[1], qkvHeads[2]);
        var attn = (q.matmul(k.transpose(-2, -1)) * (1.0 / Math.Sqrt(_headDim))).softmax(-1);    // [B, heads, N, N]
        var mixed = attn.matmul(v).transpose(1, 2).reshape(b, n, _heads * _headDim);              // [B, heads, N, d] -> [B, N, heads·d]
        return proj.forward(mixed).MoveToOuterDisposeScope();                                     // [B, N, C]
    }
}

// ----- block parts ----------------------------------------------------------------------------------------------

/// <summary>A branch or shortcut that is switched off: zeros in the input's shape (PFP Table 5's "no residual"
/// and "no channel MLP" rows).</summary>
public sealed class Zero : nn.Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor x) => zeros_like(x);
}

/// <summary>One MetaFormer block (PFP Eq. 3 and 5), pre-norm, on <c>[B, C, H, W]</c> (or <c>[B, N, C]</c> in a
/// channels-last stage): <c>Y = RS1 ⊙ X + DropPath(LS1 ⊙ TokenMixer(Norm(X)))</c>,
/// <c>Z = RS2 ⊙ Y + DropPath(LS2 ⊙ MLP(Norm(Y)))</c>, where LayerScale LS and ResScale RS are learnt per-channel
/// scales (identities when not configured), as timm's metaformer block.</summary>
public sealed class MetaFormerBlock : nn.Module<Tensor, Tensor>
{
    public readonly nn.Module<Tensor, Tensor> norm1;
    public readonly nn.Module<Tensor, Tensor> token_mixer;
    public readonly DropPath drop_path1;
    public readonly nn.Module<Tensor, Tensor> layer_scale1;
    public readonly nn.Module<Tensor, Tensor> res_scale1;
    public readonly nn.Module<Tensor, Tensor> norm2;
    public readonly nn.Module<Tensor, Tensor> mlp;
    public readonly DropPath drop_path2;
    public readonly nn.Module<Tensor, Tensor> layer_scale2;
    public readonly nn.Module<Tensor, Tensor> res_scale2;

    /// <param name="dim">Channels C.</param>
    /// <param name="tokenMixer">What mixes the tokens (see <see cref="TokenMixerKind"/>).</param>
    /// <param name="norm">Makes the block's norms for a width.</param>
    /// <param name="mlpRatio">Channel-MLP hidden width as a multiple of C.</param>
    /// <param name="activation">The channel MLP's activation (see <see cref="Activations"/>).</param>
    /// <param name="layerScaleInit">Initial LayerScale; null for none.</param>
    /// <param name="dropPath">Stochastic-depth rate of both sub-blocks.</param>
    /// <param name="drop">Dropout inside the channel MLP.</param>
    /// <param name="residual">False drops the shortcuts (PFP Table 5's "no residual").</param>
    /// <param name="channelMlp">False removes the channel-MLP sub-block (PFP Table 5's "no channel MLP").</param>
    /// <param name="resScaleInit">Initial ResScale on both shortcuts; null for none.</param>
    /// <param name="mlpBias">Whether the channel MLP's layers have biases.</param>
    /// <param name="channelsLast">Whether the block sees <c>[B, N, C]</c> (its MLP is then Linear, as timm's attention stages).</param>
    public MetaFormerBlock(long dim, nn.Module<Tensor, Tensor> tokenMixer, Func<long, nn.Module<Tensor, Tensor>> norm,
        double mlpRatio = 4, string activation = "gelu", double? layerScaleInit = 1e-5, double dropPath = 0, double drop = 0,
        bool residual = true, bool channelMlp = true, double? resScaleInit = null, bool mlpBias = true, bool channelsLast = false)
    {
        long hidden = (long)(mlpRatio * dim);
        norm1 = norm(dim);
        this.token_mixer = tokenMixer;
        drop_path1 = new DropPath(dropPath);
        layer_scale1 = layerScaleInit is double v1 ? new Scale(dim, v1, !channelsLast) : new Identity();
        res_scale1 = Shortcut(dim, residual, resScaleInit, channelsLast);
        norm2 = channelMlp ? norm(dim) : new Identity();
        mlp = !channelMlp ? new Zero()
            : channelsLast ? new Mlp(dim, hidden, drop: drop, bias: mlpBias, act: Activations.Create(activation))
            : new Mlp(dim, hidden, drop: drop, bias: mlpBias, act: Activations.Create(activation), useConv: true);
        drop_path2 = new DropPath(dropPath);
        layer_scale2 = channelMlp && layerScaleInit is double v2 ? new Scale(dim, v2, !channelsLast) : new Identity();
        res_scale2 = Shortcut(dim, residual, resScaleInit, channelsLast);
    }

    private static nn.Module<Tensor, Tensor> Shortcut(long dim, bool residual, double? resScaleInit, bool channelsLast) =>
        !residual ? new Zero() : resScaleInit is double v ? new Scale(dim, v, !channelsLast) : new Identity();

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = res_scale1.forward(x) + drop_path1.forward(layer_scale1.forward(token_mixer.forward(norm1.forward(x))));
        x = res_scale2.forward(x) + drop_path2.forward(layer_scale2.forward(mlp.forward(norm2.forward(x))));
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>Stage i: a downsampling layer (none in stage 0), an optional learnt position embedding (before the first
/// attention stage, as PFC's hybrid models), then the blocks; a channels-last stage (timm's attention stages) runs its
/// blocks on <c>[B, N, C]</c> tokens and returns <c>[B, C, H, W]</c>.</summary>
public sealed class MetaFormerStage : nn.Module<Tensor, Tensor>
{
    public readonly nn.Module<Tensor, Tensor> downsample;
    public readonly Parameter? pos_embed;
    public readonly ModuleList<MetaFormerBlock> blocks;
    private readonly bool _channelsLast;

    public MetaFormerStage(nn.Module<Tensor, Tensor> downsample, IEnumerable<MetaFormerBlock> blocks, long[]? posEmbedShape = null,
        bool channelsLast = false)
    {
        this.downsample = downsample;
        this.blocks = new ModuleList<MetaFormerBlock>(blocks);
        _channelsLast = channelsLast;
        if (posEmbedShape is not null)
        {
            using var s = NewDisposeScope();
            pos_embed = new Parameter(zeros(posEmbedShape));
        }
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = downsample.forward(x);
        if (pos_embed is not null) h = h + pos_embed;
        if (!_channelsLast) return ImageClassifier.Chain(h, blocks).MoveToOuterDisposeScope();
        var (b, c, height, width) = (h.size(0), h.size(1), h.size(2), h.size(3));
        var tokens = ImageClassifier.Chain(h.flatten(2).transpose(1, 2), blocks);          // [B, C, H, W] -> [B, N, C]
        return tokens.transpose(1, 2).reshape(b, c, height, width).MoveToOuterDisposeScope();   // [B, N, C] -> [B, C, N] -> [B, C, H, W]
    }
}

/// <summary>timm's MetaFormer head: global average pool, LayerNorm over channels, classifier (keys norm, fc; the
/// classifier a Linear, or an <see cref="MlpHead"/> with keys fc.fc1, fc.norm, fc.fc2); with <c>normBeforePool</c> the
/// paper's order (GroupNorm(1) on the feature map, then pool, then fc).</summary>
public sealed class MetaFormerHead : nn.Module<Tensor, Tensor>
{
    public readonly nn.Module<Tensor, Tensor> norm;
    public readonly Dropout drop;
    public nn.Module<Tensor, Tensor> fc;
    private readonly bool _normBeforePool;

    public MetaFormerHead(long dim, long numClasses, bool normBeforePool, double dropRate, bool mlpHead = false)
    {
        this._normBeforePool = normBeforePool;
        norm = normBeforePool ? new GroupNorm(1, dim) : new LayerNorm(dim, 1e-6);
        drop = new Dropout(dropRate);
        fc = MetaFormer.Classifier(dim, numClasses, mlpHead, dropRate);
    }

    /// <summary><c>[B, C, H, W]</c> to pooled, normalised <c>[B, C]</c>.</summary>
    public Tensor PreLogits(Tensor x)
    {
        using var scope = NewDisposeScope();
        var pooled = _normBeforePool ? norm.forward(x).mean([2, 3]) : norm.forward(x.mean([2, 3]));
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

    // The MetaFormer baselines as timm builds them (its MetaFormer defaults): StarReLU in bias-free MLPs, bias-free
    // norms, a bias-free LayerNorm after the stem and before every downsampling convolution, ResScale 1 on the
    // shortcuts of stages 3-4 and no LayerScale. Stochastic depth as the authors' training scripts (MFBC scripts/);
    // their head dropout is left out, because DropRate would also drop inside the channel MLPs.
    private static readonly MetaFormerConfig V2 = S12 with
    {
        Activation = "starrelu", LayerScaleInit = null, ResScaleInits = [null, null, 1.0, 1.0], BiasFreeNorms = true,
        DownsampleNorm = MetaFormerNorm.LayerNorm, BiasFreeMlp = true,
    };
    private static readonly MetaFormerConfig PoolV2 = V2 with { Norm = MetaFormerNorm.GroupNorm1 };
    private static readonly MetaFormerConfig Conv = V2 with
    {
        Depths = [3, 3, 9, 3], Norm = MetaFormerNorm.LayerNorm, TokenMixers = Stages(TokenMixerKind.SepConv), UseMlpHead = true, DropPathRate = 0.2,
    };
    private static readonly MetaFormerConfig CA = Conv with
    {
        TokenMixers = [TokenMixerKind.SepConv, TokenMixerKind.SepConv, TokenMixerKind.CaFormerAttention, TokenMixerKind.CaFormerAttention], DropPathRate = 0.15,
    };
    private static readonly int[] D36 = [3, 12, 18, 3];
    private const string MfbSource = "MFBC README (the authors' sail-sg/metaformer)";
    private const string MfbNote = "counts as the authors' README table lists them; the paper's own table could not be checked here, so no table is cited";

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
        // MetaFormer Baselines (arXiv 2210.13452) under timm's names
        Entry("poolformerv2_s12", PoolV2, new(11.9, 1.8, MfbSource, MfbNote)),
        Entry("poolformerv2_s24", PoolV2 with { Depths = [4, 4, 12, 4] }, new(21.3, 3.4, MfbSource, MfbNote)),
        Entry("poolformerv2_s36", PoolV2 with { Depths = [6, 6, 18, 6], DropPathRate = 0.2 }, new(30.8, 5.0, MfbSource, MfbNote)),
        Entry("poolformerv2_m36", PoolV2 with { Depths = [6, 6, 18, 6], Dims = M, DropPathRate = 0.3 }, new(56.1, 8.8, MfbSource, MfbNote)),
        Entry("poolformerv2_m48", PoolV2 with { Depths = [8, 8, 24, 8], Dims = M, DropPathRate = 0.4 }, new(73.3, 11.5, MfbSource, MfbNote)),
        Entry("convformer_s18", Conv, new(27, 3.9, MfbSource, MfbNote)),
        Entry("convformer_s36", Conv with { Depths = D36, DropPathRate = 0.3 }, new(40, 7.6, MfbSource, MfbNote)),
        Entry("convformer_m36", Conv with { Depths = D36, Dims = [96, 192, 384, 576], DropPathRate = 0.4 }, new(57, 12.8, MfbSource, MfbNote)),
        Entry("convformer_b36", Conv with { Depths = D36, Dims = [128, 256, 512, 768], DropPathRate = 0.6 }, new(100, 22.6, MfbSource, MfbNote)),
        Entry("caformer_s18", CA, new(26, 4.1, MfbSource, MfbNote)),
        Entry("caformer_s36", CA with { Depths = D36, DropPathRate = 0.3 }, new(39, 8.0, MfbSource, MfbNote)),
        Entry("caformer_m36", CA with { Depths = D36, Dims = [96, 192, 384, 576], DropPathRate = 0.4 }, new(56, 13.2, MfbSource, MfbNote)),
        Entry("caformer_b36", CA with { Depths = D36, Dims = [128, 256, 512, 768], DropPathRate = 0.6 }, new(99, 23.2, MfbSource, MfbNote)),
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
        ModelEntry.Of(name, name.StartsWith("poolformer") ? "poolformer" : "metaformer", config, (c, o) => new MetaFormer(c, o), paper) with
        {
            // small configurations drop stochastic depth: with a few samples a dropped branch leaves parameters without gradient
            SmallConfig = config with { Depths = [1, 1, 2, 1], Dims = [16, 32, 48, 64], DropPathRate = 0 },
            // 64x64 keeps a 2x2 map in the last stage; at 1x1 pooling minus its input is zero and stage 4 would not learn
            SmallOptions = new(NumClasses: 10, ImageSize: 64),
        };

    // ----- the model ---------------------------------------------------------------------------------------

    public readonly PatchEmbed stem;
    public readonly ModuleList<MetaFormerStage> stages;
    public readonly MetaFormerHead head;

    /// <summary>Token-grid side per stage for the configured image size.</summary>
    public IReadOnlyList<long> GridSizes { get; }

    public MetaFormer(MetaFormerConfig config, ModelOptions? options = null) : base(config, options)
    {
        int numStages = config.Depths.Length;
        if (config.Dims.Length != numStages || new[] { config.TokenMixers?.Length, config.StageNorms?.Length,
                config.LayerScaleInits?.Length, config.ResScaleInits?.Length }.Any(n => n is int k && k != numStages))
            throw new ArgumentException("MetaFormer: Depths, Dims, TokenMixers, StageNorms, LayerScaleInits and ResScaleInits need one entry per stage");
        // stem: 7x7, stride 4, padding 2; downsampling: 3x3, stride 2, padding 1
        var grids = new List<long> { (Options.ImageSize + 2 * 2 - 7) / 4 + 1 };
        for (int i = 1; i < config.Depths.Length; i++) grids.Add((grids[^1] + 2 - 3) / 2 + 1);
        GridSizes = grids;

        // timm's Stem (a 7x7 stride-4 convolution, then a norm when configured) and Downsampling (a norm of the input when
        // configured, then a 3x3 stride-2 convolution), keys conv and norm
        stem = new PatchEmbed(7, Options.InChannels, config.Dims[0], DownsampleNorm(config, config.Dims[0]), stride: 4, padding: 2,
            output: Layout.ChannelsFirst, wholePatches: false, convKey: "conv");
        var dpr = DropPath.Schedule(config.DropPathRate, config.Depths.Sum());
        int firstAttention = Enumerable.Range(0, config.Depths.Length).FirstOrDefault(i => config.MixerAt(i) == TokenMixerKind.Attention, -1);
        var stageList = new List<MetaFormerStage>();
        for (int i = 0, blockIndex = 0; i < config.Depths.Length; i++)
        {
            long dim = config.Dims[i], grid = grids[i];
            nn.Module<Tensor, Tensor> downsample = i == 0 ? new Identity()
                : new PatchEmbed(3, config.Dims[i - 1], dim, DownsampleNorm(config, config.Dims[i - 1]), stride: 2, padding: 1,
                    output: Layout.ChannelsFirst, wholePatches: false, normFirst: true, convKey: "conv");
            // timm runs its attention stages channels-last, which changes the norms' and the MLP's layers (not the math)
            bool channelsLast = config.MixerAt(i) == TokenMixerKind.CaFormerAttention;
            var stageNorm = config.NormAt(i);
            var blocks = new List<MetaFormerBlock>();
            for (int j = 0; j < config.Depths[i]; j++, blockIndex++)
                blocks.Add(new MetaFormerBlock(dim, TokenMixer(config, i, dim, grid), d => Norm(stageNorm, d, config.BiasFreeNorms, channelsLast),
                    config.MlpRatio, config.Activation, config.LayerScaleAt(i), dpr[blockIndex], config.DropRate, config.Residual,
                    config.ChannelMlp, config.ResScaleAt(i), !config.BiasFreeMlp, channelsLast));
            stageList.Add(new MetaFormerStage(downsample, blocks, i == firstAttention ? [1, dim, grid, grid] : null, channelsLast));
        }
        stages = new ModuleList<MetaFormerStage>(stageList);
        head = new MetaFormerHead(config.Dims[^1], Options.NumClasses, config.HeadNormBeforePool, config.DropRate, config.UseMlpHead);
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
        TokenMixerKind.SepConv => new SepConv(dim),
        TokenMixerKind.CaFormerAttention => new MetaFormerAttention(dim, config.AttentionHeadDim, projBias: false, channelsLast: true),
        var k => throw new ArgumentException($"Unknown token mixer {k}"),
    };

    // Bias-free norms are the MetaFormer baselines' (eps 1e-6); a channels-last stage normalises the last axis.
    private static nn.Module<Tensor, Tensor> Norm(MetaFormerNorm norm, long dim, bool biasFree = false, bool channelsLast = false) =>
        (norm, biasFree, channelsLast) switch
        {
            (MetaFormerNorm.None, _, _) => new Identity(),
            (MetaFormerNorm.LayerNorm, false, false) => new ChannelLayerNorm(dim),
            (MetaFormerNorm.LayerNorm, true, false) => new ChannelLayerNorm(dim, 1e-6, bias: false),
            (MetaFormerNorm.LayerNorm, false, true) => new LayerNorm(dim),
            (MetaFormerNorm.LayerNorm, true, true) => new LayerNorm(dim, 1e-6, bias: false),
            (MetaFormerNorm.GroupNorm1, false, false) => new GroupNorm(1, dim),
            (MetaFormerNorm.GroupNorm1, true, false) => new GroupNorm(1, dim, 1e-6, bias: false),
            (MetaFormerNorm.BatchNorm, false, false) => new BatchNorm2d(dim),
            _ => throw new ArgumentException($"MetaFormer: no {(biasFree ? "bias-free " : "")}{norm}{(channelsLast ? " for a channels-last (attention) stage" : "")}"),
        };

    private static nn.Module<Tensor, Tensor>? DownsampleNorm(MetaFormerConfig config, long dim) =>
        config.DownsampleNorm is { } norm ? Norm(norm, dim, config.BiasFreeNorms) : null;

    /// <summary>An activation by name (see <see cref="Activations.Create"/>): gelu (exact), relu or silu (PFP Table 5
    /// "activation" rows), starrelu or squaredrelu.</summary>
    public static nn.Module<Tensor, Tensor> Activation(string name) => Activations.Create(name);

    internal static nn.Module<Tensor, Tensor> Classifier(long dim, long numClasses, bool mlpHead = false, double dropRate = 0)
    {
        if (numClasses <= 0) return new Identity();
        if (mlpHead)
        {
            var head = new MlpHead(dim, numClasses, dropRate: dropRate);
            foreach (var linear in new[] { head.fc1, head.fc2 })
            {
                nn.init.trunc_normal_(linear.weight, 0, 0.02, -2, 2);
                nn.init.zeros_(linear.bias!);
            }
            return head;
        }
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
        head.fc = Classifier(Config.Dims[^1], numClasses, Config.UseMlpHead, Config.DropRate);
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
}
