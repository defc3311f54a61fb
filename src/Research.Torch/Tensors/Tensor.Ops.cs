using Research.Torch.Native;

namespace Research.Torch;

// Methods on tensors, named and defaulted as PyTorch's. Each is one operator call.
public partial class Tensor
{
    // ----- conversion and copies ------------------------------------------------------

    public Tensor to(ScalarType dtype, bool non_blocking = false, bool copy = false) => aten.to_dtype.Invoke(this, dtype, non_blocking, copy);
    public Tensor to(Device device, bool non_blocking = false, bool copy = false) => aten.to_device.Invoke(this, device, dtype, non_blocking, copy);
    public Tensor to(Device device, ScalarType dtype) => aten.to_device.Invoke(this, device, dtype);
    public Tensor cpu() => to(Device.CPU);

    /// <summary>A copy in page-locked host memory, from which <c>to(cuda, non_blocking: true)</c> copies without
    /// blocking the host. Needs a CUDA libtorch and a GPU, as in PyTorch.</summary>
    public Tensor pin_memory() => aten.pin_memory.Invoke(this, Arg.Default);

    public bool is_pinned() => aten.is_pinned.InvokeScalar(this, Arg.Default) != 0;
    public Tensor cuda() => to(Device.CUDA);
    public Tensor @float() => to(ScalarType.Float32);
    public Tensor @double() => to(ScalarType.Float64);
    public Tensor @long() => to(ScalarType.Int64);
    public Tensor @bool() => to(ScalarType.Bool);
    public Tensor clone() => aten.clone.Invoke(this);
    public Tensor contiguous() => aten.contiguous.Invoke(this);
    /// <summary>The same data, cut off from the autograd graph.</summary>
    public Tensor detach() => aten.detach.Invoke(this);
    /// <summary>A new handle to the same tensor, recorded by autograd as a view.</summary>
    public Tensor alias() => aten.alias.Invoke(this);
    public Tensor copy_(Tensor src) { aten.copy_.InvokeVoid(this, src); return this; }
    public Tensor to_dense() => aten.to_dense.Invoke(this);
    public Tensor coalesce() => aten.coalesce.Invoke(this);

    // ----- shape ------------------------------------------------------------------

    public Tensor reshape(params long[] shape) => aten.reshape.Invoke(this, shape);
    public Tensor view(params long[] shape) => aten.view.Invoke(this, shape);
    public Tensor view_as(Tensor other) => view(other.shape);
    public Tensor reshape_as(Tensor other) => reshape(other.shape);
    public Tensor permute(params long[] dims) => aten.permute.Invoke(this, dims);
    public Tensor transpose(long dim0, long dim1) => aten.transpose.Invoke(this, dim0, dim1);
    public Tensor t() => aten.t.Invoke(this);
    public Tensor T => t();
    public Tensor mT => transpose(-2, -1);
    public Tensor flatten(long start_dim = 0, long end_dim = -1) => aten.flatten.Invoke(this, start_dim, end_dim);
    public Tensor unflatten(long dim, params long[] sizes) => aten.unflatten.Invoke(this, dim, sizes);
    public Tensor squeeze() => aten.squeeze.Invoke(this);
    public Tensor squeeze(long dim) => aten.squeeze_dim.Invoke(this, dim);
    public Tensor unsqueeze(long dim) => aten.unsqueeze.Invoke(this, dim);
    public Tensor expand(params long[] sizes) => aten.expand.Invoke(this, sizes);
    public Tensor expand_as(Tensor other) => aten.expand_as.Invoke(this, other);
    public Tensor repeat(params long[] repeats) => aten.repeat.Invoke(this, repeats);
    public Tensor movedim(long source, long destination) => aten.movedim.Invoke(this, source, destination);
    public Tensor roll(long shifts, long dim) => aten.roll.Invoke(this, new[] { shifts }, new[] { dim });
    public Tensor roll(long[] shifts, long[] dims) => aten.roll.Invoke(this, shifts, dims);
    public Tensor flip(params long[] dims) => aten.flip.Invoke(this, dims);
    /// <summary>Sliding windows along <paramref name="dimension"/> (<c>Tensor.unfold</c>, not <c>F.unfold</c>).</summary>
    public Tensor unfold(long dimension, long size, long step) => aten.unfold.Invoke(this, dimension, size, step);
    public Tensor[] split(long split_size, long dim = 0) => aten.split.InvokeMany(this, split_size, dim);
    public Tensor[] split(long[] split_sizes, long dim = 0) => aten.split_sizes.InvokeMany(this, split_sizes, dim);
    public Tensor[] chunk(long chunks, long dim = 0) => aten.chunk.InvokeMany(this, chunks, dim);
    public Tensor[] unbind(long dim = 0) => aten.unbind.InvokeMany(this, dim);
    public Tensor tril(long diagonal = 0) => aten.tril.Invoke(this, diagonal);
    public Tensor triu(long diagonal = 0) => aten.triu.Invoke(this, diagonal);

    // ----- indexing ---------------------------------------------------------------

    public Tensor slice(long dim, long? start, long? end, long step = 1) => aten.slice.Invoke(this, dim, start, end, step);
    public Tensor narrow(long dim, long start, long length) => aten.narrow.Invoke(this, dim, start, length);
    public Tensor select(long dim, long index) => aten.select.Invoke(this, dim, index);
    public Tensor index_select(long dim, Tensor index) => aten.index_select.Invoke(this, dim, index);
    public Tensor gather(long dim, Tensor index) => aten.gather.Invoke(this, dim, index);
    public Tensor scatter(long dim, Tensor index, Tensor src) => aten.scatter.Invoke(this, dim, index, src);
    public Tensor scatter(long dim, Tensor index, double value) => aten.scatter_value.Invoke(this, dim, index, value);
    public Tensor scatter_add(long dim, Tensor index, Tensor src) => aten.scatter_add.Invoke(this, dim, index, src);
    /// <summary><paramref name="reduce"/>: sum, prod, mean, amax or amin.</summary>
    public Tensor scatter_reduce(long dim, Tensor index, Tensor src, string reduce, bool include_self = true) =>
        aten.scatter_reduce.Invoke(this, dim, index, src, reduce, include_self);
    public Tensor index_add(long dim, Tensor index, Tensor source, double alpha = 1) => aten.index_add.Invoke(this, dim, index, source, Alpha(alpha));
    public Tensor index_add_(long dim, Tensor index, Tensor source, double alpha = 1) { aten.index_add_.InvokeVoid(this, dim, index, source, Alpha(alpha)); return this; }
    public Tensor masked_fill(Tensor mask, double value) => aten.masked_fill.Invoke(this, mask, value);
    public Tensor masked_fill_(Tensor mask, double value) { aten.masked_fill_.InvokeVoid(this, mask, value); return this; }
    public Tensor masked_select(Tensor mask) => aten.masked_select.Invoke(this, mask);
    public Tensor nonzero() => aten.nonzero.Invoke(this);
    /// <summary>Advanced indexing, as <c>x[idx0, idx1]</c> with tensors; null entries take the whole dimension.</summary>
    public Tensor index(params Tensor?[] indices) => aten.index.Invoke(this, indices);
    public Tensor index_put_(Tensor?[] indices, Tensor values, bool accumulate = false) { aten.index_put_.InvokeVoid(this, indices, values, accumulate); return this; }
    public Tensor fill_(double value) { aten.fill_.InvokeVoid(this, value); return this; }
    public Tensor zero_() { aten.zero_.InvokeVoid(this); return this; }

    // ----- arithmetic -------------------------------------------------------------

    public Tensor add(Tensor other, double alpha = 1) => aten.add.Invoke(this, other, Alpha(alpha));
    public Tensor add(double other) => aten.add_scalar.Invoke(this, other, 1);
    public Tensor add(long other) => aten.add_scalar.Invoke(this, other, 1);
    public Tensor add_(Tensor other, double alpha = 1) { aten.add_.InvokeVoid(this, other, Alpha(alpha)); return this; }
    public Tensor add_(double other) { aten.add_scalar_.InvokeVoid(this, other, 1); return this; }
    public Tensor add_(long other) { aten.add_scalar_.InvokeVoid(this, other, 1); return this; }
    public Tensor sub(Tensor other, double alpha = 1) => aten.sub.Invoke(this, other, Alpha(alpha));
    public Tensor sub(double other) => aten.sub_scalar.Invoke(this, other, 1);
    public Tensor sub(long other) => aten.sub_scalar.Invoke(this, other, 1);
    public Tensor sub_(Tensor other, double alpha = 1) { aten.sub_.InvokeVoid(this, other, Alpha(alpha)); return this; }
    public Tensor mul(Tensor other) => aten.mul.Invoke(this, other);
    public Tensor mul(double other) => aten.mul_scalar.Invoke(this, other);
    public Tensor mul(long other) => aten.mul_scalar.Invoke(this, other);
    public Tensor mul_(Tensor other) { aten.mul_.InvokeVoid(this, other); return this; }
    public Tensor mul_(double other) { aten.mul_scalar_.InvokeVoid(this, other); return this; }
    public Tensor div(Tensor other) => aten.div.Invoke(this, other);
    public Tensor div(double other) => aten.div_scalar.Invoke(this, other);
    /// <summary><paramref name="rounding_mode"/>: null (true division), "trunc" or "floor".</summary>
    public Tensor div(Tensor other, string? rounding_mode) => aten.div_mode.Invoke(this, other, rounding_mode);
    public Tensor div_(Tensor other) { aten.div_.InvokeVoid(this, other); return this; }
    public Tensor div_(double other) { aten.div_scalar_.InvokeVoid(this, other); return this; }
    public Tensor remainder(double other) => aten.remainder_scalar.Invoke(this, other);
    /// <summary>this + value · tensor1 ⊙ tensor2 in one pass over the inputs.</summary>
    public Tensor addcmul(Tensor tensor1, Tensor tensor2, double value = 1) => aten.addcmul.Invoke(this, tensor1, tensor2, value);
    public Tensor addcmul_(Tensor tensor1, Tensor tensor2, double value = 1) { aten.addcmul_.InvokeVoid(this, tensor1, tensor2, value); return this; }
    public Tensor addcdiv_(Tensor tensor1, Tensor tensor2, double value = 1) { aten.addcdiv_.InvokeVoid(this, tensor1, tensor2, value); return this; }
    public Tensor lerp_(Tensor end, double weight) { aten.lerp_.InvokeVoid(this, end, weight); return this; }
    public Tensor neg() => aten.neg.Invoke(this);
    public Tensor abs() => aten.abs.Invoke(this);
    public Tensor sign() => aten.sign.Invoke(this);
    public Tensor exp() => aten.exp.Invoke(this);
    public Tensor log() => aten.log.Invoke(this);
    public Tensor log1p() => aten.log1p.Invoke(this);
    public Tensor sqrt() => aten.sqrt.Invoke(this);
    public Tensor rsqrt() => aten.rsqrt.Invoke(this);
    public Tensor pow(double exponent) => aten.pow_scalar.Invoke(this, exponent);
    public Tensor pow(Tensor exponent) => aten.pow_tensor.Invoke(this, exponent);
    public Tensor square() => aten.square.Invoke(this);
    public Tensor reciprocal() => aten.reciprocal.Invoke(this);
    public Tensor sin() => aten.sin.Invoke(this);
    public Tensor cos() => aten.cos.Invoke(this);
    public Tensor tanh() => aten.tanh.Invoke(this);
    public Tensor sigmoid() => aten.sigmoid.Invoke(this);
    public Tensor relu() => aten.relu.Invoke(this);
    public Tensor floor() => aten.floor.Invoke(this);
    public Tensor ceil() => aten.ceil.Invoke(this);
    public Tensor round() => aten.round.Invoke(this);
    public Tensor clamp(double? min = null, double? max = null) => aten.clamp.Invoke(this, min, max);
    public Tensor clamp_(double? min = null, double? max = null) { aten.clamp_.InvokeVoid(this, min, max); return this; }
    public Tensor clamp_min(double min) => clamp(min, null);
    public Tensor clamp_max(double max) => clamp(null, max);
    public Tensor maximum(Tensor other) => aten.maximum.Invoke(this, other);
    public Tensor minimum(Tensor other) => aten.minimum.Invoke(this, other);
    public Tensor isnan() => aten.isnan.Invoke(this);
    public Tensor isfinite() => aten.isfinite.Invoke(this);
    public Tensor logical_not() => aten.logical_not.Invoke(this);
    public Tensor logical_and(Tensor other) => aten.logical_and.Invoke(this, other);
    public Tensor logical_or(Tensor other) => aten.logical_or.Invoke(this, other);
    /// <summary>this @ other with broadcasting; under a <see cref="MacCounter"/> every output element costs the contracted length.</summary>
    public Tensor matmul(Tensor other)
    {
        var y = aten.matmul.Invoke(this, other);
        if (MacCounter.Active) MacCounter.Report("matmul", y.numel() * size(-1));
        return y;
    }
    public Tensor mm(Tensor other) => aten.mm.Invoke(this, other);
    public Tensor bmm(Tensor other) => aten.bmm.Invoke(this, other);
    public Tensor outer(Tensor other) => aten.outer.Invoke(this, other);

    // ----- comparisons ------------------------------------------------------------

    public Tensor eq(Tensor other) => aten.eq.Invoke(this, other);
    public Tensor eq(double other) => aten.eq_scalar.Invoke(this, other);
    public Tensor ne(Tensor other) => aten.ne.Invoke(this, other);
    public Tensor ne(double other) => aten.ne_scalar.Invoke(this, other);
    public Tensor lt(Tensor other) => aten.lt.Invoke(this, other);
    public Tensor lt(double other) => aten.lt_scalar.Invoke(this, other);
    public Tensor le(Tensor other) => aten.le.Invoke(this, other);
    public Tensor le(double other) => aten.le_scalar.Invoke(this, other);
    public Tensor gt(Tensor other) => aten.gt.Invoke(this, other);
    public Tensor gt(double other) => aten.gt_scalar.Invoke(this, other);
    public Tensor ge(Tensor other) => aten.ge.Invoke(this, other);
    public Tensor ge(double other) => aten.ge_scalar.Invoke(this, other);
    public bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false) =>
        aten.allclose.InvokeScalar(this, other, rtol, atol, equal_nan) != 0;
    /// <summary>Same shape and the same values, exactly.</summary>
    public bool equal(Tensor other) => aten.equal.InvokeScalar(this, other) != 0;

    // ----- reductions -------------------------------------------------------------

    public Tensor sum(ScalarType? dtype = null) => aten.sum.Invoke(this, dtype);
    public Tensor sum(long dim, bool keepdim = false) => aten.sum_dim.Invoke(this, new[] { dim }, keepdim);
    // Without it a literal 0 would bind to the dtype overload (C# converts 0 to any enum).
    public Tensor sum(int dim, bool keepdim = false) => sum((long)dim, keepdim);
    public Tensor sum(long[] dim, bool keepdim = false) => aten.sum_dim.Invoke(this, dim, keepdim);
    public Tensor mean() => aten.mean.Invoke(this);
    public Tensor mean(long dim, bool keepdim = false) => aten.mean_dim.Invoke(this, new[] { dim }, keepdim);
    public Tensor mean(long[] dim, bool keepdim = false) => aten.mean_dim.Invoke(this, dim, keepdim);
    public Tensor max() => aten.max.Invoke(this);
    /// <summary>Values and indices of the maximum along <paramref name="dim"/>.</summary>
    public (Tensor values, Tensor indices) max(long dim, bool keepdim = false) => Pair(aten.max_dim.InvokeMany(this, dim, keepdim));
    public Tensor min() => aten.min.Invoke(this);
    public (Tensor values, Tensor indices) min(long dim, bool keepdim = false) => Pair(aten.min_dim.InvokeMany(this, dim, keepdim));
    public Tensor amax(long[] dim, bool keepdim = false) => aten.amax.Invoke(this, dim, keepdim);
    public Tensor argmax() => aten.argmax.Invoke(this);
    public Tensor argmax(long dim, bool keepdim = false) => aten.argmax.Invoke(this, dim, keepdim);
    public Tensor argmin(long dim, bool keepdim = false) => aten.argmin.Invoke(this, dim, keepdim);
    /// <summary>Variance; <paramref name="unbiased"/> divides by N - 1 as PyTorch's default.</summary>
    public Tensor var(long[]? dim = null, bool unbiased = true, bool keepdim = false) => aten.var_dim.Invoke(this, dim, unbiased ? 1L : 0L, keepdim);
    public Tensor var(long dim, bool unbiased = true, bool keepdim = false) => var(new[] { dim }, unbiased, keepdim);
    public Tensor std(long[]? dim = null, bool unbiased = true, bool keepdim = false) => aten.std_dim.Invoke(this, dim, unbiased ? 1L : 0L, keepdim);
    public Tensor std(long dim, bool unbiased = true, bool keepdim = false) => std(new[] { dim }, unbiased, keepdim);
    public Tensor logsumexp(long dim, bool keepdim = false) => aten.logsumexp.Invoke(this, new[] { dim }, keepdim);
    public Tensor prod() => aten.prod.Invoke(this);
    public Tensor cumsum(long dim) => aten.cumsum.Invoke(this, dim);
    /// <summary>The vector p-norm over all elements, or over <paramref name="dim"/>.</summary>
    public Tensor norm(double p = 2, long[]? dim = null, bool keepdim = false) => aten.norm.Invoke(this, p, dim, keepdim);
    public Tensor all() => aten.all.Invoke(this);
    public Tensor any() => aten.any.Invoke(this);
    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false) => Pair(aten.sort.InvokeMany(this, dim, descending));
    public (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true, bool sorted = true) =>
        Pair(aten.topk.InvokeMany(this, k, dim, largest, sorted));

    // ----- functional shortcuts, as on torch.Tensor ---------------------------------

    public Tensor softmax(long dim) => aten.softmax.Invoke(this, dim);
    public Tensor log_softmax(long dim) => aten.log_softmax.Invoke(this, dim);

    private static (Tensor, Tensor) Pair(Tensor[] r) => (r[0], r[1]);

    // Integer tensors reject a floating-point alpha, and a whole alpha means the same as an
    // int one for float tensors, so whole values cross as ints, as Python's literal 1 does.
    // alpha = 1 is left to the schema's default, which skips the argument's type check.
    private static Arg Alpha(double alpha) =>
        alpha == 1 ? Arg.Default
        : alpha == Math.Floor(alpha) && Math.Abs(alpha) < 1e15 ? (Arg)(long)alpha : (Arg)alpha;

    // ----- operators --------------------------------------------------------------

    public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
    public static Tensor operator +(Tensor a, double b) => a.add(b);
    public static Tensor operator +(double a, Tensor b) => b.add(a);
    public static Tensor operator +(Tensor a, long b) => a.add(b);
    public static Tensor operator +(long a, Tensor b) => b.add(a);
    public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
    public static Tensor operator -(Tensor a, double b) => a.sub(b);
    public static Tensor operator -(Tensor a, long b) => a.sub(b);
    public static Tensor operator -(long a, Tensor b) => aten.rsub_scalar.Invoke(b, a, 1);
    public static Tensor operator -(double a, Tensor b) => aten.rsub_scalar.Invoke(b, a, 1);
    public static Tensor operator -(Tensor a) => a.neg();
    public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
    public static Tensor operator *(Tensor a, double b) => a.mul(b);
    public static Tensor operator *(double a, Tensor b) => b.mul(a);
    public static Tensor operator *(Tensor a, long b) => a.mul(b);
    public static Tensor operator *(long a, Tensor b) => b.mul(a);
    public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
    public static Tensor operator /(Tensor a, double b) => a.div(b);
    public static Tensor operator /(double a, Tensor b)
    {
        using var r = b.reciprocal();
        return r.mul(a);
    }
    public static Tensor operator %(Tensor a, double b) => a.remainder(b);
    public static Tensor operator <(Tensor a, Tensor b) => a.lt(b);
    public static Tensor operator <(Tensor a, double b) => a.lt(b);
    public static Tensor operator >(Tensor a, Tensor b) => a.gt(b);
    public static Tensor operator >(Tensor a, double b) => a.gt(b);
    public static Tensor operator <=(Tensor a, Tensor b) => a.le(b);
    public static Tensor operator <=(Tensor a, double b) => a.le(b);
    public static Tensor operator >=(Tensor a, Tensor b) => a.ge(b);
    public static Tensor operator >=(Tensor a, double b) => a.ge(b);
    public static Tensor operator &(Tensor a, Tensor b) => a.logical_and(b);
    public static Tensor operator |(Tensor a, Tensor b) => a.logical_or(b);
    public static Tensor operator !(Tensor a) => a.logical_not();
}
