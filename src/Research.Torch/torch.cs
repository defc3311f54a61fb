using Research.Torch.Native;

namespace Research.Torch;

/// <summary>The <c>torch</c> namespace of PyTorch: creation, math, autograd switches, seeds and
/// threads. <c>using static Research.Torch.torch;</c> brings <c>randn</c>, <c>nn</c> and the rest into scope.</summary>
public static partial class torch
{
    public const ScalarType uint8 = ScalarType.Byte;
    public const ScalarType int32 = ScalarType.Int32;
    public const ScalarType int64 = ScalarType.Int64;
    public const ScalarType float16 = ScalarType.Float16;
    public const ScalarType bfloat16 = ScalarType.BFloat16;
    public const ScalarType float32 = ScalarType.Float32;
    public const ScalarType float64 = ScalarType.Float64;
    public const ScalarType @bool = ScalarType.Bool;
    public const ScalarType @long = ScalarType.Int64;
    public const ScalarType @float = ScalarType.Float32;
    public const ScalarType @double = ScalarType.Float64;

    static torch() => Threads.ApplyDefault();

    /// <summary>Opens a scope that disposes every tensor created in it on this thread (see <see cref="DisposeScope"/>).</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>Native tensor handles alive in this process: what memory tests watch.</summary>
    public static long LiveTensors => NativeMethods.rt_live_tensors();

    // ----- creation -------------------------------------------------------------------

    public static Tensor zeros(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Grad(aten.zeros.Invoke(size, dtype, Arg.None, device), requires_grad);
    public static Tensor zeros(params long[] size) => zeros(size, null);
    public static Tensor ones(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Grad(aten.ones.Invoke(size, dtype, Arg.None, device), requires_grad);
    public static Tensor ones(params long[] size) => ones(size, null);
    public static Tensor empty(long[] size, ScalarType? dtype = null, Device? device = null) => aten.empty.Invoke(size, dtype, Arg.None, device);
    public static Tensor full(long[] size, double value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Grad(aten.full.Invoke(size, value, dtype ?? ScalarType.Float32, Arg.None, device), requires_grad);
    public static Tensor full(long[] size, long value, ScalarType? dtype = null, Device? device = null) =>
        aten.full.Invoke(size, value, dtype ?? ScalarType.Int64, Arg.None, device);
    /// <summary>Integers <c>[0, end)</c> as int64, as <c>torch.arange(end)</c>.</summary>
    public static Tensor arange(long end, ScalarType? dtype = null, Device? device = null) => arange(0L, end, 1L, dtype, device);
    public static Tensor arange(long start, long end, long step = 1, ScalarType? dtype = null, Device? device = null) =>
        aten.arange.Invoke(start, end, step, dtype, Arg.None, device);
    public static Tensor arange(double start, double end, double step = 1, ScalarType? dtype = null, Device? device = null) =>
        aten.arange.Invoke(start, end, step, dtype, Arg.None, device);
    public static Tensor linspace(double start, double end, long steps, ScalarType? dtype = null, Device? device = null) =>
        aten.linspace.Invoke(start, end, steps, dtype, Arg.None, device);
    public static Tensor eye(long n, long? m = null, ScalarType? dtype = null, Device? device = null) =>
        m is null ? aten.eye.Invoke(n, dtype, Arg.None, device) : aten.eye_m.Invoke(n, m.Value, dtype, Arg.None, device);
    public static Tensor randn(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Grad(aten.randn.Invoke(size, dtype, Arg.None, device), requires_grad);
    public static Tensor randn(params long[] size) => randn(size, null);
    public static Tensor rand(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Grad(aten.rand.Invoke(size, dtype, Arg.None, device), requires_grad);
    public static Tensor rand(params long[] size) => rand(size, null);
    /// <summary>Integers uniform in <c>[low, high)</c>, int64 by default.</summary>
    public static Tensor randint(long low, long high, long[] size, ScalarType? dtype = null, Device? device = null) =>
        aten.randint.Invoke(low, high, size, dtype ?? ScalarType.Int64, Arg.None, device);
    public static Tensor randint(long high, long[] size) => randint(0, high, size);
    public static Tensor randperm(long n, Device? device = null) => aten.randperm.Invoke(n, ScalarType.Int64, Arg.None, device);
    public static Tensor zeros_like(Tensor t, ScalarType? dtype = null) => aten.zeros_like.Invoke(t, dtype);
    public static Tensor ones_like(Tensor t, ScalarType? dtype = null) => aten.ones_like.Invoke(t, dtype);
    public static Tensor empty_like(Tensor t) => aten.empty_like.Invoke(t);
    public static Tensor full_like(Tensor t, double value) => aten.full_like.Invoke(t, value);
    public static Tensor randn_like(Tensor t) => aten.randn_like.Invoke(t);
    public static Tensor rand_like(Tensor t) => aten.rand_like.Invoke(t);
    /// <summary>A 0-dimensional tensor, float32 by default as <c>torch.tensor(1.5)</c>.</summary>
    public static Tensor scalar_tensor(double value, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        aten.scalar_tensor.Invoke(value, dtype, Arg.None, device);
    /// <summary>0/1 samples with probability <paramref name="p"/> of 1, in the shape and dtype of <paramref name="t"/>.</summary>
    public static Tensor bernoulli(Tensor t, double p) => aten.bernoulli_p.Invoke(t, p);

    /// <summary>A sparse COO tensor from <c>[ndim, nnz]</c> int64 indices and <c>[nnz]</c> values.</summary>
    public static Tensor sparse_coo_tensor(Tensor indices, Tensor values, long[] size) =>
        aten.sparse_coo_tensor.Invoke(indices, values, size);

    // ----- from and to .NET arrays -----------------------------------------------------

    /// <summary>A tensor holding a copy of <paramref name="data"/> in the shape <paramref name="shape"/>
    /// (1-dimensional when omitted); the dtype follows the element type.</summary>
    public static unsafe Tensor tensor<T>(T[] data, long[]? shape = null, Device? device = null, bool requires_grad = false) where T : unmanaged
    {
        shape ??= new long[] { data.Length };
        long n = shape.Aggregate(1L, (a, b) => a * b);
        if (n != data.Length)
            throw new ArgumentException($"tensor: {data.Length} values do not fill the shape [{string.Join(", ", shape)}] ({n} elements)");
        IntPtr handle;
        fixed (T* p = data)
        fixed (long* s = shape)
            NativeMethods.Check(NativeMethods.rt_tensor_from_data(p, s, shape.Length, (int)ScalarTypeExtensions.Of<T>(), out handle), "tensor");
        var t = new Tensor(handle);
        if (device is not null && device.Type != DeviceType.CPU)
        {
            var moved = t.to(device);
            t.Dispose();
            t = moved;
        }
        return Grad(t, requires_grad);
    }

    public static Tensor tensor<T>(T[,] data, Device? device = null) where T : unmanaged =>
        tensor(data.Cast<T>().ToArray(), new long[] { data.GetLength(0), data.GetLength(1) }, device);

    public static Tensor tensor<T>(T[,,] data, Device? device = null) where T : unmanaged =>
        tensor(data.Cast<T>().ToArray(), new long[] { data.GetLength(0), data.GetLength(1), data.GetLength(2) }, device);

    /// <summary>A 0-dimensional tensor, as <c>torch.tensor(3.0)</c>.</summary>
    public static Tensor tensor(double value, ScalarType dtype = ScalarType.Float32) => scalar_tensor(value, dtype);

    // ----- functions mirrored from Tensor methods ------------------------------------------

    public static Tensor cat(Tensor[] tensors, long dim = 0) => aten.cat.Invoke(tensors, dim);
    public static Tensor cat(IEnumerable<Tensor> tensors, long dim = 0) => cat(tensors.ToArray(), dim);
    public static Tensor stack(Tensor[] tensors, long dim = 0) => aten.stack.Invoke(tensors, dim);
    public static Tensor stack(IEnumerable<Tensor> tensors, long dim = 0) => stack(tensors.ToArray(), dim);
    public static Tensor where(Tensor condition, Tensor x, Tensor y) => aten.where.Invoke(condition, x, y);
    public static Tensor where(Tensor condition, Tensor x, double y) => aten.where_scalar_other.Invoke(condition, x, y);
    /// <summary>Einstein summation, as <c>torch.einsum("bij,bjk->bik", a, b)</c>.</summary>
    public static Tensor einsum(string equation, params Tensor[] operands) => aten.einsum.Invoke(equation, operands);
    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);
    public static Tensor addcmul(Tensor input, Tensor tensor1, Tensor tensor2, double value = 1) => input.addcmul(tensor1, tensor2, value);
    /// <summary>The block-diagonal matrix with <paramref name="tensors"/> on its diagonal, as <c>torch.block_diag</c>.</summary>
    public static Tensor block_diag(params Tensor[] tensors) => aten.block_diag.Invoke(tensors);

    /// <summary>Reduces <paramref name="data"/> over consecutive segments along <paramref name="axis"/>, segment i being
    /// <paramref name="lengths"/>[i] long (<c>torch.segment_reduce</c>; reduce is "sum", "mean", "max", "min" or "prod").
    /// An empty segment gives <paramref name="initial"/>, or the reduction's identity when it is null.</summary>
    public static Tensor segment_reduce(Tensor data, string reduce, Tensor lengths, long axis = 0, double? initial = null) =>
        aten.segment_reduce.Invoke(data, reduce, lengths, Arg.None, Arg.None, axis, false, initial is null ? Arg.None : (Arg)initial.Value);
    public static Tensor mm(Tensor a, Tensor b) => a.mm(b);
    public static Tensor bmm(Tensor a, Tensor b) => a.bmm(b);
    public static Tensor addmm(Tensor input, Tensor mat1, Tensor mat2, double beta = 1, double alpha = 1) => aten.addmm.Invoke(input, mat1, mat2, beta, alpha);
    public static Tensor exp(Tensor x) => x.exp();
    public static Tensor log(Tensor x) => x.log();
    public static Tensor sqrt(Tensor x) => x.sqrt();
    public static Tensor abs(Tensor x) => x.abs();
    public static Tensor pow(Tensor x, double exponent) => x.pow(exponent);
    public static Tensor clamp(Tensor x, double? min = null, double? max = null) => x.clamp(min, max);
    public static Tensor sigmoid(Tensor x) => x.sigmoid();
    public static Tensor tanh(Tensor x) => x.tanh();
    public static Tensor maximum(Tensor a, Tensor b) => a.maximum(b);
    public static Tensor minimum(Tensor a, Tensor b) => a.minimum(b);
    public static Tensor roll(Tensor x, long shifts, long dim) => x.roll(shifts, dim);
    public static Tensor roll(Tensor x, long[] shifts, long[] dims) => x.roll(shifts, dims);
    public static Tensor flip(Tensor x, params long[] dims) => x.flip(dims);
    public static Tensor sum(Tensor x) => x.sum();
    public static Tensor mean(Tensor x) => x.mean();
    public static Tensor argmax(Tensor x, long dim, bool keepdim = false) => x.argmax(dim, keepdim);
    public static Tensor logsumexp(Tensor x, long dim, bool keepdim = false) => x.logsumexp(dim, keepdim);
    public static Tensor flatten(Tensor x, long start_dim = 0, long end_dim = -1) => x.flatten(start_dim, end_dim);
    public static Tensor softmax(Tensor x, long dim) => x.softmax(dim);
    public static Tensor bincount(Tensor x, Tensor? weights = null, long minlength = 0) => aten.bincount.Invoke(x, weights, minlength);
    public static bool allclose(Tensor a, Tensor b, double rtol = 1e-5, double atol = 1e-8) => a.allclose(b, rtol, atol);
    public static bool equal(Tensor a, Tensor b) => a.equal(b);
    public static Tensor cosine_similarity(Tensor x1, Tensor x2, long dim = 1, double eps = 1e-8) => aten.cosine_similarity.Invoke(x1, x2, dim, eps);

    /// <summary>Sparse-dense product, as <c>torch.sparse.mm</c>; gradients flow to the dense side
    /// and to the sparse values.</summary>
    public static class sparse
    {
        public static Tensor mm(Tensor sparse, Tensor dense) => aten.sparse_mm.Invoke(sparse, dense);
    }

    // ----- seeds, devices, threads -------------------------------------------------------

    /// <summary>Seeds the default generator: random creation, dropout and init repeat run to run.</summary>
    public static void manual_seed(long seed) => NativeMethods.rt_manual_seed((ulong)seed);

    /// <summary>The default CPU generator's state, as a uint8 tensor (for checkpoints).</summary>
    public static Tensor get_rng_state()
    {
        NativeMethods.Check(NativeMethods.rt_rng_get_state(out var h), "get_rng_state");
        return new Tensor(h);
    }

    public static void set_rng_state(Tensor state) =>
        NativeMethods.Check(NativeMethods.rt_rng_set_state(state.HandleFor("set_rng_state")), "set_rng_state");

    /// <summary>Intra-op threads; see <see cref="Threads"/> for the default.</summary>
    public static void set_num_threads(int n) => Threads.Set(n);

    public static int get_num_threads() => NativeMethods.rt_get_num_threads();

    /// <summary>The CPU's large-block cache: freed blocks of 32 MB and more are kept for the next request of
    /// the same size instead of going back to the operating system, as PyTorch's CUDA allocator does on the GPU
    /// (src/native/cpu_cache.cpp says why). Idle memory is bounded by <c>RESEARCH_CPU_CACHE_MB</c>, read at start
    /// (default an eighth of physical memory, at most 4 GB; 0 turns the cache off).</summary>
    public static class cpu
    {
        /// <summary>The cache's bound, what it holds idle now, and how many large requests it served or missed.</summary>
        public static unsafe CpuCacheStats cache_stats()
        {
            var v = stackalloc long[5];
            NativeMethods.rt_cpu_cache_stats(v);
            return new CpuCacheStats(v[0], v[1], v[2], v[3], v[4]);
        }

        /// <summary>Returns every idle block to the operating system, as <c>torch.cuda.empty_cache()</c>.</summary>
        public static void empty_cache() => NativeMethods.rt_cpu_cache_empty();
    }

    /// <summary>libtorch's build configuration and parallel settings, as <c>torch.__config__.show()</c>.</summary>
    public static string config()
    {
        NativeMethods.Check(NativeMethods.rt_config(out var s), "config");
        return NativeMethods.TakeString(s)!;
    }

    /// <summary>Any ATen operator by schema name: <c>torch.ops("aten::erf").Invoke(x)</c>.</summary>
    public static Op ops(string name, string overload = "") => OpCache.Get(name, overload);

    private static Tensor Grad(Tensor t, bool requires_grad)
    {
        if (requires_grad) t.requires_grad = true;
        return t;
    }

    private static class OpCache
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), Op> Cache = new();
        public static Op Get(string name, string overload) => Cache.GetOrAdd((name, overload), k => new Op(k.Item1, k.Item2));
    }
}
