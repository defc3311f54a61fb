using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Modules;

/// <summary>2-D convolution with square kernels, initialised as PyTorch's <c>nn.Conv2d</c>.</summary>
public sealed class Conv2d : WeightedLayer
{
    public long in_channels { get; }
    public long out_channels { get; }
    public long kernel_size { get; }
    public long stride { get; }
    public long padding { get; }
    public long dilation { get; }
    public long groups { get; }

    public Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long dilation = 1,
        long groups = 1, bool bias = true)
    {
        if (in_channels % groups != 0 || out_channels % groups != 0)
            throw new ArgumentException($"Conv2d: in_channels ({in_channels}) and out_channels ({out_channels}) must be divisible by groups ({groups})");
        (this.in_channels, this.out_channels, this.kernel_size, this.stride, this.padding, this.dilation, this.groups) =
            (in_channels, out_channels, kernel_size, stride, padding, dilation, groups);
        using var scope = NewDisposeScope();
        weight = new Parameter(empty([out_channels, in_channels / groups, kernel_size, kernel_size]));
        nn.init.kaiming_uniform_(weight, Math.Sqrt(5));
        if (bias)
        {
            this.bias = new Parameter(empty([out_channels]));
            double bound = 1 / Math.Sqrt(in_channels / groups * kernel_size * kernel_size);
            nn.init.uniform_(this.bias, -bound, bound);
        }
    }

    public override Tensor forward(Tensor x) => F.conv2d(x, weight, bias, stride, padding, dilation, groups);

    public override string extra_repr() =>
        $"{in_channels}, {out_channels}, kernel_size=({kernel_size}, {kernel_size}), stride=({stride}, {stride})" +
        (padding != 0 ? $", padding=({padding}, {padding})" : "") + (groups != 1 ? $", groups={groups}" : "") + (bias is null ? ", bias=False" : "");
}
