using System.Text.Json.Serialization;
using Research.Models.Layers;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models;

// MLP-Mixer (Tolstikhin et al., https://arxiv.org/abs/2105.01601), ResMLP (Touvron et al.,
// https://arxiv.org/abs/2105.03404) and gMLP (Liu et al., https://arxiv.org/abs/2105.08050; blocks in Gmlp.cs)
// through one generic class, as timm's mlp_mixer.py serves all three.
// State-dict keys are timm's (stem.proj.weight, blocks.0.mlp_tokens.fc1.weight, blocks.0.ls1,
// blocks.0.norm1.alpha, norm.weight, head.weight), so timm checkpoints in safetensors load by name.
// Deviations, each an option:
//  - stochastic depth grows linearly from 0 at the first block to DropPathRate at the last (MixP App. B);
//    timm gives every block the same rate (LinearDropPath = false reproduces that);
//  - reset_classifier zero-initialises the new head, as the Mixer paper initialises its head (MixP App. E);
//    timm's reset_classifier uses PyTorch's default Linear init.

/// <summary>Which residual block fills the generic Mixer: the MLP-Mixer block (LayerNorm, token MLP,
/// channel MLP), the ResMLP block (Affine, one linear token layer, channel MLP, LayerScale) or the gMLP block
/// (LayerNorm, a channel MLP gated by a linear layer over the tokens, <see cref="SpatialGatingBlock"/>).</summary>
public enum MixerBlockType { Mixer, ResMlp, Gmlp }

/// <summary>The norms a Mixer configuration may name in place of its block type's own.</summary>
public enum MixerNorm
{
    /// <summary>LayerNorm over the channels, eps 1e-6 (MLP-Mixer's and gMLP's own).</summary>
    LayerNorm = 1,
    /// <summary>ResMLP's <see cref="Layers.Affine"/> (ResMLP's own).</summary>
    Affine,
}

/// <summary>One MLP-Mixer, ResMLP or gMLP variant. <see cref="TokenMlpRatio"/> and <see cref="ChannelMlpRatio"/>
/// are hidden widths as multiples of <see cref="EmbedDim"/> (D_S = 0.5 C and D_C = 4 C in every Mixer
/// of MixP Table 1); ResMLP has no token MLP (its token mixing is one N x N linear layer), nor has gMLP (its
/// channel MLP, 6C wide, is gated by a linear layer over the tokens). <see cref="Activation"/> (gelu when null, see
/// <see cref="Activations"/>) and <see cref="Norm"/> (the block type's own when null) are timm's act_layer and
/// norm_layer; while unset they are left out of the JSON of run keys.</summary>
public sealed record MlpMixerConfig(
    int PatchSize = 16,
    int Depth = 8,
    int EmbedDim = 512,
    double TokenMlpRatio = 0.5,
    double ChannelMlpRatio = 4.0,
    MixerBlockType Block = MixerBlockType.Mixer,
    double LayerScaleInit = 1e-4,
    double DropRate = 0.0,
    double DropPathRate = 0.0,
    bool LinearDropPath = true,
    bool StemNorm = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] string? Activation = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] MixerNorm? Norm = null);

/// <summary>MLP-Mixer block (MixP Eq. 1), pre-norm:
/// <c>U = X + W2 GELU(W1 LN(X)ᵀ)ᵀ</c> mixes tokens (an MLP over the N tokens, shared by every channel),
/// <c>Y = U + W4 GELU(W3 LN(U))</c> mixes channels. Input and output <c>[B, N, C]</c>.</summary>
public sealed class MixerBlock : nn.Module<Tensor, Tensor>
{
    public readonly nn.Module<Tensor, Tensor> norm1;
    /// <summary>The token-mixing MLP: its fc1 is <c>[D_S, N]</c>, its fc2 <c>[N, D_S]</c>.</summary>
    public readonly Mlp mlp_tokens;
    public readonly DropPath drop_path;
    public readonly nn.Module<Tensor, Tensor> norm2;
    public readonly Mlp mlp_channels;

    /// <param name="dim">Channels C.</param>
    /// <param name="seqLen">Tokens N: the token MLP's input and output width.</param>
    /// <param name="tokensDim">Token MLP hidden width D_S.</param>
    /// <param name="channelsDim">Channel MLP hidden width D_C.</param>
    /// <param name="drop">Dropout inside the MLPs.</param>
    /// <param name="dropPath">Stochastic-depth rate of both sub-blocks.</param>
    /// <param name="norm">Makes the block's norms for a width; LayerNorm (eps 1e-6) when null.</param>
    /// <param name="activation">Both MLPs' activation.</param>
    public MixerBlock(long dim, long seqLen, long tokensDim, long channelsDim, double drop = 0, double dropPath = 0,
        Func<long, nn.Module<Tensor, Tensor>>? norm = null, string activation = "gelu")
    {
        norm ??= d => new LayerNorm(d, 1e-6);
        norm1 = norm(dim);
        mlp_tokens = new Mlp(seqLen, tokensDim, seqLen, drop, act: Activations.Create(activation));
        this.drop_path = new DropPath(dropPath);
        norm2 = norm(dim);
        mlp_channels = new Mlp(dim, channelsDim, dim, drop, act: Activations.Create(activation));
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // [B, N, C] -> [B, C, N]: the token MLP runs along N, then back to [B, N, C]
        x = x + drop_path.forward(mlp_tokens.forward(norm1.forward(x).transpose(1, 2)).transpose(1, 2));
        x = x + drop_path.forward(mlp_channels.forward(norm2.forward(x)));
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>ResMLP block (ResP Eq. 1-2): <c>Z = X + ls1 ⊙ (A Aff(X)ᵀ)ᵀ</c> with one linear layer A
/// over the N tokens, <c>Y = Z + ls2 ⊙ C GELU(B Aff(Z))</c>. LayerScale vectors ls1, ls2 start at the constructor's
/// initValues (timm: 1e-4 for 12 blocks, 1e-5 for 24, 1e-6 for 36 and the big model).</summary>
public sealed class ResMlpBlock : nn.Module<Tensor, Tensor>
{
    public readonly nn.Module<Tensor, Tensor> norm1;
    public readonly Linear linear_tokens;
    public readonly DropPath drop_path;
    public readonly nn.Module<Tensor, Tensor> norm2;
    public readonly Mlp mlp_channels;
    public readonly Parameter ls1;
    public readonly Parameter ls2;

    /// <param name="dim">C: the token width.</param>
    /// <param name="seqLen">N: the number of tokens the token-mixing layer spans.</param>
    /// <param name="channelsDim">The channel MLP's hidden width.</param>
    /// <param name="initValues">The LayerScale vectors' initial value.</param>
    /// <param name="drop">Dropout inside the channel MLP.</param>
    /// <param name="dropPath">Stochastic depth of both branches.</param>
    /// <param name="norm">Makes the block's norms for a width; <see cref="Affine"/> when null.</param>
    /// <param name="activation">The channel MLP's activation, by name (<see cref="Activations"/>).</param>
    public ResMlpBlock(long dim, long seqLen, long channelsDim, double initValues = 1e-4, double drop = 0, double dropPath = 0,
        Func<long, nn.Module<Tensor, Tensor>>? norm = null, string activation = "gelu")
    {
        norm ??= d => new Affine(d);
        norm1 = norm(dim);
        linear_tokens = new Linear(seqLen, seqLen);
        this.drop_path = new DropPath(dropPath);
        norm2 = norm(dim);
        mlp_channels = new Mlp(dim, channelsDim, dim, drop, act: Activations.Create(activation));
        using var scope = NewDisposeScope();
        ls1 = new Parameter(full([dim], initValues));
        ls2 = new Parameter(full([dim], initValues));
    }

    /// <summary>The token-mixing layer A (<c>[N, N]</c> weight and <c>[N]</c> bias).</summary>
    public Linear LinearTokens => linear_tokens;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // [B, N, C] -> [B, C, N] for the token layer, then back
        x = x + drop_path.forward(ls1 * linear_tokens.forward(norm1.forward(x).transpose(1, 2)).transpose(1, 2));
        x = x + drop_path.forward(ls2 * mlp_channels.forward(norm2.forward(x)));
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>The generic isotropic MLP model of timm's <c>MlpMixer</c>: patch embedding to
/// <c>[B, N, C]</c> tokens, <c>Depth</c> blocks, a final norm, mean over tokens, linear head.
/// <see cref="Variants"/> lists MLP-Mixer S/32 ... H/14, ResMLP-S12/S24/S36/B24 and gMLP-Ti/S/B.</summary>
public sealed class MlpMixer : ImageClassifier<MlpMixerConfig>
{
    // ----- variants (MixP Table 1 counts parameters without the head; ResP / docs/papers.md §8 with it) ------

    private static readonly MlpMixerConfig MixerS = new(Depth: 8, EmbedDim: 512);
    private static readonly MlpMixerConfig MixerB = new(Depth: 12, EmbedDim: 768);
    private static readonly MlpMixerConfig MixerL = new(Depth: 24, EmbedDim: 1024);
    private static readonly MlpMixerConfig MixerH = new(Depth: 32, EmbedDim: 1280, PatchSize: 14);
    private static readonly MlpMixerConfig ResMlpS = new(PatchSize: 16, Depth: 12, EmbedDim: 384, ChannelMlpRatio: 4,
        Block: MixerBlockType.ResMlp, LayerScaleInit: 1e-4);
    private static readonly MlpMixerConfig GmlpS = new(PatchSize: 16, Depth: 30, EmbedDim: 256, ChannelMlpRatio: 6, Block: MixerBlockType.Gmlp);
    private const string GmlpUnverified = "no source at hand gives this size's count (gMLP's own table was not available to check), so none is quoted";

    /// <summary>Every MLP-Mixer and ResMLP variant under timm's names, with the papers' numbers.</summary>
    public static IEnumerable<ModelEntry> Variants =>
    [
        Mixer("mixer_s32_224", MixerS with { PatchSize = 32 }, 19, null,
            "18.59M rounds to the paper's 19M: the 2.2% gap is the paper's rounding to whole millions", tolerance: 0.025),
        Mixer("mixer_s16_224", MixerS with { PatchSize = 16 }, 18),
        Mixer("mixer_b32_224", MixerB with { PatchSize = 32 }, 60),
        Mixer("mixer_b16_224", MixerB with { PatchSize = 16 }, 59, 12.7, "MACs as PFP Table 2 quotes Mixer-B/16", top1: 76.44),
        Mixer("mixer_l32_224", MixerL with { PatchSize = 32 }, 206),
        Mixer("mixer_l16_224", MixerL with { PatchSize = 16 }, 207, top1: 71.76),
        Mixer("mixer_h14_224", MixerH, 431),
        ResMlp("resmlp_12_224", ResMlpS, new(15, 3.0, "ResP, as docs/papers.md §8 quotes it",
            "15.35M with the head rounds to the paper's 15M: the 2.3% gap is the paper's rounding to whole millions; " +
            "the paper's FLOPs column counts multiply-adds") { ParamsTolerance = 0.025, Top1 = 76.6 }),
        ResMlp("resmlp_24_224", ResMlpS with { Depth = 24, LayerScaleInit = 1e-5 }, new(30, 6.0, "ResP, as docs/papers.md §8 quotes it") { Top1 = 79.4 }),
        ResMlp("resmlp_36_224", ResMlpS with { Depth = 36, LayerScaleInit = 1e-6 }, new(45, 8.9, "S2P Table 3 quoting ResMLP-36") { Top1 = 79.7 }),
        // timm's resmlp_big_24_224 is the checkpoint the ResMLP authors ship as B24 with 8x8 patches (N = 784).
        // docs/papers.md §8 gives only the 16x16-patch B24 (116M, 23.0 GFLOPs), whose count a test checks with PatchSize = 16.
        ResMlp("resmlp_big_24_224", ResMlpS with { PatchSize = 8, Depth = 24, EmbedDim = 768, LayerScaleInit = 1e-6 },
            new(116, 23.0, "ResP, as docs/papers.md §8 quotes it (B24 with 16x16 patches)",
                "timm's B24 uses 8x8 patches: 129.1M and 100 GMACs here; the paper's 116M / 23.0G B24 uses 16x16 patches " +
                "(115.7M here with PatchSize = 16); the top-1 is the 16x16-patch model's") { ParamsTolerance = null, GMacsTolerance = null, Top1 = 81.0 }),
        // gMLP as timm registers it (gmlp_*16_224: 30 blocks, 16x16 patches, channel MLP 6C gated on 3C)
        Gmlp("gmlp_ti16_224", GmlpS with { EmbedDim = 128 }, new(null, null, "timm mlp_mixer.py (the configuration only)", GmlpUnverified)),
        Gmlp("gmlp_s16_224", GmlpS, new(20, 4.5, "S2v2P Tables 2-3 quoting gMLP-S",
            "19.42M and 4.39 GMACs here, as timm counts gmlp_s16_224; the quoted 20M and 4.5G sit 2.9% and 2.4% above, "
            + "a gap the configuration does not explain (whole-million rounding would give 19M)") { ParamsTolerance = 0.03, GMacsTolerance = 0.03, Top1 = 79.6 }),
        Gmlp("gmlp_b16_224", GmlpS with { EmbedDim = 512 }, new(null, null, "timm mlp_mixer.py (the configuration only)", GmlpUnverified)),
    ];

    // Only B/16 and L/16 have an ImageNet-1K-trained top-1 (MixP Table 3); the other sizes' are after JFT-300M.
    private static ModelEntry Mixer(string name, MlpMixerConfig config, double paramsM, double? gmacs = null, string? note = null,
        double tolerance = 0.02, double? top1 = null) =>
        ModelEntry.Of(name, "mlp-mixer", config, Build, new PaperNumbers(paramsM, gmacs, top1 is null ? "MixP Table 1" : "MixP Table 1; MixP Table 3 (top-1)", note)
        {
            ParamsExcludeHead = true,
            ParamsTolerance = tolerance,
            Top1 = top1,
        })
        with { SmallConfig = config with { PatchSize = 4, Depth = 2, EmbedDim = 32 } };

    private static ModelEntry ResMlp(string name, MlpMixerConfig config, PaperNumbers paper) =>
        ModelEntry.Of(name, "resmlp", config, Build, paper) with { SmallConfig = config with { PatchSize = 4, Depth = 2, EmbedDim = 32 } };

    private static ModelEntry Gmlp(string name, MlpMixerConfig config, PaperNumbers paper) =>
        ModelEntry.Of(name, "gmlp", config, Build, paper) with { SmallConfig = config with { PatchSize = 4, Depth = 2, EmbedDim = 32 } };

    private static MlpMixer Build(MlpMixerConfig config, ModelOptions options) => new(config, options);

    // ----- the model ---------------------------------------------------------------------------------------

    public readonly PatchEmbed stem;
    public readonly ModuleList<nn.Module<Tensor, Tensor>> blocks;
    public readonly nn.Module<Tensor, Tensor> norm;
    public readonly Dropout head_drop;
    public nn.Module<Tensor, Tensor> head;

    /// <summary>Tokens N = (ImageSize / PatchSize)².</summary>
    public long NumPatches { get; }

    public MlpMixer(MlpMixerConfig config, ModelOptions? options = null) : base(config, options)
    {
        if (Options.ImageSize % config.PatchSize != 0)
            throw new ArgumentException($"MlpMixer: image size {Options.ImageSize} is not a multiple of the patch size {config.PatchSize}");
        long dim = config.EmbedDim;
        long grid = Options.ImageSize / config.PatchSize;
        NumPatches = grid * grid;
        stem = new PatchEmbed(config.PatchSize, Options.InChannels, dim, config.StemNorm ? NormFor(config, dim) : null);
        long tokensDim = (long)(config.TokenMlpRatio * dim), channelsDim = (long)(config.ChannelMlpRatio * dim);
        var dpr = config.LinearDropPath ? DropPath.Schedule(config.DropPathRate, config.Depth) : Enumerable.Repeat(config.DropPathRate, config.Depth).ToArray();
        string act = config.Activation ?? "gelu";
        Func<long, nn.Module<Tensor, Tensor>> blockNorm = d => NormFor(config, d);
        blocks = new ModuleList<nn.Module<Tensor, Tensor>>(Enumerable.Range(0, config.Depth).Select(i => config.Block switch
        {
            MixerBlockType.Mixer => (nn.Module<Tensor, Tensor>)new MixerBlock(dim, NumPatches, tokensDim, channelsDim, config.DropRate, dpr[i], blockNorm, act),
            MixerBlockType.ResMlp => new ResMlpBlock(dim, NumPatches, channelsDim, config.LayerScaleInit, config.DropRate, dpr[i], blockNorm, act),
            MixerBlockType.Gmlp => new SpatialGatingBlock(dim, NumPatches, channelsDim, NormFor(config, dim), act, config.DropRate, dpr[i]),
            var b => throw new ArgumentException($"MlpMixer: unknown block type {b}"),
        }));
        norm = NormFor(config, dim);
        head_drop = new Dropout(config.DropRate);
        head = LinearHead(dim, Options.NumClasses);
        InitWeights();
    }

    private static nn.Module<Tensor, Tensor> NormFor(MlpMixerConfig config, long dim) =>
        (config.Norm ?? (config.Block == MixerBlockType.ResMlp ? MixerNorm.Affine : MixerNorm.LayerNorm)) switch
        {
            MixerNorm.Affine => new Affine(dim),
            _ => new LayerNorm(dim, 1e-6),
        };

    /// <summary>The blocks, in order (<see cref="MixerBlock"/>, <see cref="ResMlpBlock"/> or <see cref="SpatialGatingBlock"/>).</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Blocks => blocks.ToList();

    public override long num_features => Config.EmbedDim;

    /// <summary>Images <c>[B, C, H, W]</c> to normalised tokens <c>[B, N, C]</c>.</summary>
    public override Tensor forward_features(Tensor x)
    {
        using var scope = NewDisposeScope();
        var tokens = stem.forward(x).flatten(1, 2);                         // [B, h, w, C] -> [B, N, C]
        return Chain(tokens, [.. blocks, norm]).MoveToOuterDisposeScope();
    }

    /// <summary>Mean over the N tokens, dropout, head.</summary>
    public override Tensor forward_head(Tensor features, bool pre_logits = false)
    {
        using var scope = NewDisposeScope();
        var pooled = head_drop.forward(features.mean(1));
        return Classify(pooled, pre_logits, head);
    }

    public override nn.Module? get_classifier() => head;

    /// <summary>A new zero-initialised head (MixP App. E initialises the head to zero), or none for 0 classes.</summary>
    protected override void ReplaceClassifier(long numClasses)
    {
        head.Dispose();
        head = LinearHead(Config.EmbedDim, numClasses);
        if (head is Linear linear)
        {
            nn.init.zeros_(linear.weight);
            nn.init.zeros_(linear.bias!);
        }
    }

    /// <summary>timm's Mixer init (trying to match Flax's defaults where it matters): head weight and bias
    /// zero; other Linear weights Xavier-uniform with biases N(0, 1e-6) inside MLPs and zero elsewhere;
    /// the patch convolution LeCun-normal with zero bias; norms one and zero; gMLP's gates their own init last
    /// (timm applies it after their Linear's).</summary>
    private void InitWeights()
    {
        var gates = new List<SpatialGatingUnit>();
        foreach (var (name, module) in named_modules())
        {
            switch (module)
            {
                case Linear linear when name.StartsWith("head"):
                    nn.init.zeros_(linear.weight);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
                case Linear linear:
                    nn.init.xavier_uniform_(linear.weight);
                    if (linear.bias is not null)
                    {
                        if (name.Contains("mlp")) nn.init.normal_(linear.bias, 0, 1e-6);
                        else nn.init.zeros_(linear.bias);
                    }
                    break;
                case Conv2d conv:
                    nn.init.lecun_normal_(conv.weight);
                    if (conv.bias is not null) nn.init.zeros_(conv.bias);
                    break;
                case SpatialGatingUnit gate:
                    gates.Add(gate);
                    break;
            }
        }
        foreach (var gate in gates) gate.InitWeights();
    }

    // ----- fine-tuning at a higher resolution (MixP App. C) -------------------------------------------------

    /// <summary>A copy of <paramref name="source"/> for images <paramref name="factor"/> times larger with the
    /// same patch size, so N' = K² N tokens (K = <paramref name="factor"/>). Every weight is copied except the
    /// token-mixing layers, which become block-diagonal (MixP App. C): the K² diagonal blocks are copies of the
    /// pretrained weights, and the token MLP's hidden width grows to K² D_S. Block k reads and writes the N
    /// tokens of window k of the K x K windows of the patch grid (each window is the pretrained h x w grid), so
    /// the enlarged model processes each window exactly as the pretrained model processes a whole image:
    /// on a mosaic of K x K images its tokens equal, window by window, the pretrained model's tokens on each
    /// image, and its logits are the mean of the pretrained logits. ResMLP's N x N token layer is enlarged the same way.</summary>
    public static MlpMixer ForHigherResolution(MlpMixer source, int factor)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), $"ForHigherResolution: factor must be >= 1, got {factor}");
        if (source.Options.ImageSize % source.Config.PatchSize != 0)
            throw new ArgumentException($"ForHigherResolution: image size {source.Options.ImageSize} must be a multiple of the patch size {source.Config.PatchSize}");
        var config = source.Config with { TokenMlpRatio = source.Config.TokenMlpRatio * factor * factor };
        var options = source.Options with { ImageSize = source.Options.ImageSize * factor, NumClasses = source.num_classes };
        var target = new MlpMixer(config, options);
        long grid = source.Options.ImageSize / source.Config.PatchSize;
        using var scope = NewDisposeScope();
        // window-major order -> row-major order of the enlarged grid: token m = k N + i of window k = (a, b),
        // local position i = (r, c), sits at row a h + r, column b w + c of the K h x K w grid.
        var windowToGrid = new long[factor * factor * grid * grid];
        for (int a = 0, m = 0; a < factor; a++)
            for (int b = 0; b < factor; b++)
                for (long r = 0; r < grid; r++)
                    for (long c = 0; c < grid; c++, m++)
                        windowToGrid[m] = (a * grid + r) * (factor * grid) + b * grid + c;
        var gridToWindow = new long[windowToGrid.Length];
        for (int m = 0; m < windowToGrid.Length; m++) gridToWindow[windowToGrid[m]] = m;
        var order = tensor(gridToWindow);
        int copies = factor * factor;

        var enlarged = new Dictionary<string, Tensor>();
        var sourceState = source.state_dict();
        foreach (var (key, value) in sourceState)
        {
            bool tokenIn = key.EndsWith("mlp_tokens.fc1.weight") || key.EndsWith("linear_tokens.weight");
            bool tokenOut = key.EndsWith("mlp_tokens.fc2.weight") || key.EndsWith("linear_tokens.weight");
            bool tokenBiasOut = key.EndsWith("mlp_tokens.fc2.bias") || key.EndsWith("linear_tokens.bias");
            bool tokenBiasHidden = key.EndsWith("mlp_tokens.fc1.bias");
            Tensor w = value.detach();
            if (tokenIn || tokenOut) w = BlockDiagonal(w, copies);
            if (tokenIn) w = w.index_select(1, order);        // columns read tokens: window-major -> grid order
            if (tokenOut) w = w.index_select(0, order);       // rows write tokens
            if (tokenBiasHidden) w = w.repeat(copies);
            if (tokenBiasOut) w = w.repeat(copies).index_select(0, order);
            enlarged[key] = w;
        }
        target.load_state_dict(enlarged);
        return target;
    }

    private static Tensor BlockDiagonal(Tensor w, int copies) =>
        block_diag(Enumerable.Repeat(w, copies).ToArray());
}
