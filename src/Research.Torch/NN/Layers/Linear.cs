using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Modules;

/// <summary>y = x Wᵀ + b over the last dimension; weights initialised as PyTorch's <c>nn.Linear</c>
/// (kaiming uniform with a = sqrt(5), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))).</summary>
public sealed class Linear : WeightedLayer
{
    public long in_features { get; }
    public long out_features { get; }

    public Linear(long in_features, long out_features, bool bias = true)
    {
        this.in_features = in_features;
        this.out_features = out_features;
        using var scope = NewDisposeScope();
        weight = new Parameter(empty([out_features, in_features]));
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        if (bias)
        {
            this.bias = new Parameter(empty([out_features]));
            double bound = 1 / Math.Sqrt(in_features);
            nn.init.uniform_(this.bias, -bound, bound);
        }
    }

    public override Tensor forward(Tensor x) => F.linear(x, weight, bias);

    public override string extra_repr() => $"in_features={in_features}, out_features={out_features}, bias={(bias is null ? "False" : "True")}";
}
