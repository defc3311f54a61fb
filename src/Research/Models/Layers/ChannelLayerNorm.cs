using Research.Torch;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Models.Layers;

/// <summary>LayerNorm over the channels of <c>[B, C, H, W]</c> at each position (PFC's <c>LayerNormChannel</c>, timm's
/// <c>LayerNorm2d</c>; with <c>bias</c> false timm's <c>LayerNorm2dNoBias</c> of the MetaFormer baselines). Keys
/// <c>weight</c> and <c>bias</c>, as a LayerNorm's.</summary>
public sealed class ChannelLayerNorm : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    public readonly Parameter? bias;
    private readonly double _eps;

    public ChannelLayerNorm(long dim, double eps = 1e-5, bool bias = true)
    {
        _eps = eps;
        using var scope = NewDisposeScope();
        weight = new Parameter(ones(dim));
        if (bias) this.bias = new Parameter(zeros(dim));
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var last = x.permute(0, 2, 3, 1);                                 // [B, C, H, W] -> [B, H, W, C]
        var normed = F.layer_norm(last, [x.size(1)], weight, bias, _eps);
        return normed.permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();   // -> [B, C, H, W]
    }

    public override string extra_repr() => $"{weight.size(0)}, eps={_eps}, bias={bias is not null}";
}
