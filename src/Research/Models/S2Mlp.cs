using Research.Models.Layers;
using Research.Shift;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models;

// S2-MLP: "S²-MLP: Spatial-Shift MLP Architecture for Vision" (Yu et al., WACV 2022),
// https://arxiv.org/abs/2106.07477 (v2). No official code was released.
//
// Layout: tokens are channels-last [B, H, W, C] throughout; every Linear acts on C, the shift moves
// along H and W.
//
// As the paper draws it (S2P Fig. 1; docs/papers.md §1), not as the widely copied unofficial PyTorch port
// (which is pre-norm and has no patch-embedding norm):
//  - patch embedding: an FC on each flattened p x p patch, then LayerNorm (a stride-p convolution is
//    the same map);
//  - each block puts the norm at the END of each residual branch:
//      x = x + LN(FC2(shift(GELU(FC1 x))))
//      x = x + LN(FC4(GELU(FC3 x)))
//  - global average pooling, then a linear classifier; no norm before the pooling.
// Choices the paper leaves open, each an option of S2MlpConfig:
//  - S2-MLP-deep "uses the affine transform of ResMLP instead of LayerNorm" (S2P §4.1); its init is not
//    given: α starts at ResMLP's LayerScale value for the depth as timm sets it (0.1 up to 12 blocks,
//    1e-5 up to 24, 1e-6 beyond), β at 0; the stem's norm is an affine with α = 1.
//  - weight init is not given: Linear weights truncated-normal(0.02), biases 0 (DeiT / ViP).
//  - stochastic depth, if any, grows linearly over the blocks (DeiT).
// Parameter counts (224², without the classifier): wide 71.5M (paper 71M); deep 53.5M where the paper
// prints 51M — the paper's own count per block, c²(2r+2) + c(3+r), gives 53.5M for N = 36, c = 384, r = 4
// (S2P §3.4, Table 2; docs/papers.md §1), so the 51M is not reproducible from its stated configuration.

/// <summary>Where S2-MLP puts a normalisation: LayerNorm (S2-MLP-wide) or ResMLP's affine (S2-MLP-deep).</summary>
public enum S2MlpNorm { LayerNorm, Affine }

/// <summary>One S2-MLP configuration: p x p patches, N identical blocks of width c, channel-MLP expansion r.</summary>
/// <param name="PatchSize">p (16 in both paper models).</param>
/// <param name="EmbedDim">c: the width of every block.</param>
/// <param name="Depth">N: the number of blocks.</param>
/// <param name="MlpRatio">r: the channel MLP's hidden width is r·c.</param>
/// <param name="Norm">LayerNorm (wide) or ResMLP's affine (deep) at the end of each branch and after the stem.</param>
/// <param name="ShiftImpl">Which implementation of the shift runs (all give the same model).</param>
/// <param name="DropPathRate">Stochastic depth of the last block; earlier blocks get linearly less.</param>
/// <param name="LayerNormEps">ε of the LayerNorms.</param>
/// <param name="Shift">The direction set (S2-MLP Table 7); null is setting (a), the default four directions.</param>
/// <param name="AffineInit">Initial α of the branch-end affines when <see cref="Norm"/> is Affine; null picks ResMLP's by depth.</param>
public sealed record S2MlpConfig(
    long PatchSize = 16,
    long EmbedDim = 768,
    int Depth = 12,
    double MlpRatio = 4,
    S2MlpNorm Norm = S2MlpNorm.LayerNorm,
    ShiftPattern? Shift = null,
    ShiftImpl ShiftImpl = SpatialShift.DefaultImpl,
    double DropPathRate = 0,
    double? AffineInit = null,
    double LayerNormEps = 1e-5)
{
    /// <summary>The shift pattern in use: <see cref="Shift"/> or setting (a).</summary>
    public ShiftPattern ShiftPattern => Shift ?? ShiftPatterns.Default;

    /// <summary>α of the branch-end affines: timm's ResMLP LayerScale init for this depth unless set.</summary>
    public double BranchAffineInit => AffineInit ?? (Depth <= 12 ? 0.1 : Depth <= 24 ? 1e-5 : 1e-6);
}

/// <summary>The spatial-shift MLP (S2-MLP Fig. 1, the token-mixing branch before its norm):
/// FC2(shift(GELU(FC1 x))), FC1 and FC2 c -> c. Channels-last <c>[B, H, W, C]</c> in and out.</summary>
public sealed class SpatialShiftMlp : nn.Module<Tensor, Tensor>
{
    public readonly Linear fc1;
    public readonly GELU act;
    public readonly SpatialShiftLayer shift;
    public readonly Linear fc2;

    public SpatialShiftMlp(long dim, ShiftPattern pattern, ShiftImpl impl = SpatialShift.DefaultImpl)
    {
        fc1 = new Linear(dim, dim);
        act = new GELU();
        shift = new SpatialShiftLayer(pattern, impl);
        fc2 = new Linear(dim, dim);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.forward(shift.forward(act.forward(fc1.forward(x)))).MoveToOuterDisposeScope();
    }
}

/// <summary>One S2-MLP block, the norm at the end of each residual branch (S2-MLP Fig. 1):
/// x = x + norm1(FC2(shift(GELU(FC1 x)))); x = x + norm2(FC4(GELU(FC3 x))), FC3: c -> rc, FC4: rc -> c.
/// Channels-last <c>[B, H, W, C]</c> in and out.</summary>
public sealed class S2MlpBlock : nn.Module<Tensor, Tensor>
{
    public readonly SpatialShiftMlp spatial_mlp;
    public readonly nn.Module<Tensor, Tensor> norm1;
    public readonly Mlp channel_mlp;
    public readonly nn.Module<Tensor, Tensor> norm2;
    public readonly DropPath drop_path;

    /// <param name="dim">c.</param>
    /// <param name="hidden">The channel MLP's hidden width r·c.</param>
    /// <param name="pattern">The shift's direction set.</param>
    /// <param name="norm">Builds a branch-end norm of the given width (LayerNorm or Affine).</param>
    /// <param name="impl">The shift implementation.</param>
    /// <param name="dropPath">Stochastic depth of both branches.</param>
    public S2MlpBlock(long dim, long hidden, ShiftPattern pattern, Func<long, nn.Module<Tensor, Tensor>> norm,
        ShiftImpl impl = SpatialShift.DefaultImpl, double dropPath = 0)
    {
        spatial_mlp = new SpatialShiftMlp(dim, pattern, impl);
        norm1 = norm(dim);
        channel_mlp = new Mlp(dim, hidden, dim);
        norm2 = norm(dim);
        this.drop_path = new DropPath(dropPath);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = x + drop_path.forward(norm1.forward(spatial_mlp.forward(x)));      // x + LN(FC2(shift(GELU(FC1 x))))
        var z = y + drop_path.forward(norm2.forward(channel_mlp.forward(y)));      // y + LN(FC4(GELU(FC3 y)))
        return z.MoveToOuterDisposeScope();
    }
}

/// <summary>S2-MLP: patch embedding (FC + norm), N identical <see cref="S2MlpBlock"/>s at width c, global
/// average pooling over the H/p x W/p tokens, linear classifier.</summary>
public sealed class S2Mlp : ImageClassifier<S2MlpConfig>
{
    // ----- variants (S2P Table 2 / 3: ImageNet-1K, 224², parameters without the classifier) -------------

    private static readonly S2MlpConfig Wide = new();
    private static readonly S2MlpConfig Deep = new(EmbedDim: 384, Depth: 36, Norm: S2MlpNorm.Affine);
    private static readonly S2MlpConfig Small = new(PatchSize: 4, EmbedDim: 32, Depth: 2, MlpRatio: 2);

    /// <summary>S2-MLP-wide and S2-MLP-deep, with the paper's numbers (FLOPs in S2P are multiply-accumulates
    /// of the FC layers, S2P §3.4).</summary>
    public static IEnumerable<ModelEntry> Variants =>
    [
        Entry("s2mlp_wide", Wide, new(71, 14.0, "S2P Tables 2-3") { ParamsExcludeHead = true, Top1 = 80.0 }),
        Entry("s2mlp_deep", Deep, new(51, 10.5, "S2P Tables 2-3",
            "51M is not reproducible: the paper's per-block count c²(2r+2) + c(3+r) gives 53.5M for N = 36, c = 384, r = 4, and so does this model")
            { ParamsExcludeHead = true, ParamsTolerance = null, Top1 = 80.7 }),
    ];

    private static ModelEntry Entry(string name, S2MlpConfig config, PaperNumbers paper) =>
        ModelEntry.Of(name, "s2mlp", config, (c, o) => new S2Mlp(c, o), paper) with { SmallConfig = Small with { Norm = config.Norm } };

    // ----- the model ------------------------------------------------------------------------------------

    public readonly PatchEmbed stem;
    public readonly ModuleList<S2MlpBlock> blocks;
    public nn.Module<Tensor, Tensor> head;

    public S2Mlp(S2MlpConfig config, ModelOptions? options = null) : base(config, options)
    {
        long dim = config.EmbedDim;
        Func<long, nn.Module<Tensor, Tensor>> branchNorm = config.Norm == S2MlpNorm.LayerNorm
            ? d => new LayerNorm(d, config.LayerNormEps)
            : d => new Affine(d, config.BranchAffineInit);
        stem = new PatchEmbed(config.PatchSize, Options.InChannels, dim,
            config.Norm == S2MlpNorm.LayerNorm ? new LayerNorm(dim, config.LayerNormEps) : new Affine(dim));
        stem.GridSize(Options.ImageSize);
        var rates = DropPath.Schedule(config.DropPathRate, config.Depth);
        long hidden = (long)(dim * config.MlpRatio);
        blocks = new ModuleList<S2MlpBlock>(Enumerable.Range(0, config.Depth)
            .Select(i => new S2MlpBlock(dim, hidden, config.ShiftPattern, branchNorm, config.ShiftImpl, rates[i])));
        head = LinearHead(dim, Options.NumClasses);
        S2MlpInit.Apply(this);
    }

    public override long num_features => Config.EmbedDim;

    /// <summary>Images <c>[B, C, H, W]</c> to tokens <c>[B, H/p, W/p, c]</c> after the last block.</summary>
    public override Tensor forward_features(Tensor x) => Chain(stem.forward(x), blocks);

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
        head = LinearHead(Config.EmbedDim, numClasses);
        S2MlpInit.Apply(head);
    }

    public override nn.Module? get_classifier() => head;
}

/// <summary>The init both S2-MLP families use (neither paper gives one): DeiT / ViP's, Linear weights
/// truncated-normal with std 0.02 and zero biases; norms and affines keep their constructors' values;
/// convolutions keep PyTorch's default.</summary>
internal static class S2MlpInit
{
    public static void Apply(nn.Module root)
    {
        using var scope = NewDisposeScope();
        foreach (var (_, module) in root.named_modules())
            if (module is Linear linear)
            {
                nn.init.trunc_normal_(linear.weight, 0, 0.02);
                if (linear.bias is not null) nn.init.zeros_(linear.bias);
            }
    }
}
