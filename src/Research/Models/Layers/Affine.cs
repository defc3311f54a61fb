using Research.Torch;
using static Research.Torch.torch;

namespace Research.Models.Layers;

/// <summary>ResMLP's affine transform Aff(x) = α ⊙ x + β over the last dimension, α initialised to
/// <c>initAlpha</c> and β to 0. As ResMLP's pre-normalisation α = 1; as the post-branch
/// scale it is small ("following CaiT"). Parameters <c>alpha</c>, <c>beta</c> of shape <c>[1, 1, dim]</c>
/// as timm's ResMLP, so checkpoints load.</summary>
public sealed class Affine : nn.Module<Tensor, Tensor>
{
    public readonly Parameter alpha;
    public readonly Parameter beta;

    public Affine(long dim, double initAlpha = 1.0)
    {
        using var scope = NewDisposeScope();
        alpha = new Parameter(full([1, 1, dim], initAlpha));
        beta = new Parameter(zeros(1, 1, dim));
    }

    // One addcmul (β + α·x) rather than a mul and an add: one pass over x instead of two.
    public override Tensor forward(Tensor x) => beta.addcmul(alpha, x);

    public override string extra_repr() => $"dim={alpha.size(-1)}";
}

/// <summary>A learnt per-channel scale y = γ ⊙ x over the last dimension (CaiT's LayerScale, timm's
/// <c>LayerScale</c>, parameter <c>gamma</c>), γ initialised to <c>initValues</c>.</summary>
public sealed class LayerScale : nn.Module<Tensor, Tensor>
{
    public readonly Parameter gamma;

    public LayerScale(long dim, double initValues = 1e-5)
    {
        using var scope = NewDisposeScope();
        gamma = new Parameter(full([dim], initValues));
    }

    public override Tensor forward(Tensor x) => x * gamma;

    public override string extra_repr() => $"dim={gamma.size(0)}";
}
