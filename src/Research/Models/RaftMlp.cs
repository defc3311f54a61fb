using Research.Models.Layers;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Models;

// RaftMLP (Tatsunami & Taki, "RaftMLP: How Much Can Be Done Without Attention and with Less Spatial
// Locality?", ACCV 2022, https://arxiv.org/abs/2108.04384, whose v1 was "RaftMLP: Do MLP-based Models Dream of
// Winning Over Computer Vision?"; RaftP1 is that v1, docs/papers.md §5). v1: one isotropic stage of raft-token-mixing blocks
// (RaftMLP-12, -36); v2: four stages with cross-scale patch embedding (RaftMLP-S/M/L). The tensor layout
// follows the official code (okojoalg/raft-mlp libs/modules.py): channels are viewed as (r, C/r) with r outer,
// the vertical MLP reads vectors of length r·h (RaftP1 Listing 1; its text's c/r² does not match the code),
// and each token-mixing LayerNorm normalises over the C channels in (C/r, r) order.
// The official code has no custom init (PyTorch defaults), constant stochastic depth in every sub-block, and no
// multi-scale head (shortcut: False in every ImageNet config): LayerNorm, mean over positions, Linear.
// Keys are this kit's (stages.0.embed.fc, stages.0.blocks.0.vertical.fc1, .horizontal, .channel, norm, head):
// the official code names them by nn.Sequential position.

/// <summary>One RaftMLP: per stage a depth, a width, a patch size (the stage's downsampling) and a raft size r
/// (C divisible by r); <see cref="EmbeddingKernels"/> per stage turns on v2's cross-scale embedding (kernels k,
/// stride min k, padding (k − stride)/2), null gives v1's plain patch embedding.</summary>
public sealed record RaftMlpConfig(
    int[] Depths,
    int[] Dims,
    int[] PatchSizes,
    int[] RaftSizes,
    int[][]? EmbeddingKernels = null,
    int TokenExpansion = 2,
    int ChannelExpansion = 4,
    double DropPathRate = 0.1,
    bool LinearDropPath = false,
    double DropRate = 0.0);

/// <summary>Raft-token mixing along one axis (RaftP1 §3, Eq. 4-7): the state <c>[B, C/r, A, r, L]</c> holds, for
/// each of the C/r channel rafts and each position a of the other axis, a vector of length r·L over (raft
/// member, position along the mixed axis); <c>T + DropPath(W2 GELU(W1 LN(T)))</c> mixes those vectors, LN running
/// over the C channels at each position.</summary>
public sealed class RaftAxisBlock : nn.Module<Tensor, Tensor>
{
    public readonly LayerNorm norm;
    public readonly Linear fc1;
    public readonly GELU act;
    public readonly Dropout drop;
    public readonly Linear fc2;
    public readonly DropPath drop_path;

    /// <param name="length">Positions L along the mixed axis.</param>
    /// <param name="channels">C.</param>
    /// <param name="raft">r: the MLP's width is r·L.</param>
    /// <param name="expansion">Hidden width as a multiple of r·L (e_ver = e_hor = 2 in the paper).</param>
    /// <param name="dropPath">Stochastic-depth rate.</param>
    /// <param name="dropRate">Dropout after the activation and after the second layer.</param>
    public RaftAxisBlock(long length, long channels, long raft, int expansion = 2, double dropPath = 0, double dropRate = 0)
    {
        norm = new LayerNorm(channels);
        fc1 = new Linear(raft * length, raft * length * expansion);
        act = new GELU();
        drop = new Dropout(dropRate);
        fc2 = new Linear(raft * length * expansion, raft * length);
        this.drop_path = new DropPath(dropPath);
    }

    public override Tensor forward(Tensor t)
    {
        using var scope = NewDisposeScope();
        var (b, co, a, r, l) = (t.size(0), t.size(1), t.size(2), t.size(3), t.size(4));
        // [B, C/r, A, r, L] -> [B, A, L, C/r, r] -> [B, A·L, C]: LayerNorm over the channels at each position
        var perPosition = t.permute(0, 2, 4, 1, 3).reshape(b, a * l, co * r);
        var normed = norm.forward(perPosition).reshape(b, a, l, co, r).permute(0, 3, 1, 4, 2);   // -> [B, C/r, A, r, L]
        var rafts = normed.reshape(b, co * a, r * l);                                              // -> [B, C/r·A, r·L]
        var y = fc2.forward(drop.forward(act.forward(fc1.forward(rafts))));
        return (t + drop_path.forward(drop.forward(y).reshape(b, co, a, r, l))).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-norm channel MLP on tokens <c>[B, N, C]</c>: <c>X + DropPath(W4 GELU(W3 LN(X)))</c>.</summary>
public sealed class RaftChannelBlock : nn.Module<Tensor, Tensor>
{
    public readonly LayerNorm norm;
    public readonly Mlp mlp;
    public readonly DropPath drop_path;

    public RaftChannelBlock(long channels, int expansion = 4, double dropPath = 0, double dropRate = 0)
    {
        norm = new LayerNorm(channels);
        mlp = new Mlp(channels, channels * expansion, channels, dropRate);
        this.drop_path = new DropPath(dropPath);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x + drop_path.forward(mlp.forward(norm.forward(x)))).MoveToOuterDisposeScope();
    }
}

/// <summary>One RaftMLP block on tokens <c>[B, h·w, C]</c>: vertical raft mixing, then horizontal, then the channel MLP
/// (RaftP1 Fig. 2). Token mixing runs on the h' x w' grid the block was built for: a grid of another size is
/// resized to it (bicubic) before the token mixing and back after, as the official code does.</summary>
public sealed class RaftBlock : nn.Module<Tensor, Tensor>
{
    public readonly RaftAxisBlock vertical;
    public readonly RaftAxisBlock horizontal;
    public readonly RaftChannelBlock channel;
    private readonly long _gridH, _gridW, _raft;

    public RaftBlock(long channels, long gridH, long gridW, long raft, int tokenExpansion = 2, int channelExpansion = 4,
        double dropPath = 0, double dropRate = 0)
    {
        if (channels % raft != 0) throw new ArgumentException($"RaftBlock: channels {channels} are not divisible by the raft size {raft}");
        (_gridH, _gridW, _raft) = (gridH, gridW, raft);
        vertical = new RaftAxisBlock(gridH, channels, raft, tokenExpansion, dropPath, dropRate);
        horizontal = new RaftAxisBlock(gridW, channels, raft, tokenExpansion, dropPath, dropRate);
        channel = new RaftChannelBlock(channels, channelExpansion, dropPath, dropRate);
    }

    /// <summary>Tokens <c>[B, h·w, C]</c> on an h x w grid to <c>[B, h·w, C]</c>.</summary>
    public Tensor Forward(Tensor x, long h, long w)
    {
        using var scope = NewDisposeScope();
        var (b, c) = (x.size(0), x.size(2));
        long co = c / _raft;
        var tokens = Resize(x, h, w, _gridH, _gridW);
        // [B, h·w, (r C/r)] -> [B, h, w, r, C/r] -> [B, C/r, w, r, h]: vertical rafts of length r·h
        var t = tokens.reshape(b, _gridH, _gridW, _raft, co).permute(0, 4, 2, 3, 1);
        t = vertical.forward(t);
        t = horizontal.forward(t.permute(0, 1, 4, 3, 2));                    // [B, C/r, w, r, h] -> [B, C/r, h, r, w]
        var mixed = t.permute(0, 2, 4, 3, 1).reshape(b, _gridH * _gridW, c);  // [B, C/r, h, r, w] -> [B, h, w, r, C/r] -> [B, N, C]
        return channel.forward(Resize(mixed, _gridH, _gridW, h, w)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x) => Forward(x, _gridH, _gridW);

    /// <summary>Tokens on an h x w grid resized to h2 x w2 (bicubic, corners not aligned); the same tensor when equal.</summary>
    internal static Tensor Resize(Tensor tokens, long h, long w, long h2, long w2)
    {
        if (h == h2 && w == w2) return tokens.alias();
        var (b, c) = (tokens.size(0), tokens.size(2));
        using var map = tokens.reshape(b, h, w, c).permute(0, 3, 1, 2);     // [B, N, C] -> [B, C, h, w]
        using var resized = F.interpolate(map, size: [h2, w2], mode: "bicubic", align_corners: false);
        return resized.flatten(2).transpose(1, 2).contiguous();              // [B, C, h2, w2] -> [B, N2, C]
    }
}

/// <summary>v1's patch embedding (the official <c>b c (h p1) (w p2) -> b (h w) (p1 p2 c)</c> then Linear):
/// <c>[B, C, H, W]</c> to tokens <c>[B, (H/p)(W/p), D]</c>, each patch flattened in (row, column, channel) order.</summary>
public sealed class RaftPatchEmbed(long inChannels, long dim, long patchSize) : nn.Module<Tensor, Tensor>
{
    public readonly Linear fc = new(patchSize * patchSize * inChannels, dim);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (b, c, height, width) = (x.size(0), x.size(1), x.size(2), x.size(3));
        long p = patchSize, h = height / p, w = width / p;
        // [B, C, h·p, w·p] -> [B, C, h, p, w, p] -> [B, h, w, p, p, C] -> [B, h·w, p·p·C]
        var patches = x.reshape(b, c, h, p, w, p).permute(0, 2, 4, 3, 5, 1).reshape(b, h * w, p * p * c);
        return fc.forward(patches).MoveToOuterDisposeScope();
    }
}

/// <summary>v2's cross-scale embedding (RaftC <c>CrossScaleMLPEmbedding</c>): for each kernel k, the k x k windows
/// around each position (stride s = min k, padding (k − s)/2) are flattened, all concatenated and mapped by one
/// Linear of Σ k²·C_in inputs. <c>[B, C, H, W]</c> to tokens <c>[B, (H/s)(W/s), D]</c>.</summary>
public sealed class CrossScaleEmbedding : nn.Module<Tensor, Tensor>
{
    public readonly Linear fc;
    private readonly int[] _kernels;
    private readonly int _stride;

    public CrossScaleEmbedding(long inChannels, long dim, int[] kernels)
    {
        this._kernels = kernels;
        _stride = kernels.Min();
        if (kernels.Any(k => k % _stride != 0)) throw new ArgumentException($"CrossScaleEmbedding: kernels [{string.Join(", ", kernels)}] must be multiples of the smallest");
        fc = new Linear(kernels.Sum(k => (long)k * k) * inChannels, dim);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // each unfold: [B, C·k·k, L] -> [B, L, C·k·k]
        var windows = _kernels.Select(k => F.unfold(x, k, padding: (k - _stride) / 2, stride: _stride).transpose(1, 2)).ToArray();
        return fc.forward(cat(windows, 2)).MoveToOuterDisposeScope();
    }
}

/// <summary>One stage: embedding to the stage's grid (the image is first resized bicubically to a multiple of the
/// patch size when it is not one), then the blocks; <c>[B, C, H, W]</c> to <c>[B, D, H/p, W/p]</c>.</summary>
public sealed class RaftStage : nn.Module<Tensor, Tensor>
{
    public readonly nn.Module<Tensor, Tensor> embed;
    public readonly ModuleList<RaftBlock> blocks;
    private readonly long _patchSize;

    public RaftStage(nn.Module<Tensor, Tensor> embed, IEnumerable<RaftBlock> blocks, long patchSize)
    {
        this.embed = embed;
        this.blocks = new ModuleList<RaftBlock>(blocks);
        this._patchSize = patchSize;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long height = x.size(2), width = x.size(3);
        long h = (height + _patchSize - 1) / _patchSize, w = (width + _patchSize - 1) / _patchSize;
        if (height % _patchSize != 0 || width % _patchSize != 0)
            x = F.interpolate(x, size: [h * _patchSize, w * _patchSize], mode: "bicubic", align_corners: false);
        var tokens = embed.forward(x);                                          // [B, h·w, D]
        foreach (var block in blocks) tokens = block.Forward(tokens, h, w);
        var d = tokens.size(2);
        return tokens.transpose(1, 2).reshape(x.size(0), d, h, w).MoveToOuterDisposeScope();   // [B, N, D] -> [B, D, h, w]
    }
}

/// <summary>RaftMLP v1 (isotropic) and v2 (hierarchical): stages of <see cref="RaftBlock"/>s, then LayerNorm over
/// channels, mean over positions, and a linear classifier. Features <c>[B, D, h, w]</c>.</summary>
public sealed class RaftMlp : ImageClassifier<RaftMlpConfig>
{
    private static readonly RaftMlpConfig Raft12 = new([12], [768], [16], [4]);
    private static readonly int[][] CrossKernels = [[4, 8], [2, 4], [2, 4], [2]];
    private static readonly RaftMlpConfig RaftS = new([2, 2, 6, 2], [64, 128, 256, 512], [4, 2, 2, 2], [2, 2, 2, 2], CrossKernels);

    /// <summary>RaftMLP-12 and -36 (RaftP1 Table 1) and the v2 S/M/L (RaftC configs; their numbers are not found).</summary>
    public static IEnumerable<ModelEntry> Variants =>
    [
        Entry("raftmlp_12", Raft12, new(58, 12.0, "RaftP1 Table 1") { Top1 = 78.0 }, Raft12 with { Depths = [2], Dims = [64], PatchSizes = [4], DropPathRate = 0 }),
        Entry("raftmlp_36", Raft12 with { Depths = [36], Dims = [384], RaftSizes = [2] }, new(44, 9.0, "RaftP1 Table 1") { Top1 = 76.9 },
            Raft12 with { Depths = [2], Dims = [64], PatchSizes = [4], RaftSizes = [2], DropPathRate = 0 }),
        Entry("raftmlp_s", RaftS, V2Numbers, SmallV2(RaftS)),
        Entry("raftmlp_m", RaftS with { Dims = [96, 192, 384, 768] }, V2Numbers, SmallV2(RaftS)),
        Entry("raftmlp_l", RaftS with { Dims = [128, 192, 512, 1024] }, V2Numbers, SmallV2(RaftS)),
    ];

    private static PaperNumbers V2Numbers => new(null, null, "RaftC configs/settings/imagenet-raft-mlp-cross-mlp-emb-{s,m,l}.yaml",
        "the v2 paper's parameter and FLOP counts and accuracies are not available (docs/papers.md §5)");

    // small configurations drop stochastic depth: with a few samples a dropped branch leaves parameters without gradient
    private static RaftMlpConfig SmallV2(RaftMlpConfig c) => c with { Depths = [1, 1, 1, 1], Dims = [16, 32, 48, 64], DropPathRate = 0 };

    private static ModelEntry Entry(string name, RaftMlpConfig config, PaperNumbers paper, RaftMlpConfig small) =>
        ModelEntry.Of(name, "raftmlp", config, (c, o) => new RaftMlp(c, o), paper) with { SmallConfig = small };

    public readonly ModuleList<RaftStage> stages;
    public readonly LayerNorm norm;
    public readonly Dropout head_drop;
    public nn.Module<Tensor, Tensor> head;

    /// <summary>The token grid side each stage's token mixing is built for: ceil(previous / patch size).</summary>
    public IReadOnlyList<long> GridSizes { get; }

    public RaftMlp(RaftMlpConfig config, ModelOptions? options = null) : base(config, options)
    {
        int n = config.Depths.Length;
        if (new[] { config.Dims.Length, config.PatchSizes.Length, config.RaftSizes.Length, config.EmbeddingKernels?.Length ?? n }.Any(l => l != n))
            throw new ArgumentException("RaftMlp: Depths, Dims, PatchSizes, RaftSizes (and EmbeddingKernels) need one entry per stage");
        var dpr = config.LinearDropPath ? DropPath.Schedule(config.DropPathRate, config.Depths.Sum())
            : Enumerable.Repeat(config.DropPathRate, config.Depths.Sum()).ToArray();
        var grids = new List<long>();
        var stageList = new List<RaftStage>();
        long size = Options.ImageSize, inChannels = Options.InChannels;
        for (int i = 0, k = 0; i < n; i++)
        {
            long p = config.PatchSizes[i], dim = config.Dims[i];
            size = (size + p - 1) / p;
            grids.Add(size);
            nn.Module<Tensor, Tensor> embed = config.EmbeddingKernels is null
                ? new RaftPatchEmbed(inChannels, dim, p)
                : new CrossScaleEmbedding(inChannels, dim, config.EmbeddingKernels[i]);
            if (config.EmbeddingKernels is { } kernels && kernels[i].Min() != p)
                throw new ArgumentException($"RaftMlp: stage {i}'s smallest embedding kernel must equal its patch size {p}");
            var blocks = new List<RaftBlock>();
            for (int j = 0; j < config.Depths[i]; j++, k++)
                blocks.Add(new RaftBlock(dim, size, size, config.RaftSizes[i], config.TokenExpansion, config.ChannelExpansion, dpr[k], config.DropRate));
            stageList.Add(new RaftStage(embed, blocks, p));
            inChannels = dim;
        }
        GridSizes = grids;
        stages = new ModuleList<RaftStage>(stageList);
        norm = new LayerNorm(num_features);
        head_drop = new Dropout(config.DropRate);
        head = LinearHead(num_features, Options.NumClasses);
    }

    /// <summary>An official checkpoint's state dict (okojoalg/raft-mlp, shortcut: False) under this kit's keys. The official
    /// code names parameters by nn.Sequential position: <c>levels.i.fn.0.fc</c> (cross-scale) or <c>levels.i.fn.1</c>
    /// (patch Linear) is the embedding, <c>levels.i.fn.(2+j)</c> block j with <c>.1</c> vertical, <c>.3</c> horizontal,
    /// <c>.5</c> channel (<c>norm.1</c> / <c>norm</c>, <c>fn.0</c>, <c>fn.3</c>), <c>heads.0.1</c> the final LayerNorm and
    /// <c>classifier</c> the head. The tensors are the same objects, not copies.</summary>
    public static Dictionary<string, Tensor> FromOfficialStateDict(IReadOnlyDictionary<string, Tensor> official)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (key, value) in official)
        {
            string mapped = key;
            var m = System.Text.RegularExpressions.Regex.Match(key, @"^levels\.(\d+)\.fn\.(\d+)\.(.+)$");
            if (m.Success)
            {
                string stage = m.Groups[1].Value, rest = m.Groups[3].Value;
                int index = int.Parse(m.Groups[2].Value);
                mapped = index switch
                {
                    0 => $"stages.{stage}.embed.{rest}",                                   // cross-scale embedding: fc.*
                    1 => $"stages.{stage}.embed.fc.{rest}",                                // patch embedding's Linear
                    _ => $"stages.{stage}.blocks.{index - 2}." + BlockKey(rest),
                };
            }
            else if (key.StartsWith("heads.0.1.")) mapped = "norm." + key["heads.0.1.".Length..];
            else if (key.StartsWith("classifier.")) mapped = "head." + key["classifier.".Length..];
            result[mapped] = value;
        }
        return result;

        static string BlockKey(string rest)
        {
            var part = rest[..rest.IndexOf('.')];
            var tail = rest[(rest.IndexOf('.') + 1)..];
            var name = part switch { "1" => "vertical", "3" => "horizontal", "5" => "channel", _ => throw new ArgumentException($"Unknown block part '{rest}'") };
            tail = tail.StartsWith("norm.1.") ? "norm." + tail["norm.1.".Length..] : tail;
            tail = tail.StartsWith("fn.0.") ? (name == "channel" ? "mlp.fc1." : "fc1.") + tail["fn.0.".Length..] : tail;
            tail = tail.StartsWith("fn.3.") ? (name == "channel" ? "mlp.fc2." : "fc2.") + tail["fn.3.".Length..] : tail;
            return $"{name}.{tail}";
        }
    }

    public override long num_features => Config.Dims[^1];

    public override Tensor forward_features(Tensor x)
    {
        return Chain(x.alias(), stages);
    }

    /// <summary>LayerNorm over channels at each position, mean over positions, classifier.</summary>
    public override Tensor forward_head(Tensor features, bool pre_logits = false)
    {
        using var scope = NewDisposeScope();
        var pooled = head_drop.forward(norm.forward(features.permute(0, 2, 3, 1)).mean([1, 2]));   // [B, D, h, w] -> [B, h, w, D] -> [B, D]
        return Classify(pooled, pre_logits, head);
    }

    public override nn.Module? get_classifier() => head;

    protected override void ReplaceClassifier(long numClasses)
    {
        head.Dispose();
        head = LinearHead(num_features, numClasses);
    }
}
