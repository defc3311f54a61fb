using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;

namespace Research.Models.Layers;

/// <summary>The two-layer MLP of transformers, MLP-Mixers and MetaFormers (timm's <c>Mlp</c>):
/// y = drop(fc2(drop(act(fc1 x)))), fc1: in -> hidden, fc2: hidden -> out, acting on the last dimension of
/// channels-last values, or with <c>useConv</c> as 1x1 convolutions on the channels of <c>[B, C, H, W]</c> (the same map
/// at every position, timm's <c>use_conv=True</c>). State keys <c>fc1.weight</c>, <c>fc1.bias</c>, <c>fc2.weight</c>,
/// <c>fc2.bias</c> as timm's.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    public readonly WeightedLayer fc1;
    public readonly nn.Module<Tensor, Tensor> act;
    public readonly Dropout drop1;
    public readonly WeightedLayer fc2;
    public readonly Dropout drop2;

    /// <param name="inFeatures">Input width.</param>
    /// <param name="hiddenFeatures">Hidden width; defaults to <paramref name="inFeatures"/>.</param>
    /// <param name="outFeatures">Output width; defaults to <paramref name="inFeatures"/>.</param>
    /// <param name="drop">Dropout after the activation and after fc2.</param>
    /// <param name="bias">Whether both layers have biases.</param>
    /// <param name="act">The activation; GELU (exact) by default.</param>
    /// <param name="useConv">1x1 convolutions over the channels of <c>[B, C, H, W]</c> instead of linear layers over the last dimension.</param>
    public Mlp(long inFeatures, long? hiddenFeatures = null, long? outFeatures = null, double drop = 0, bool bias = true,
        nn.Module<Tensor, Tensor>? act = null, bool useConv = false)
    {
        long hidden = hiddenFeatures ?? inFeatures, output = outFeatures ?? inFeatures;
        fc1 = useConv ? new Conv2d(inFeatures, hidden, 1, bias: bias) : new Linear(inFeatures, hidden, bias);
        this.act = act ?? new GELU();
        drop1 = new Dropout(drop);
        fc2 = useConv ? new Conv2d(hidden, output, 1, bias: bias) : new Linear(hidden, output, bias);
        drop2 = new Dropout(drop);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = fc2.forward(drop1.forward(act.forward(fc1.forward(x))));
        return drop2.forward(y).MoveToOuterDisposeScope();
    }
}
