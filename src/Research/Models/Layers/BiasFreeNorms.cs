using Research.Torch;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Models.Layers;

// The MetaFormer baselines' norms learn a scale but no shift (their code's LayerNormWithoutBias); timm keeps them as
// GroupNorm1NoBias, LayerNorm2dNoBias and LayerNormNoBias, each with eps 1e-6 and only a `weight` in the state dict.

/// <summary>GroupNorm with one group without bias (timm's <c>GroupNorm1NoBias</c>): statistics over C, H, W of
/// <c>[B, C, H, W]</c>, then a learnt per-channel <c>weight</c>.</summary>
public sealed class GroupNorm1NoBias : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    private readonly double eps;

    public GroupNorm1NoBias(long dim, double eps = 1e-6)
    {
        this.eps = eps;
        using var s = NewDisposeScope();
        weight = new Parameter(ones(dim));
    }

    public override Tensor forward(Tensor x) => F.group_norm(x, 1, weight, null, eps);
}

/// <summary>LayerNorm over the channels of <c>[B, C, H, W]</c> at each position, without bias (timm's
/// <c>LayerNorm2dNoBias</c>).</summary>
public sealed class LayerNorm2dNoBias : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    private readonly double eps;

    public LayerNorm2dNoBias(long dim, double eps = 1e-6)
    {
        this.eps = eps;
        using var s = NewDisposeScope();
        weight = new Parameter(ones(dim));
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var last = x.permute(0, 2, 3, 1);                                 // [B, C, H, W] -> [B, H, W, C]
        var normed = F.layer_norm(last, [x.size(1)], weight, null, eps);
        return normed.permute(0, 3, 1, 2).contiguous().MoveToOuterDisposeScope();   // -> [B, C, H, W]
    }
}

/// <summary>LayerNorm over the last axis without bias (timm's <c>LayerNormNoBias</c>), for channels-last tokens.</summary>
public sealed class LayerNormNoBias : nn.Module<Tensor, Tensor>
{
    public readonly Parameter weight;
    private readonly double eps;

    public LayerNormNoBias(long dim, double eps = 1e-6)
    {
        this.eps = eps;
        using var s = NewDisposeScope();
        weight = new Parameter(ones(dim));
    }

    public override Tensor forward(Tensor x) => F.layer_norm(x, [x.size(-1)], weight, null, eps);
}
