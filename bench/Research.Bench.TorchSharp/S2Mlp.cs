using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Research.Bench.TorchSharp;

// S2-MLP v1 as src/Research/Models/S2Mlp.cs builds it, written against TorchSharp: the same layers in the same order
// and, through the field names (TorchSharp names a module's children after its fields), the same state-dict keys
// (stem.proj.weight, blocks.0.spatial_mlp.fc1.weight, blocks.0.norm1.weight, blocks.0.channel_mlp.fc2.bias, head.bias,
// ...), so a checkpoint the kit writes loads here by key. Tokens are channels-last [B, H, W, C].

/// <summary>The spatial shift as the kit's default computes it: four equal channel groups moved right, left, down and
/// up (S2-MLP Algorithm 1), out[y, x] = in[clamp(y - dy), clamp(x - dx)], by index_select of clamped rows or columns.</summary>
internal sealed class SpatialShift() : Module<Tensor, Tensor>(nameof(SpatialShift))
{
    private static readonly (int Dy, int Dx)[] Directions = [(0, 1), (0, -1), (1, 0), (-1, 0)];
    private readonly Dictionary<(long Length, int Step), Tensor> clampedRanges = new();

    public override Tensor forward(Tensor x)
    {
        long h = x.shape[1], w = x.shape[2], c = x.shape[3];
        var groups = x.split(c / Directions.Length, 3);
        for (int i = 0; i < groups.Length; i++)
        {
            var (dy, dx) = Directions[i];
            if (dy != 0) groups[i] = groups[i].index_select(1, ClampedRange(h, dy));
            if (dx != 0) groups[i] = groups[i].index_select(2, ClampedRange(w, dx));
        }
        return cat(groups, 3);
    }

    private Tensor ClampedRange(long n, int step)
    {
        if (!clampedRanges.TryGetValue((n, step), out var range))
            clampedRanges[(n, step)] = range = (arange(n) - step).clamp(0, n - 1).DetachFromDisposeScope();   // kept across steps
        return range;
    }
}

/// <summary>FC2(shift(GELU(FC1 x))), c -> c.</summary>
internal sealed class SpatialShiftMlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1, fc2;
    private readonly SpatialShift shift = new();

    public SpatialShiftMlp(long dim) : base(nameof(SpatialShiftMlp))
    {
        (fc1, fc2) = (Linear(dim, dim), Linear(dim, dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(shift.forward(functional.gelu(fc1.forward(x))));
}

/// <summary>FC2(GELU(FC1 x)), c -> rc -> c.</summary>
internal sealed class Mlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1, fc2;

    public Mlp(long dim, long hidden) : base(nameof(Mlp))
    {
        (fc1, fc2) = (Linear(dim, hidden), Linear(hidden, dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(functional.gelu(fc1.forward(x)));
}

/// <summary>The norm at the end of each residual branch: x + LN(spatial MLP x), then y + LN(channel MLP y).</summary>
internal sealed class S2MlpBlock : Module<Tensor, Tensor>
{
    private readonly SpatialShiftMlp spatial_mlp;
    private readonly LayerNorm norm1;
    private readonly Mlp channel_mlp;
    private readonly LayerNorm norm2;

    public S2MlpBlock(long dim, long hidden) : base(nameof(S2MlpBlock))
    {
        spatial_mlp = new SpatialShiftMlp(dim);
        norm1 = LayerNorm(dim);
        channel_mlp = new Mlp(dim, hidden);
        norm2 = LayerNorm(dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = x + norm1.forward(spatial_mlp.forward(x));
        return y + norm2.forward(channel_mlp.forward(y));
    }
}

/// <summary>A p x p patch embedding (stride-p convolution, then LayerNorm on the tokens), N blocks of width c, global
/// average pooling, a linear classifier; Linear weights truncated-normal(0.02), biases 0, as the kit initialises.</summary>
internal sealed class S2Mlp : Module<Tensor, Tensor>
{
    private readonly PatchEmbed stem;
    private readonly ModuleList<S2MlpBlock> blocks;
    private readonly Linear head;

    public S2Mlp(long patch, long dim, int depth, long numClasses, double mlpRatio = 4) : base(nameof(S2Mlp))
    {
        stem = new PatchEmbed(patch, 3, dim);
        blocks = new ModuleList<S2MlpBlock>(Enumerable.Range(0, depth).Select(_ => new S2MlpBlock(dim, (long)(dim * mlpRatio))).ToArray());
        head = Linear(dim, numClasses);
        RegisterComponents();
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
            if (module is Linear linear)
            {
                init.trunc_normal_(linear.weight, std: 0.02);
                init.zeros_(linear.bias);
            }
    }

    public override Tensor forward(Tensor x)
    {
        var h = stem.forward(x);
        foreach (var block in blocks) h = block.forward(h);
        return head.forward(h.mean([1, 2]));
    }
}

/// <summary>Images [B, C, H, W] to tokens [B, H/p, W/p, D]: a stride-p convolution, then LayerNorm over D.</summary>
internal sealed class PatchEmbed : Module<Tensor, Tensor>
{
    private readonly Conv2d proj;
    private readonly LayerNorm norm;

    public PatchEmbed(long patch, long inChannels, long dim) : base(nameof(PatchEmbed))
    {
        proj = Conv2d(inChannels, dim, patch, stride: patch);
        norm = LayerNorm(dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => norm.forward(proj.forward(x).permute(0, 2, 3, 1).contiguous());
}
