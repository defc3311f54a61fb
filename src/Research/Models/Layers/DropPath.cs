using Research.Torch;
using static Research.Torch.torch;

namespace Research.Models.Layers;

/// <summary>Stochastic depth per sample (timm's <c>DropPath</c>): in training each sample's branch is zeroed
/// with probability p and the kept ones are scaled by 1/(1 - p), so the expectation is unchanged; in eval
/// (or with p = 0) the input passes through.</summary>
public sealed class DropPath(double dropProb = 0) : nn.Module<Tensor, Tensor>
{
    /// <summary>The probability of dropping a sample's branch (timm's <c>drop_prob</c>).</summary>
    public double drop_prob { get; } = dropProb is >= 0 and < 1 ? dropProb
        : throw new ArgumentOutOfRangeException(nameof(dropProb), $"DropPath: the drop probability must be in [0, 1), got {dropProb}");

    public override Tensor forward(Tensor x)
    {
        if (!training || drop_prob == 0) return x.alias();
        using var scope = NewDisposeScope();
        double keep = 1 - drop_prob;
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x.size(0);                                          // one draw per sample: [B, 1, ..., 1]
        var mask = bernoulli(empty(shape, x.dtype, x.device), keep).div_(keep);
        return (x * mask).MoveToOuterDisposeScope();
    }

    /// <summary>Rates rising linearly from 0 to <paramref name="rate"/> over <paramref name="depth"/> blocks,
    /// as DeiT and timm assign them.</summary>
    public static double[] Schedule(double rate, int depth) =>
        Enumerable.Range(0, depth).Select(i => depth > 1 ? rate * i / (depth - 1) : 0.0).ToArray();

    public override string extra_repr() => $"drop_prob={drop_prob:0.###}";
}
