using Research.Models.Layers;
using Research.Shift;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models;

// S2-MLPv2: "S²-MLPv2: Improved Spatial-Shift MLP Architecture for Vision" (Yu et al.),
// https://arxiv.org/abs/2108.01072 (v1). No official code was released.
//
// Layout: tokens are channels-last [B, H, W, C] throughout; the K branches of a block are
// [B, H, W, K, C] (branch k is channels [kC, (k+1)C) of the expansion).
//
// Block (S2v2P Eq. 5-10, Alg. 1), pre-norm:
//   Y = X + S2MLPv2(LN(X));  Z = Y + MLP(LN(Y))  (channel MLP ratio 3)
//   S2MLPv2(x): MLP1 c -> Kc; split into X1..XK; X1 <- shift-1, X2 <- shift-2, X3 identity;
//               split attention over the K parts; MLP2 c -> c.
// The three branch shifts run as one shift of the Kc channels (ShiftPattern.Concat): the same map.
// Pyramid as ViP: 7x7 patches to 32x32 tokens, then a 2x2 patch merge to 16x16 (Small/7, Medium/7), or
// flat with 14x14 patches (Small/14).
// Choices the paper leaves open:
//  - the split attention's hidden width c̄ is not stated: c/4, ViP's reweighting MLP Mlp(c, c/4, 3c) with
//    biases, is the width that gives the reported sizes (25.1M and 55.3M); its pooling is the spatial mean
//    (ViP; S2v2P Eq. 2 writes a sum and its text says "averages");
//  - S2v2P Alg. 1 splits by the pre-expansion c / 3: a typo for three c-wide parts (S2v2P Eq. 7);
//  - init (not given): Linear truncated-normal(0.02), zero biases, as ViP; LayerNorm eps 1e-5; a final
//    LayerNorm before the pooling, as ViP.
// Parameter counts (224², with the classifier): Small/7 25.1M (S2v2P Table 2: 25M), Medium/7 55.3M (55M),
// Small/14 29.9M (S2v2P Table 5: 30M), X1+X3 and X1+X2 22.4M (S2v2P Table 7: 22M); sum fusion 22.9M where S2v2P Table 6
// prints 22M: removing split attention removes exactly c² + 3.25c per block (2.23M in all) from the
// 25.1M model, so no split-attention width that yields 25M for Small/7 yields 22M without it.
// MACs: S2v2P Table 5's 5.7B for Small/14 is not reproducible: 18 blocks at 16² tokens and c = 384 cost
// 6.79 GMACs on their own (6.86 with the patch embedding).

/// <summary>How S2-MLPv2 fuses its K branches: split attention (the model), or their mean (S2v2P Table 6's "sum-pooling").</summary>
public enum S2MlpV2Fusion { SplitAttention, Mean }

/// <summary>One S2-MLPv2 configuration. Stage i has <see cref="StageDepths"/>[i] blocks of width
/// <see cref="Dims"/>[i]; stages after the first begin with a <see cref="MergePatch"/> x
/// <see cref="MergePatch"/> patch merge.</summary>
/// <param name="PatchSize">The stem's patch side (7 for the pyramids, 14 for Small/14).</param>
/// <param name="EmbedDims">Width of each stage; null is Small/7's (192, 384).</param>
/// <param name="Depths">Blocks of each stage; null is Small/7's (4, 14).</param>
/// <param name="MlpRatio">The channel MLP's expansion (3).</param>
/// <param name="Fusion">Split attention, or the mean of the branches (S2v2P Table 6's ablation).</param>
/// <param name="MergePatch">Side of the patch merge between stages (2).</param>
/// <param name="ShiftImpl">Which implementation of the shift runs (all give the same model).</param>
/// <param name="DropPathRate">Stochastic depth of the last block; earlier blocks get linearly less.</param>
/// <param name="LayerNormEps">ε of the LayerNorms.</param>
/// <param name="Branches">The shift of each branch; the default is X1 (shift-1), X2 (shift-2), X3 (identity).</param>
/// <param name="SplitAttentionRatio">Split attention's hidden width as a fraction of c (c̄ = c/4).</param>
public sealed record S2MlpV2Config(
    long PatchSize = 7,
    IReadOnlyList<long>? EmbedDims = null,
    IReadOnlyList<int>? Depths = null,
    double MlpRatio = 3,
    S2MlpV2Fusion Fusion = S2MlpV2Fusion.SplitAttention,
    IReadOnlyList<ShiftPattern>? Branches = null,
    double SplitAttentionRatio = 0.25,
    long MergePatch = 2,
    ShiftImpl ShiftImpl = SpatialShift.DefaultImpl,
    double DropPathRate = 0,
    double LayerNormEps = 1e-5)
{
    public IReadOnlyList<long> Dims => EmbedDims ?? [192, 384];
    public IReadOnlyList<int> StageDepths => Depths ?? [4, 14];
    public IReadOnlyList<ShiftPattern> BranchShifts => Branches ?? [ShiftPatterns.V2Shift1, ShiftPatterns.V2Shift2, ShiftPatterns.Identity];
}

/// <summary>The S2-MLPv2 token mixer (S2v2P Eq. 6-10): MLP1 c -> Kc, one shift pattern per c-wide part,
/// fusion of the K parts, MLP2 c -> c. Channels-last <c>[B, H, W, C]</c> in and out.</summary>
public sealed class S2MlpV2Mixer : nn.Module<Tensor, Tensor>
{
    public readonly Linear mlp1;
    public readonly SpatialShiftLayer shift;
    public readonly nn.Module<Tensor, Tensor> fuse;
    public readonly Linear mlp2;

    /// <summary>C: the width.</summary>
    public long Dim { get; }

    /// <summary>K: the number of branches.</summary>
    public long K { get; }

    public S2MlpV2Mixer(long dim, IReadOnlyList<ShiftPattern> branches, S2MlpV2Fusion fusion = S2MlpV2Fusion.SplitAttention,
        double splitAttentionRatio = 0.25, ShiftImpl impl = SpatialShift.DefaultImpl)
    {
        (Dim, K) = (dim, branches.Count);
        mlp1 = new Linear(dim, dim * K);
        shift = new SpatialShiftLayer(ShiftPattern.Concat(string.Join("+", branches.Select(b => b.Name)), branches.ToArray()), impl);
        fuse = fusion == S2MlpV2Fusion.SplitAttention ? new SplitAttention(dim, K, splitAttentionRatio) : new MeanFusion();
        mlp2 = new Linear(dim, dim);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var s = x.shape;
        var expanded = mlp1.forward(x);                          // [B, H, W, C] -> [B, H, W, K*C]
        var branches = shift.forward(expanded).reshape(s[0], s[1], s[2], K, Dim);   // [B, H, W, K*C] -> [B, H, W, K, C]
        var fused = fuse.forward(branches);                              // [B, H, W, K, C] -> [B, H, W, C]
        return mlp2.forward(fused).MoveToOuterDisposeScope();
    }
}

/// <summary>One S2-MLPv2 block, pre-norm (S2v2P Eq. 5): x = x + S2MLPv2(LN(x)); x = x + MLP(LN(x)).</summary>
public sealed class S2MlpV2Block : nn.Module<Tensor, Tensor>
{
    public readonly LayerNorm norm1;
    public readonly S2MlpV2Mixer mixer;
    public readonly LayerNorm norm2;
    public readonly Mlp mlp;
    public readonly DropPath drop_path;

    public S2MlpV2Block(long dim, double mlpRatio, IReadOnlyList<ShiftPattern> branches, S2MlpV2Fusion fusion = S2MlpV2Fusion.SplitAttention,
        double splitAttentionRatio = 0.25, ShiftImpl impl = SpatialShift.DefaultImpl, double dropPath = 0, double eps = 1e-5)
    {
        norm1 = new LayerNorm(dim, eps);
        mixer = new S2MlpV2Mixer(dim, branches, fusion, splitAttentionRatio, impl);
        norm2 = new LayerNorm(dim, eps);
        mlp = new Mlp(dim, (long)(dim * mlpRatio), dim);
        this.drop_path = new DropPath(dropPath);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = x + drop_path.forward(mixer.forward(norm1.forward(x)));   // Y = X + S2MLPv2(LN(X))
        var z = y + drop_path.forward(mlp.forward(norm2.forward(y)));     // Z = Y + MLP(LN(Y))
        return z.MoveToOuterDisposeScope();
    }
}

/// <summary>A pyramid stage: an optional patch merge, then blocks at one width.</summary>
public sealed class S2MlpV2Stage : nn.Module<Tensor, Tensor>
{
    public readonly nn.Module<Tensor, Tensor> downsample;
    public readonly ModuleList<S2MlpV2Block> blocks;

    public S2MlpV2Stage(nn.Module<Tensor, Tensor> downsample, IEnumerable<S2MlpV2Block> blocks)
    {
        this.downsample = downsample;
        this.blocks = new ModuleList<S2MlpV2Block>(blocks);
    }

    public override Tensor forward(Tensor x) => ImageClassifier.Chain(downsample.forward(x), blocks);
}

/// <summary>S2-MLPv2: a p x p patch embedding (a stride-p convolution, no norm, as ViP), the stages,
/// a final LayerNorm, global average pooling and a linear classifier.</summary>
public sealed class S2MlpV2 : ImageClassifier<S2MlpV2Config>
{
    // ----- variants (S2v2P Tables 2, 5, 6, 7: ImageNet-1K, 224², parameters with the classifier) ----------

    private static readonly S2MlpV2Config Small7 = new();
    private static readonly S2MlpV2Config Medium7 = new(EmbedDims: [256, 512], Depths: [7, 17]);
    private static readonly S2MlpV2Config Small14 = new(PatchSize: 14, EmbedDims: [384], Depths: [18]);
    private static readonly S2MlpV2Config Small = new(PatchSize: 4, EmbedDims: [16, 32], Depths: [1, 1]);

    /// <summary>The pyramid and flat S2-MLPv2 models and the ablations of S2v2P Tables 6 and 7, with the paper's numbers.</summary>
    public static IEnumerable<ModelEntry> Variants =>
    [
        Entry("s2mlpv2_small_7", Small7, new(25, 6.9, "S2v2P Table 2") { Top1 = 82.0 }),
        Entry("s2mlpv2_medium_7", Medium7, new(55, 16.3, "S2v2P Table 2") { Top1 = 83.6 }),
        Entry("s2mlpv2_small_14", Small14, new(30, 5.7, "S2v2P Table 5",
            "5.7B is not reproducible: 18 blocks at 16x16 tokens and c = 384 cost 6.79 GMACs alone") { GMacsTolerance = null, Top1 = 80.9 }),
        Entry("s2mlpv2_small_7_sum", Small7 with { Fusion = S2MlpV2Fusion.Mean }, new(22, 6.9, "S2v2P Table 6",
            "22.9M here: Small/7 (25.1M) less exactly its split-attention weights (c² + 3.25c per block, 2.23M); 22M is not reachable from a 25M Small/7")
            { ParamsTolerance = null, Top1 = 79.8 }),
        Entry("s2mlpv2_small_7_x1x3", Small7 with { Branches = [ShiftPatterns.V2Shift1, ShiftPatterns.Identity] }, new(22, 6.2, "S2v2P Table 7") { Top1 = 81.6 }),
        Entry("s2mlpv2_small_7_x1x2", Small7 with { Branches = [ShiftPatterns.V2Shift1, ShiftPatterns.V2Shift2] }, new(22, 6.2, "S2v2P Table 7") { Top1 = 81.7 }),
    ];

    private static ModelEntry Entry(string name, S2MlpV2Config config, PaperNumbers paper) =>
        ModelEntry.Of(name, "s2mlpv2", config, (c, o) => new S2MlpV2(c, o), paper) with
        {
            SmallConfig = Small with { Fusion = config.Fusion, Branches = config.Branches },
        };

    // ----- the model ------------------------------------------------------------------------------------

    public readonly PatchEmbed stem;
    public readonly ModuleList<S2MlpV2Stage> stages;
    public readonly LayerNorm norm;
    public nn.Module<Tensor, Tensor> head;

    public S2MlpV2(S2MlpV2Config config, ModelOptions? options = null) : base(config, options)
    {
        var dims = config.Dims;
        var depths = config.StageDepths;
        if (dims.Count != depths.Count || dims.Count == 0)
            throw new ArgumentException($"S2MlpV2: {dims.Count} widths for {depths.Count} stages");
        stem = new PatchEmbed(config.PatchSize, Options.InChannels, dims[0]);
        long grid = stem.GridSize(Options.ImageSize);
        var rates = DropPath.Schedule(config.DropPathRate, depths.Sum());
        int index = 0;
        var stageList = new List<S2MlpV2Stage>();
        for (int i = 0; i < dims.Count; i++)
        {
            if (i > 0 && grid % config.MergePatch != 0)
                throw new ArgumentException($"S2MlpV2: {grid}x{grid} tokens cannot be merged by {config.MergePatch}x{config.MergePatch} patches");
            if (i > 0) grid /= config.MergePatch;
            nn.Module<Tensor, Tensor> down = i == 0 ? new Identity() : new PatchEmbed(config.MergePatch, dims[i - 1], dims[i], input: Layout.ChannelsLast);
            var blocks = Enumerable.Range(0, depths[i]).Select(_ => new S2MlpV2Block(dims[i], config.MlpRatio, config.BranchShifts,
                config.Fusion, config.SplitAttentionRatio, config.ShiftImpl, rates[index++], config.LayerNormEps)).ToList();
            stageList.Add(new S2MlpV2Stage(down, blocks));
        }
        stages = new ModuleList<S2MlpV2Stage>(stageList);
        norm = new LayerNorm(dims[^1], config.LayerNormEps);
        head = LinearHead(dims[^1], Options.NumClasses);
        S2MlpInit.Apply(this);
    }

    public override long num_features => Config.Dims[^1];

    /// <summary>Images <c>[B, C, H, W]</c> to normalised tokens <c>[B, H', W', c_last]</c> of the last stage.</summary>
    public override Tensor forward_features(Tensor x)
    {
        using var scope = NewDisposeScope();
        return norm.forward(Chain(stem.forward(x), stages)).MoveToOuterDisposeScope();
    }

    /// <summary>Global average pooling over the tokens, then the classifier.</summary>
    public override Tensor forward_head(Tensor features, bool pre_logits = false)
    {
        using var scope = NewDisposeScope();
        var pooled = features.mean([1, 2]);                               // [B, H, W, C] -> [B, C]
        return Classify(pooled, pre_logits, head);
    }

    protected override void ReplaceClassifier(long numClasses)
    {
        head.Dispose();
        head = LinearHead(Config.Dims[^1], numClasses);
        S2MlpInit.Apply(head);
    }

    public override nn.Module? get_classifier() => head;
}
