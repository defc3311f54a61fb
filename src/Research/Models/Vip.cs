using Research.Models.Layers;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models;

// Vision Permutator (Hou et al., "Vision Permutator: A Permutable MLP-Like Architecture for Visual Recognition",
// https://arxiv.org/abs/2106.12368). State-dict keys follow the official code (Andrew-Qibin/VisionPermutator
// models/vip.py): patch_embed.proj, network.0.0.norm1, .attn.mlp_c / mlp_h / mlp_w (no bias), .attn.reweight.fc1,
// .attn.proj, .norm2, .mlp.fc1, network.1.proj, norm, head.
// The height and width permute-MLPs are C x C layers over (H · C/S) values, so a stage's grid side must equal its
// segment count S (32 and 16 for 224x224 images): a model is built for one image size.

/// <summary>One ViP variant (ViPP Table 1, S2v2P Table 1): per stage the permutator count, width, segment count S
/// (= the stage's grid side) and MLP ratio; <see cref="Transitions"/>[i] puts a 2x2 patch merge after stage i.</summary>
public sealed record VipConfig(int[] Layers, int[] Dims, int[] SegmentDims, int[] MlpRatios, bool[] Transitions, int PatchSize = 7,
    double DropPathRate = 0.1, double SkipLam = 1.0);

/// <summary>Weighted Permute-MLP (ViPP §3.2) on <c>[B, H, W, C]</c>: channels are cut into S segments of C/S; the height
/// branch permutes each segment's H positions into the channel axis and mixes the H · C/S = C values with one FC (and
/// back), the width branch does the same along W, the channel branch is a plain FC; the three are fused by split
/// attention (<c>reweight</c>, hidden C/4) and projected.</summary>
public sealed class WeightedPermuteMlp : nn.Module<Tensor, Tensor>
{
    public readonly Linear mlp_c;
    public readonly Linear mlp_h;
    public readonly Linear mlp_w;
    public readonly Mlp reweight;
    public readonly Linear proj;
    private readonly long _segments;

    public WeightedPermuteMlp(long dim, long segmentDim)
    {
        if (dim % segmentDim != 0) throw new ArgumentException($"WeightedPermuteMlp: width {dim} is not divisible by the segment count {segmentDim}");
        _segments = segmentDim;
        mlp_c = new Linear(dim, dim, bias: false);
        mlp_h = new Linear(dim, dim, bias: false);
        mlp_w = new Linear(dim, dim, bias: false);
        reweight = new Mlp(dim, dim / 4, dim * 3);
        proj = new Linear(dim, dim);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (b, h, w, c) = (x.size(0), x.size(1), x.size(2), x.size(3));
        long s = c / _segments;
        var split = x.reshape(b, h, w, _segments, s);                                                   // [B, H, W, C] -> [B, H, W, S, C/S]
        // height: [B, H, W, S, C/S] -> [B, S, W, H, C/S] -> [B, S, W, H·C/S], FC, and back
        var hb = mlp_h.forward(split.permute(0, 3, 2, 1, 4).reshape(b, _segments, w, h * s))
            .reshape(b, _segments, w, h, s).permute(0, 3, 2, 1, 4).reshape(b, h, w, c);
        // width: [B, H, W, S, C/S] -> [B, H, S, W, C/S] -> [B, H, S, W·C/S], FC, and back
        var wb = mlp_w.forward(split.permute(0, 1, 3, 2, 4).reshape(b, h, _segments, w * s))
            .reshape(b, h, _segments, w, s).permute(0, 1, 3, 2, 4).reshape(b, h, w, c);
        var cb = mlp_c.forward(x);
        return proj.forward(WeightedSum.Fuse(reweight, hb, wb, cb)).MoveToOuterDisposeScope();
    }
}

/// <summary>Vision Permutator: a p x p patch embedding, stages of permutator blocks (<see cref="CycleBlock"/> with
/// <see cref="WeightedPermuteMlp"/>), a 2x2 merge (or a 1x1 conv when only the width changes) between stages, LayerNorm,
/// mean over tokens, linear head.</summary>
public sealed class Vip : TokenPyramid<VipConfig>
{
    /// <summary>ViP-Small/7 (ViPP Table 1; S2v2P Table 1/2 quote it: 25M, 6.9B).</summary>
    public static IEnumerable<ModelEntry> Variants =>
    [
        ModelEntry.Of("vip_s7", "vip", new VipConfig([4, 3, 8, 3], [192, 384, 384, 384], [32, 16, 16, 16], [3, 3, 3, 3], [true, false, false, false]),
            (c, o) => new Vip(c, o), new PaperNumbers(25, 6.9, "S2v2P Table 2 quoting ViP-Small/7") { Top1 = 81.5 }) with
        {
            // 32x32 images with 4x4 patches: an 8x8 grid, then 4x4, so 8 and 4 segments
            SmallConfig = new VipConfig([1, 1, 1, 1], [32, 64, 64, 64], [8, 4, 4, 4], [3, 3, 3, 3], [true, false, false, false], PatchSize: 4, DropPathRate: 0),
        },
    ];

    public Vip(VipConfig config, ModelOptions? options = null)
        : base(config, options, inChannels => ConvEmbed(inChannels, config.Dims[0], config.PatchSize, config.PatchSize, 0),
            imageSize => Network(config, imageSize), config.Dims[^1])
    {
    }

    private static IEnumerable<nn.Module<Tensor, Tensor>> Network(VipConfig config, long imageSize)
    {
        var dpr = DropPath.Schedule(config.DropPathRate, config.Layers.Sum());
        long grid = imageSize / config.PatchSize;
        var network = new List<nn.Module<Tensor, Tensor>>();
        for (int i = 0, k = 0; i < config.Layers.Length; i++)
        {
            long dim = config.Dims[i];
            if (config.SegmentDims[i] != grid)
                throw new ArgumentException($"Vip: stage {i} has a {grid}x{grid} grid but {config.SegmentDims[i]} segments; the permute-MLPs " +
                    "need them equal (ViP is built for one image size)");
            var blocks = new List<CycleBlock>();
            for (int j = 0; j < config.Layers[i]; j++, k++)
                blocks.Add(new CycleBlock(dim, new WeightedPermuteMlp(dim, config.SegmentDims[i]), config.MlpRatios[i], dpr[k], config.SkipLam));
            network.Add(new Stage(blocks));
            if (i == config.Layers.Length - 1) break;
            if (config.Transitions[i] || config.Dims[i] != config.Dims[i + 1])
            {
                int p = config.Transitions[i] ? 2 : 1;
                network.Add(ConvEmbed(dim, config.Dims[i + 1], p, p, 0, Layout.ChannelsLast));
                grid /= p;
            }
        }
        return network;
    }
}
