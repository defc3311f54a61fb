using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Modules;

/// <summary>Normalises over the trailing <c>normalized_shape</c> dimensions, then scales and shifts (with <c>bias</c> false,
/// scales only: PyTorch 2.1's option, which the MetaFormer baselines use).</summary>
public sealed class LayerNorm : nn.Module<Tensor, Tensor>
{
    public Parameter? weight;
    public Parameter? bias;
    public long[] normalized_shape { get; }
    public double eps { get; }

    public LayerNorm(long[] normalized_shape, double eps = 1e-5, bool elementwise_affine = true, bool bias = true)
    {
        this.normalized_shape = normalized_shape;
        this.eps = eps;
        if (!elementwise_affine) return;
        using var scope = NewDisposeScope();
        weight = new Parameter(ones(normalized_shape));
        if (bias) this.bias = new Parameter(zeros(normalized_shape));
    }

    public LayerNorm(long dim, double eps = 1e-5, bool elementwise_affine = true, bool bias = true) : this([dim], eps, elementwise_affine, bias) { }

    public override Tensor forward(Tensor x) => F.layer_norm(x, normalized_shape, weight, bias, eps);

    public override string extra_repr() => $"({string.Join(", ", normalized_shape)},), eps={ModuleSummary.Py(eps)}, elementwise_affine={(weight is null ? "False" : "True")}";
}

/// <summary>Normalises <c>[B, C, ...]</c> over groups of channels and the spatial dimensions;
/// one group is PoolFormer's "modified layer norm". <c>bias</c> false scales without a shift (timm's
/// <c>GroupNorm1NoBias</c>; PyTorch's GroupNorm has no such option).</summary>
public sealed class GroupNorm : nn.Module<Tensor, Tensor>
{
    public Parameter? weight;
    public Parameter? bias;
    public long num_groups { get; }
    public long num_channels { get; }
    public double eps { get; }

    public GroupNorm(long num_groups, long num_channels, double eps = 1e-5, bool affine = true, bool bias = true)
    {
        if (num_channels % num_groups != 0)
            throw new ArgumentException($"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups ({num_groups})");
        (this.num_groups, this.num_channels, this.eps) = (num_groups, num_channels, eps);
        if (!affine) return;
        using var scope = NewDisposeScope();
        weight = new Parameter(ones(num_channels));
        if (bias) this.bias = new Parameter(zeros(num_channels));
    }

    public override Tensor forward(Tensor x) => F.group_norm(x, num_groups, weight, bias, eps);

    public override string extra_repr() => $"{num_groups}, {num_channels}, eps={ModuleSummary.Py(eps)}, affine={(weight is null ? "False" : "True")}";
}

/// <summary>Batch normalisation over <c>[B, C, H, W]</c>, with running statistics as buffers
/// (<c>running_mean</c>, <c>running_var</c>, <c>num_batches_tracked</c>, as PyTorch saves them).</summary>
public sealed class BatchNorm2d : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter bias;
    [nn.Buffer] public Tensor running_mean;
    [nn.Buffer] public Tensor running_var;
    [nn.Buffer] public Tensor num_batches_tracked;
    public long num_features { get; }
    public double eps { get; }
    public double momentum { get; }

    public BatchNorm2d(long num_features, double eps = 1e-5, double momentum = 0.1)
    {
        (this.num_features, this.eps, this.momentum) = (num_features, eps, momentum);
        using var scope = NewDisposeScope();
        weight = new Parameter(ones(num_features));
        bias = new Parameter(zeros(num_features));
        running_mean = zeros(num_features).DetachFromDisposeScope();
        running_var = ones(num_features).DetachFromDisposeScope();
        num_batches_tracked = zeros([], ScalarType.Int64).DetachFromDisposeScope();
    }

    public override Tensor forward(Tensor x)
    {
        if (training)
            using (no_grad()) num_batches_tracked.add_(1L);
        return F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps);
    }

    public override string extra_repr() => $"{num_features}, eps={ModuleSummary.Py(eps)}, momentum={ModuleSummary.Py(momentum)}, affine=True, track_running_stats=True";
}
