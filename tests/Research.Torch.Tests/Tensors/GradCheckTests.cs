using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Tests;

/// <summary>Finite-difference checks in float64: for a random upstream v, the directional derivative
/// of sum(v * f(x)) along each input element, by central differences, equals autograd's gradient.</summary>
public sealed class GradCheckTests
{
    public static TheoryData<string> Names => new(Functions.Keys);

    private static readonly Dictionary<string, (Func<Tensor[], Tensor> f, long[][] shapes)> Functions = new()
    {
        ["linear"] = (a => F.linear(a[0], a[1], a[2]), [[3, 4], [2, 4], [2]]),
        ["conv2d_grouped"] = (a => F.conv2d(a[0], a[1], a[2], stride: 1, padding: 1, groups: 2), [[1, 2, 4, 4], [2, 1, 3, 3], [2]]),
        ["avg_pool2d"] = (a => F.avg_pool2d(a[0], 3, 1, 1, count_include_pad: false), [[1, 2, 4, 4]]),
        ["max_pool2d"] = (a => F.max_pool2d(a[0], 2), [[1, 1, 4, 4]]),
        ["adaptive_avg_pool2d"] = (a => F.adaptive_avg_pool2d(a[0], 2), [[1, 2, 5, 5]]),
        ["layer_norm"] = (a => F.layer_norm(a[0], [4], a[1], a[2]), [[3, 4], [4], [4]]),
        ["group_norm"] = (a => F.group_norm(a[0], 2, a[1], a[2]), [[2, 4, 2, 2], [4], [4]]),
        ["batch_norm"] = (a => F.batch_norm(a[0], null, null, a[1], a[2], training: true), [[4, 2, 2, 2], [2], [2]]),
        ["gelu"] = (a => F.gelu(a[0]), [[10]]),
        ["gelu_tanh"] = (a => F.gelu(a[0], "tanh"), [[10]]),
        ["silu"] = (a => F.silu(a[0]), [[10]]),
        ["softmax"] = (a => F.softmax(a[0], 1), [[2, 5]]),
        ["log_softmax"] = (a => F.log_softmax(a[0], 1), [[2, 5]]),
        ["cross_entropy_smoothing"] = (a => F.cross_entropy(a[0], tensor(new long[] { 1, 4 }), label_smoothing: 0.2), [[2, 5]]),
        ["kl_div_log_target"] = (a => F.kl_div(F.log_softmax(a[0], 1), F.log_softmax(a[1], 1), "batchmean", log_target: true), [[2, 5], [2, 5]]),
        ["mse_loss"] = (a => F.mse_loss(a[0], a[1]), [[6], [6]]),
        ["interpolate_bicubic"] = (a => F.interpolate(a[0], size: [5, 5], mode: "bicubic", align_corners: false), [[1, 1, 3, 3]]),
        ["interpolate_bilinear"] = (a => F.interpolate(a[0], size: [5, 3], mode: "bilinear", align_corners: true), [[1, 1, 3, 3]]),
        ["grid_sample"] = (a => F.grid_sample(a[0], a[1].tanh() * 0.9, align_corners: false), [[1, 1, 4, 4], [1, 2, 3, 2]]),
        ["pad_replicate"] = (a => F.pad(a[0], [1, 1, 1, 1], "replicate"), [[1, 1, 3, 3]]),
        ["pad_reflect"] = (a => F.pad(a[0], [1, 1, 1, 1], "reflect"), [[1, 1, 3, 3]]),
        ["unfold"] = (a => F.unfold(a[0], 2, stride: 1), [[1, 2, 3, 3]]),
        ["roll_flip"] = (a => a[0].roll([1, -1], [0, 1]).flip(0), [[3, 4]]),
        ["einsum"] = (a => einsum("ij,jk->ik", a[0], a[1]), [[2, 3], [3, 2]]),
        ["logsumexp_std"] = (a => a[0].logsumexp(1) + a[0].std(1), [[3, 4]]),
        ["gather_index_add"] = (a => a[0].gather(1, tensor(new long[] { 0, 2, 1, 1 }, [2, 2])).index_add(0, tensor(new long[] { 1, 1 }), a[1]), [[2, 3], [2, 2]]),
        ["sparse_mm"] = (a => sparse.mm(sparse_coo_tensor(tensor(new long[] { 0, 1, 2, 1, 0, 2 }, [2, 3]), a[0], [3, 3]), a[1]), [[3], [3, 2]]),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void AutogradMatchesFiniteDifferences(string name)
    {
        using var scope = NewDisposeScope();
        var (f, shapes) = Functions[name];
        manual_seed(11);
        var inputs = shapes.Select(s => randn(s, float64, requires_grad: true)).ToArray();
        var output = f(inputs);
        var upstream = randn(output.shape, float64);
        var analytic = autograd.grad([(output * upstream).sum()], inputs);

        const double eps = 1e-6;
        using var _ = no_grad();
        for (int i = 0; i < inputs.Length; i++)
        {
            var values = inputs[i].detach().contiguous().data<double>();
            var numeric = new double[values.Length];
            for (int k = 0; k < values.Length; k++)
            {
                numeric[k] = (Objective(f, inputs, i, values, k, eps, upstream) - Objective(f, inputs, i, values, k, -eps, upstream)) / (2 * eps);
            }
            var expected = analytic[i]!.contiguous().data<double>();
            for (int k = 0; k < values.Length; k++)
                Assert.True(Math.Abs(numeric[k] - expected[k]) <= 1e-5 + 1e-4 * Math.Abs(expected[k]),
                    $"{name}: d/d input{i}[{k}]: finite difference {numeric[k]}, autograd {expected[k]}");
        }
    }

    private static double Objective(Func<Tensor[], Tensor> f, Tensor[] inputs, int i, double[] values, int k, double delta, Tensor upstream)
    {
        using var scope = NewDisposeScope();
        var perturbed = (double[])values.Clone();
        perturbed[k] += delta;
        var args = (Tensor[])inputs.Clone();
        args[i] = tensor(perturbed, inputs[i].shape);
        return (f(args) * upstream).sum().ToDouble();
    }
}
