using Research.Torch;
using static Research.Torch.torch;

namespace Research.Models.Layers;

/// <summary>A learnt per-channel scale (timm's metaformer <c>Scale</c>): parameter <c>scale</c> of shape <c>[C]</c>,
/// starting at <c>initValue</c>, multiplying the channel axis of <c>[B, C, H, W]</c> (<c>channelsFirst</c>) or the
/// last axis of <c>[B, N, C]</c>. MetaFormer uses it twice: as LayerScale on a branch and as ResScale on a shortcut.</summary>
public sealed class Scale : nn.Module<Tensor, Tensor>
{
    public readonly Parameter scale;
    private readonly long[] _shape;

    public Scale(long dim, double initValue = 1.0, bool channelsFirst = true)
    {
        _shape = channelsFirst ? [dim, 1, 1] : [dim];
        using var s = NewDisposeScope();
        scale = new Parameter(full([dim], initValue));
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x * scale.view(_shape)).MoveToOuterDisposeScope();      // [C] -> [C, 1, 1] for channels-first input
    }

    public override string extra_repr() => $"dim={scale.size(0)}";
}
