using static Research.Torch.torch;

namespace Research.Torch.Modules;

/// <summary>A layer with a <c>weight</c> and an optional <c>bias</c> (<see cref="Linear"/>, <see cref="Conv2d"/>), so code
/// that holds either, such as an MLP built from linear layers or from 1x1 convolutions, reaches
/// <c>fc1.weight</c> as PyTorch code does.</summary>
public abstract class WeightedLayer : nn.Module<Tensor, Tensor>
{
    public Parameter weight = null!;
    public Parameter? bias;
}
