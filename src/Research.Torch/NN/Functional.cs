using Research.Torch.Native;

namespace Research.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary><c>torch.nn.functional</c>: stateless layers and losses.</summary>
        public static class functional
        {
            /// <summary>y = x Wᵀ + b; under a <see cref="MacCounter"/> it costs (rows of x) · in · out = numel(x) · out MACs.</summary>
            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null)
            {
                var y = aten.linear.Invoke(input, weight, bias);
                if (MacCounter.Active) MacCounter.Report("linear", input.numel() * weight.size(0), weight);
                return y;
            }

            /// <summary>2-D convolution over <c>[B, C, H, W]</c>; <paramref name="groups"/> = C gives a depthwise convolution.</summary>
            /// <remarks>Under a <see cref="MacCounter"/> every output element costs (in / groups) · kh · kw MACs.</remarks>
            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? stride = null, long[]? padding = null,
                long[]? dilation = null, long groups = 1)
            {
                var y = aten.conv2d.Invoke(input, weight, bias, stride ?? [1, 1], padding ?? [0, 0], dilation ?? [1, 1], groups);
                // weight is [out, in / groups, kh, kw]: its last three sizes are what each output element contracts
                if (MacCounter.Active) MacCounter.Report("conv2d", y.numel() * weight.size(1) * weight.size(2) * weight.size(3), weight);
                return y;
            }

            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias, long stride, long padding = 0, long dilation = 1, long groups = 1) =>
                conv2d(input, weight, bias, [stride, stride], [padding, padding], [dilation, dilation], groups);

            /// <summary>Average pooling; with <paramref name="count_include_pad"/> false, padded zeros are left out of the
            /// mean (PoolFormer's pooling uses that).</summary>
            public static Tensor avg_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false,
                bool count_include_pad = true) =>
                aten.avg_pool2d.Invoke(input, new[] { kernel_size, kernel_size }, new[] { stride ?? kernel_size, stride ?? kernel_size },
                    new[] { padding, padding }, ceil_mode, count_include_pad);

            public static Tensor max_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0) =>
                aten.max_pool2d.Invoke(input, new[] { kernel_size, kernel_size }, new[] { stride ?? kernel_size, stride ?? kernel_size }, new[] { padding, padding });

            public static Tensor adaptive_avg_pool2d(Tensor input, long output_size) =>
                aten.adaptive_avg_pool2d.Invoke(input, new[] { output_size, output_size });

            public static Tensor adaptive_avg_pool2d(Tensor input, long[] output_size) => aten.adaptive_avg_pool2d.Invoke(input, output_size);

            public static Tensor layer_norm(Tensor input, long[] normalized_shape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
                aten.layer_norm.Invoke(input, normalized_shape, weight, bias, eps);

            public static Tensor group_norm(Tensor input, long num_groups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
                aten.group_norm.Invoke(input, num_groups, weight, bias, eps);

            /// <summary>Batch normalisation. In training, batch statistics normalise and the running
            /// statistics are updated in place with <paramref name="momentum"/>; in eval the running ones normalise.</summary>
            public static Tensor batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight = null, Tensor? bias = null,
                bool training = false, double momentum = 0.1, double eps = 1e-5) =>
                aten.batch_norm.Invoke(input, weight, bias, running_mean, running_var, training, momentum, eps, false);

            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true) =>
                !training || p == 0 ? aten.alias.Invoke(input) : aten.dropout.Invoke(input, p, training);

            /// <summary>GELU; <paramref name="approximate"/> "none" is the exact erf form, "tanh" the approximation.</summary>
            public static Tensor gelu(Tensor input, string approximate = "none") => aten.gelu.Invoke(input, approximate);
            public static Tensor relu(Tensor input) => aten.relu.Invoke(input);
            public static Tensor leaky_relu(Tensor input, double negative_slope = 0.01) => aten.leaky_relu.Invoke(input, negative_slope);
            public static Tensor elu(Tensor input, double alpha = 1.0) => aten.elu.Invoke(input, alpha);
            public static Tensor silu(Tensor input) => aten.silu.Invoke(input);
            public static Tensor sigmoid(Tensor input) => aten.sigmoid.Invoke(input);
            public static Tensor tanh(Tensor input) => aten.tanh.Invoke(input);
            public static Tensor softmax(Tensor input, long dim) => aten.softmax.Invoke(input, dim);
            public static Tensor log_softmax(Tensor input, long dim) => aten.log_softmax.Invoke(input, dim);

            /// <summary>Integer labels <c>[N]</c> to <c>[N, num_classes]</c> int64 one-hot rows.</summary>
            public static Tensor one_hot(Tensor labels, long num_classes = -1) => aten.one_hot.Invoke(labels, num_classes);

            /// <summary>Cross-entropy from logits; targets are class indices or class probabilities.
            /// <paramref name="label_smoothing"/> mixes the target with the uniform distribution.</summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, string reduction = "mean",
                long ignore_index = -100, double label_smoothing = 0.0) =>
                aten.cross_entropy.Invoke(input, target, weight, Reduction(reduction), ignore_index, label_smoothing);

            public static Tensor nll_loss(Tensor input, Tensor target, Tensor? weight = null, string reduction = "mean", long ignore_index = -100) =>
                aten.nll_loss.Invoke(input, target, weight, Reduction(reduction), ignore_index);

            /// <summary>KL(target || input) with <paramref name="input"/> as log-probabilities; with
            /// <paramref name="log_target"/> the target is log-probabilities too. "batchmean" divides the sum by the batch size.</summary>
            public static Tensor kl_div(Tensor input, Tensor target, string reduction = "mean", bool log_target = false)
            {
                if (reduction != "batchmean") return aten.kl_div.Invoke(input, target, Reduction(reduction), log_target);
                using var sum = aten.kl_div.Invoke(input, target, 2L, log_target);
                return sum / input.size(0);
            }

            public static Tensor mse_loss(Tensor input, Tensor target, string reduction = "mean") =>
                aten.mse_loss.Invoke(input, target, Reduction(reduction));

            public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, string reduction = "mean") =>
                aten.binary_cross_entropy_with_logits.Invoke(input, target, Arg.None, Arg.None, Reduction(reduction));

            /// <summary>Pads the last dimensions: <paramref name="pad"/> is (left, right, top, bottom, ...) as in PyTorch;
            /// <paramref name="mode"/> is constant, reflect, replicate or circular.</summary>
            public static Tensor pad(Tensor input, long[] pad, string mode = "constant", double value = 0) =>
                aten.pad.Invoke(input, pad, mode, mode == "constant" ? value : Arg.None);

            /// <summary>Resizes <c>[B, C, H, W]</c> to <paramref name="size"/> or by <paramref name="scale_factor"/>;
            /// <paramref name="mode"/> is nearest, bilinear or bicubic.</summary>
            public static Tensor interpolate(Tensor input, long[]? size = null, double? scale_factor = null, string mode = "nearest", bool? align_corners = null)
            {
                if ((size is null) == (scale_factor is null))
                    throw new ArgumentException("interpolate: give exactly one of size and scale_factor");
                if (mode == "nearest" && align_corners is not null)
                    throw new ArgumentException("interpolate: align_corners only applies to bilinear and bicubic modes");
                double[]? scales = scale_factor is null ? null : [scale_factor.Value, scale_factor.Value];
                return mode switch
                {
                    "nearest" => aten.upsample_nearest2d.Invoke(input, size, scales),
                    "bilinear" => aten.upsample_bilinear2d.Invoke(input, size, align_corners ?? false, scales),
                    "bicubic" => aten.upsample_bicubic2d.Invoke(input, size, align_corners ?? false, scales),
                    _ => throw new ArgumentException($"interpolate: unknown mode '{mode}' (nearest, bilinear, bicubic)"),
                };
            }

            /// <summary>Samples <c>[B, C, H, W]</c> at the normalised (x, y) locations of <paramref name="grid"/> <c>[B, Ho, Wo, 2]</c>.</summary>
            public static Tensor grid_sample(Tensor input, Tensor grid, string mode = "bilinear", string padding_mode = "zeros", bool align_corners = false)
            {
                long m = mode switch { "bilinear" => 0, "nearest" => 1, "bicubic" => 2, _ => throw new ArgumentException($"grid_sample: unknown mode '{mode}'") };
                long p = padding_mode switch { "zeros" => 0, "border" => 1, "reflection" => 2, _ => throw new ArgumentException($"grid_sample: unknown padding_mode '{padding_mode}'") };
                return aten.grid_sampler.Invoke(input, grid, m, p, align_corners);
            }

            /// <summary>im2col: <c>[B, C, H, W]</c> to <c>[B, C*k*k, L]</c> sliding blocks.</summary>
            public static Tensor unfold(Tensor input, long kernel_size, long dilation = 1, long padding = 0, long stride = 1) =>
                aten.im2col.Invoke(input, new[] { kernel_size, kernel_size }, new[] { dilation, dilation }, new[] { padding, padding }, new[] { stride, stride });

            public static Tensor embedding(Tensor input, Tensor weight) => aten.embedding.Invoke(weight, input);

            /// <summary>Rows scaled to unit p-norm along <paramref name="dim"/>.</summary>
            public static Tensor normalize(Tensor input, double p = 2, long dim = 1, double eps = 1e-12)
            {
                using var n = input.norm(p, [dim], keepdim: true);
                using var c = n.clamp_min(eps);
                return input / c;
            }

            private static long Reduction(string reduction) => reduction switch
            {
                "none" => 0,
                "mean" => 1,
                "sum" => 2,
                _ => throw new ArgumentException($"Unknown reduction '{reduction}': expected none, mean or sum"),
            };
        }
    }
}
