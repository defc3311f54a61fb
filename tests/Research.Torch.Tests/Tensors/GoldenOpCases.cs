using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Golden;

/// <summary>The operator cases of tests/golden/torch_ops.py by name, and how one is evaluated. One table for two
/// users: tests/Research.Torch.Tests/Tensors/GoldenOpsTests.cs holds the results against PyTorch's, and the benchmark's
/// <c>device-check</c> (which links this file) holds a GPU's results against the CPU's. Each case gets its inputs and
/// the device they are on, since some make index, label or mask tensors of their own, which must live there too.</summary>
internal static class GoldenOpCases
{
    public static readonly IReadOnlyDictionary<string, Func<Tensor[], Device, Tensor>> All = new Dictionary<string, Func<Tensor[], Device, Tensor>>
    {
        ["linear"] = (a, d) => F.linear(a[0], a[1], a[2]),
        ["conv2d"] = (a, d) => F.conv2d(a[0], a[1], a[2], stride: 2, padding: 1),
        ["conv2d_dilated"] = (a, d) => F.conv2d(a[0], a[1], null, stride: 1, padding: 2, dilation: 2),
        ["conv2d_depthwise"] = (a, d) => F.conv2d(a[0], a[1], null, stride: 1, padding: 1, groups: 3),
        ["avg_pool2d"] = (a, d) => F.avg_pool2d(a[0], 3, 1, 1),
        ["avg_pool2d_no_pad_count"] = (a, d) => F.avg_pool2d(a[0], 3, 1, 1, count_include_pad: false),
        ["max_pool2d"] = (a, d) => F.max_pool2d(a[0], 2),
        ["adaptive_avg_pool2d"] = (a, d) => F.adaptive_avg_pool2d(a[0], 1),
        ["layer_norm"] = (a, d) => F.layer_norm(a[0], [5], a[1], a[2], 1e-6),
        ["group_norm"] = (a, d) => F.group_norm(a[0], 1, a[1], a[2]),
        ["group_norm3"] = (a, d) => F.group_norm(a[0], 3, a[1], a[2]),
        ["batch_norm_train"] = (a, d) => F.batch_norm(a[0], zeros([3], a[0].dtype, d), ones([3], a[0].dtype, d), a[1], a[2], training: true),
        ["gelu"] = (a, d) => F.gelu(a[0]),
        ["gelu_tanh"] = (a, d) => F.gelu(a[0], "tanh"),
        ["relu"] = (a, d) => F.relu(a[0]),
        ["silu"] = (a, d) => F.silu(a[0]),
        ["sigmoid"] = (a, d) => a[0].sigmoid(),
        ["tanh"] = (a, d) => a[0].tanh(),
        ["softmax"] = (a, d) => F.softmax(a[0], -1),
        ["log_softmax"] = (a, d) => F.log_softmax(a[0], 1),
        ["cross_entropy"] = (a, d) => F.cross_entropy(a[0], Labels(d)),
        ["cross_entropy_smoothing"] = (a, d) => F.cross_entropy(a[0], Labels(d), label_smoothing: 0.1),
        ["nll_loss"] = (a, d) => F.nll_loss(F.log_softmax(a[0], 1), Labels(d)),
        ["kl_div_log_target"] = (a, d) => F.kl_div(a[0], a[1], "batchmean", log_target: true),
        ["kl_div"] = (a, d) => F.kl_div(a[0], a[1], "sum"),
        ["mse_loss"] = (a, d) => F.mse_loss(a[0], a[1]),
        ["interpolate_nearest"] = (a, d) => F.interpolate(a[0], size: [9, 9]),
        ["interpolate_bilinear"] = (a, d) => F.interpolate(a[0], size: [9, 4], mode: "bilinear", align_corners: false),
        ["interpolate_bicubic"] = (a, d) => F.interpolate(a[0], size: [10, 10], mode: "bicubic", align_corners: false),
        ["interpolate_bicubic_corners"] = (a, d) => F.interpolate(a[0], scale_factor: 1.5, mode: "bicubic", align_corners: true),
        ["grid_sample"] = (a, d) => F.grid_sample(a[0], a[1], align_corners: false),
        ["grid_sample_border"] = (a, d) => F.grid_sample(a[0], a[1], padding_mode: "border", align_corners: true),
        ["pad_replicate"] = (a, d) => F.pad(a[0], [1, 2, 0, 1], "replicate"),
        ["pad_reflect"] = (a, d) => F.pad(a[0], [1, 1, 2, 2], "reflect"),
        ["pad_constant"] = (a, d) => F.pad(a[0], [1, 1, 1, 1], value: 0.5),
        ["unfold"] = (a, d) => F.unfold(a[0], 3, padding: 1, stride: 2),
        ["roll"] = (a, d) => a[0].roll([1, -2], [2, 3]),
        ["flip"] = (a, d) => a[0].flip(1, 3),
        ["matmul"] = (a, d) => a[0].matmul(a[1]),
        ["bmm"] = (a, d) => a[0].bmm(a[1]),
        ["einsum"] = (a, d) => einsum("bhn,hnm->bhm", a[0], a[1]),
        ["logsumexp"] = (a, d) => a[0].logsumexp(1),
        ["var"] = (a, d) => a[0].var(1),
        ["std_biased"] = (a, d) => a[0].std([0], unbiased: false, keepdim: true),
        ["mean_dims"] = (a, d) => a[0].mean([2, 3], keepdim: true),
        ["max_dim"] = (a, d) => a[0].max(1).values,
        ["pow_exp_log"] = (a, d) => (a[0].abs() + 0.5).log().exp().pow(1.5).sqrt(),
        ["clamp"] = (a, d) => a[0].clamp(-0.5, 0.7),
        ["gather"] = (a, d) => a[0].gather(1, Index(d)),
        ["index_add"] = (a, d) => a[0].index_add(0, tensor(new long[] { 0, 2, 0 }, device: d), a[1]),
        ["index_select"] = (a, d) => a[0].index_select(1, tensor(new long[] { 2, 0, 2 }, device: d)),
        ["scatter_add"] = (a, d) => a[0].scatter_add(1, Index(d), a[1]),
        ["masked_fill"] = (a, d) => a[0].masked_fill(Mask(d), -1.0),
        ["where"] = (a, d) => where(Mask(d), a[0], a[1]),
        ["cumsum"] = (a, d) => a[0].cumsum(1),
        ["slicing"] = (a, d) => a[0][.., 1.., TensorIndex.Slice(null, null, 2), 1..^1],
        ["cat_stack"] = (a, d) => stack([cat([a[0], a[1]], 1), cat([a[1], a[0]], 1)]),
        ["permute_reshape"] = (a, d) => a[0].permute(0, 2, 3, 1).reshape(2, 36, 3).transpose(1, 2).flatten(1),
        ["expand_repeat"] = (a, d) => a[0].unsqueeze(0).expand(3, 2, 4).repeat(1, 2, 1),
        ["sparse_mm"] = (a, d) => sparse.mm(sparse_coo_tensor(tensor(new long[] { 0, 1, 2, 2, 1, 0, 2, 0 }, [2, 4], d), a[0], [3, 3]), a[1]),
        ["dropout_eval"] = (a, d) => F.dropout(a[0], 0.5, training: false),
        ["one_hot"] = (a, d) => F.one_hot(tensor(new long[] { 0, 2, 1 }, device: d), 4),
        ["argmax"] = (a, d) => a[0].argmax(1),
    };

    private static Tensor Labels(Device d) => tensor(new long[] { 1, 0, 6 }, device: d);
    private static Tensor Index(Device d) => tensor(new long[] { 0, 2, 1, 1, 1, 0 }, [2, 3], d);
    private static Tensor Mask(Device d) => tensor(new[] { true, false, true, false, false, true }, [2, 3], d);

    /// <summary>Runs case <paramref name="name"/> on copies of its golden inputs moved to <paramref name="device"/>
    /// (floating ones cast to <paramref name="floatType"/> when given), and differentiates <c>sum(output * upstream)</c>
    /// with respect to every floating input. <c>Grads</c> is null for a case without an upstream in the file; an entry
    /// is null where the output does not depend on that input. Call inside a dispose scope: everything made here is the
    /// scope's.</summary>
    public static (Tensor Output, Tensor?[]? Grads) Evaluate(IReadOnlyDictionary<string, Tensor> golden, string name, Device device,
        ScalarType? floatType = null)
    {
        Tensor Place(Tensor t) =>
            (floatType is { } f && t.is_floating_point() ? t.to(f, copy: true) : t.clone()).to(device);
        // The copy matters on the CPU too: requires_grad is set on it, never on the fixture's tensor.
        var inputs = Enumerable.Range(0, 8).TakeWhile(k => golden.ContainsKey($"{name}.input{k}"))
            .Select(k => Place(golden[$"{name}.input{k}"])).ToArray();
        foreach (var t in inputs.Where(t => t.is_floating_point())) t.requires_grad = true;

        var output = All[name](inputs, device);
        if (!golden.TryGetValue($"{name}.upstream", out var upstream)) return (output, null);
        var grads = autograd.grad([(output * Place(upstream)).sum()], inputs.Where(t => t.requires_grad).ToArray(), allow_unused: true);
        return (output, grads);
    }
}
