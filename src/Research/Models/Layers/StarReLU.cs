using Research.Torch;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Models.Layers;

/// <summary>StarReLU (timm's <c>StarReLU</c>, MetaFormer Baselines' activation): <c>s · relu(x)² + b</c> with a learnt
/// scalar scale s (initially 1) and bias b (initially 0), parameters <c>scale</c> and <c>bias</c> of shape <c>[1]</c>.
/// The scale and bias undo the shift of mean and variance that squaring a ReLU brings, at the cost of Squared ReLU.</summary>
public sealed class StarReLU : nn.Module<Tensor, Tensor>
{
    public readonly Parameter scale;
    public readonly Parameter bias;

    public StarReLU(double scaleValue = 1.0, double biasValue = 0.0)
    {
        using var s = NewDisposeScope();
        scale = new Parameter(full([1], scaleValue));
        bias = new Parameter(full([1], biasValue));
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (F.relu(x).square() * scale + bias).MoveToOuterDisposeScope();
    }
}

/// <summary>Squared ReLU <c>relu(x)²</c> (timm's <c>SquaredReLU</c>), no parameters: the activation of timm's
/// MetaFormer <see cref="MlpHead"/>.</summary>
public sealed class SquaredReLU : nn.Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return F.relu(x).square().MoveToOuterDisposeScope();
    }
}
