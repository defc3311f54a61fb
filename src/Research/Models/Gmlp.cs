using Research.Models.Layers;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models;

// gMLP (Liu et al., "Pay Attention to MLPs", https://arxiv.org/abs/2105.08050): a channel MLP whose hidden width is
// split in two halves, one gating the other after a linear layer over the tokens (the spatial gating unit). timm's
// mlp_mixer.py builds it from the generic MlpMixer (gmlp_ti16_224 ... gmlp_b16_224), and so does Mixer.cs; the blocks
// are here, with timm's keys (blocks.0.norm, .mlp_channels.fc1, .mlp_channels.gate.norm, .mlp_channels.gate.proj,
// .mlp_channels.fc2).

/// <summary>gMLP's spatial gating unit (timm's <c>SpatialGatingUnit</c>) on <c>[B, N, 2G]</c>: split into u and v of
/// width G, <c>s(Z) = u ⊙ (W · LayerNorm(v) + b)</c> with W an N x N linear layer over the tokens; output
/// <c>[B, N, G]</c>. W starts near 0 and b at 1, so the unit starts as the identity on u.</summary>
public sealed class SpatialGatingUnit : nn.Module<Tensor, Tensor>
{
    public readonly LayerNorm norm;
    public readonly Linear proj;

    /// <param name="dim">Input width 2G (halved for the gate).</param>
    /// <param name="seqLen">Tokens N.</param>
    public SpatialGatingUnit(long dim, long seqLen)
    {
        norm = new LayerNorm(dim / 2);             // PyTorch's default eps 1e-5, as timm
        proj = new Linear(seqLen, seqLen);
        InitWeights();
    }

    /// <summary>timm's gate init: proj weight N(0, 1e-6), bias 1.</summary>
    public void InitWeights()
    {
        nn.init.normal_(proj.weight, 0, 1e-6);
        nn.init.ones_(proj.bias!);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var halves = x.chunk(2, -1);
        var (u, v) = (halves[0], halves[1]);
        // [B, N, G] -> [B, G, N]: the gate's linear layer runs along N, then back
        var gate = proj.forward(norm.forward(v).transpose(-1, -2)).transpose(-1, -2);
        return (u * gate).MoveToOuterDisposeScope();
    }
}

/// <summary>The channel MLP of gMLP (timm's <c>GatedMlp</c>) on <c>[B, N, C]</c>:
/// <c>fc2(gate(act(fc1 x)))</c>, fc1: C -> H, the <see cref="SpatialGatingUnit"/> H -> H/2, fc2: H/2 -> C.</summary>
public sealed class GatedMlp : nn.Module<Tensor, Tensor>
{
    public readonly Linear fc1;
    public readonly nn.Module<Tensor, Tensor> act;
    public readonly Dropout drop1;
    public readonly SpatialGatingUnit gate;
    public readonly Linear fc2;
    public readonly Dropout drop2;

    public GatedMlp(long dim, long hidden, long seqLen, string activation = "gelu", double drop = 0)
    {
        if (hidden % 2 != 0) throw new ArgumentException($"GatedMlp: the hidden width {hidden} must be even, it is split in two");
        fc1 = new Linear(dim, hidden);
        act = Activations.Create(activation);
        drop1 = new Dropout(drop);
        gate = new SpatialGatingUnit(hidden, seqLen);
        fc2 = new Linear(hidden / 2, dim);
        drop2 = new Dropout(drop);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return drop2.forward(fc2.forward(gate.forward(drop1.forward(act.forward(fc1.forward(x)))))).MoveToOuterDisposeScope();
    }
}

/// <summary>The gMLP block (timm's <c>SpatialGatingBlock</c>), pre-norm, one residual on <c>[B, N, C]</c>:
/// <c>Y = X + DropPath(GatedMlp(Norm(X)))</c>.</summary>
public sealed class SpatialGatingBlock : nn.Module<Tensor, Tensor>
{
    public readonly nn.Module<Tensor, Tensor> norm;
    public readonly GatedMlp mlp_channels;
    public readonly DropPath drop_path;

    /// <param name="dim">Channels C.</param>
    /// <param name="seqLen">Tokens N.</param>
    /// <param name="channelsDim">Hidden width of the gated MLP (gMLP: 6C), halved by the gate.</param>
    /// <param name="norm">The norm before the MLP; LayerNorm (eps 1e-6) when null.</param>
    /// <param name="activation">The MLP's activation.</param>
    /// <param name="drop">Dropout inside the MLP.</param>
    /// <param name="dropPath">Stochastic-depth rate.</param>
    public SpatialGatingBlock(long dim, long seqLen, long channelsDim, nn.Module<Tensor, Tensor>? norm = null, string activation = "gelu",
        double drop = 0, double dropPath = 0)
    {
        this.norm = norm ?? new LayerNorm(dim, 1e-6);
        mlp_channels = new GatedMlp(dim, channelsDim, seqLen, activation, drop);
        this.drop_path = new DropPath(dropPath);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x + drop_path.forward(mlp_channels.forward(norm.forward(x)))).MoveToOuterDisposeScope();
    }
}
