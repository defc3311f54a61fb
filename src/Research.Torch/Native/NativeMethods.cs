using System.Reflection;
using System.Runtime.InteropServices;

namespace Research.Torch.Native;

/// <summary>The C ABI of src/native/shim.cpp. Functions returning <c>IntPtr</c> return an
/// error string (free with <see cref="rt_free_string"/>) or zero on success.</summary>
internal static unsafe partial class NativeMethods
{
    internal const string Library = "research_native";

    static NativeMethods() => NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);

    /// <summary>Forces the static constructor, so a missing library fails at a known place.</summary>
    internal static void EnsureLoaded() { }

    // The shim is found through RESEARCH_NATIVE, next to the assembly (a publish or a
    // build with the native copy step), then in the repository's build folder above the
    // assembly, so tests and notebooks run from a checkout as is.
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name == Library ? NativeLibraryLocator.Load(NativeLibraryLocator.Candidates(assembly)) : IntPtr.Zero;

    [LibraryImport(Library)] internal static partial void rt_free_string(IntPtr s);
    [LibraryImport(Library)] internal static partial long rt_live_tensors();
    [LibraryImport(Library)] internal static partial void rt_cpu_cache_stats(long* stats);
    [LibraryImport(Library)] internal static partial void rt_cpu_cache_empty();
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr rt_op_find(string name, string overload, out IntPtr op);
    [LibraryImport(Library)] internal static partial IntPtr rt_op_schema(IntPtr op, out IntPtr schema);
    [LibraryImport(Library)]
    internal static partial IntPtr rt_op_call(IntPtr op, NativeArg* args, int nargs, NativeArg* outs, int cap, out int nouts);

    [LibraryImport(Library)] internal static partial void rt_tensor_free(IntPtr t);
    [LibraryImport(Library)] internal static partial IntPtr rt_tensor_alias(IntPtr t);
    [LibraryImport(Library)] internal static partial int rt_tensor_ndim(IntPtr t);
    [LibraryImport(Library)] internal static partial void rt_tensor_sizes(IntPtr t, long* sizes);
    [LibraryImport(Library)] internal static partial void rt_tensor_strides(IntPtr t, long* strides);
    [LibraryImport(Library)] internal static partial int rt_tensor_dtype(IntPtr t);
    [LibraryImport(Library)] internal static partial long rt_tensor_numel(IntPtr t);
    [LibraryImport(Library)] internal static partial void rt_tensor_device(IntPtr t, out int type, out int index);
    [LibraryImport(Library)] internal static partial IntPtr rt_tensor_data_ptr(IntPtr t);
    [LibraryImport(Library)] internal static partial int rt_tensor_is_contiguous(IntPtr t);
    [LibraryImport(Library)] internal static partial int rt_tensor_same(IntPtr a, IntPtr b);
    [LibraryImport(Library)]
    internal static partial IntPtr rt_tensor_from_data(void* data, long* sizes, int ndim, int dtype, out IntPtr t);
    [LibraryImport(Library)] internal static partial IntPtr rt_tensor_copy_to(IntPtr t, void* dst, long nbytes);
    [LibraryImport(Library)] internal static partial IntPtr rt_tensor_set_data(IntPtr t, IntPtr value);

    [LibraryImport(Library)] internal static partial int rt_tensor_requires_grad(IntPtr t);
    [LibraryImport(Library)] internal static partial IntPtr rt_tensor_set_requires_grad(IntPtr t, int value);
    [LibraryImport(Library)] internal static partial int rt_tensor_is_leaf(IntPtr t);
    [LibraryImport(Library)] internal static partial IntPtr rt_tensor_grad_fn_name(IntPtr t, out IntPtr name);
    [LibraryImport(Library)] internal static partial IntPtr rt_tensor_grad(IntPtr t, out IntPtr grad);
    [LibraryImport(Library)] internal static partial IntPtr rt_tensor_set_grad(IntPtr t, IntPtr grad);
    [LibraryImport(Library)]
    internal static partial IntPtr rt_backward(IntPtr* tensors, IntPtr* grads, int n, int retainGraph, int createGraph);
    [LibraryImport(Library)]
    internal static partial IntPtr rt_autograd_grad(IntPtr* outputs, IntPtr* gradOutputs, int nout, IntPtr* inputs, int nin,
        int retainGraph, int createGraph, int allowUnused, IntPtr* outs);
    [LibraryImport(Library)] internal static partial int rt_set_grad_enabled(int enabled);
    [LibraryImport(Library)] internal static partial int rt_is_grad_enabled();

    [LibraryImport(Library)]
    internal static partial IntPtr rt_adamw_step(IntPtr* parameters, IntPtr* grads, IntPtr* expAvgs, IntPtr* expAvgSqs, int n,
        double lr, double beta1, double beta2, double eps, double weightDecay, long step, int multiTensor, out int fused);
    [LibraryImport(Library)]
    internal static partial IntPtr rt_spatial_shift(IntPtr x, long* groups, int ngroups, int cdim, int hdim, int wdim, out IntPtr result);
    [LibraryImport(Library)] internal static partial void rt_manual_seed(ulong seed);
    [LibraryImport(Library)] internal static partial IntPtr rt_rng_get_state(out IntPtr state);
    [LibraryImport(Library)] internal static partial IntPtr rt_rng_set_state(IntPtr state);
    [LibraryImport(Library)] internal static partial void rt_set_num_threads(int n);
    [LibraryImport(Library)] internal static partial int rt_get_num_threads();
    [LibraryImport(Library)] internal static partial void rt_set_blas_threads(int n);
    [LibraryImport(Library)] internal static partial int rt_get_blas_threads();

    // torch.cuda and autocast (src/native/cuda.cpp).
    [LibraryImport(Library)] internal static partial int rt_cuda_is_available();
    [LibraryImport(Library)] internal static partial int rt_cuda_device_count();
    [LibraryImport(Library)] internal static partial IntPtr rt_cuda_synchronize(int device);
    [LibraryImport(Library)] internal static partial IntPtr rt_cuda_manual_seed_all(ulong seed);
    [LibraryImport(Library)] internal static partial int rt_cuda_memory_stats_built();
    [LibraryImport(Library)] internal static partial IntPtr rt_cuda_memory_stats(int device, long* stats);
    [LibraryImport(Library)] internal static partial IntPtr rt_cuda_reset_peak_memory_stats(int device);
    [LibraryImport(Library)] internal static partial IntPtr rt_cuda_empty_cache();
    [LibraryImport(Library)]
    internal static partial IntPtr rt_autocast_enter(int deviceType, int enabled, int dtype, out int previousEnabled, out int previousDtype);
    [LibraryImport(Library)] internal static partial IntPtr rt_autocast_exit(int deviceType, int previousEnabled, int previousDtype);
    [LibraryImport(Library)] internal static partial int rt_autocast_is_enabled(int deviceType);
    [LibraryImport(Library)] internal static partial IntPtr rt_config(out IntPtr text);

    // c10d (src/native/distributed.cpp): stores, process groups, collectives, DDP's reducer.
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int rt_dist_backend_available(string backend);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr rt_store_tcp(string host, int port, int isServer, int worldSize, long timeoutMs, out IntPtr store);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr rt_store_file(string path, int worldSize, long timeoutMs, out IntPtr store);
    [LibraryImport(Library)] internal static partial void rt_store_free(IntPtr store);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr rt_store_set(IntPtr store, string key, byte* value, long len);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr rt_store_get(IntPtr store, string key, out IntPtr value, out long len);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr rt_store_add(IntPtr store, string key, long delta, out long value);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr rt_pg_new(string backend, IntPtr store, int rank, int size, long timeoutMs, out IntPtr group);
    [LibraryImport(Library)] internal static partial void rt_pg_free(IntPtr group);
    [LibraryImport(Library)] internal static partial IntPtr rt_pg_all_reduce(IntPtr group, IntPtr* tensors, int n, int op);
    [LibraryImport(Library)] internal static partial IntPtr rt_pg_broadcast(IntPtr group, IntPtr* tensors, int n, int root);
    [LibraryImport(Library)] internal static partial IntPtr rt_pg_all_gather(IntPtr group, IntPtr* outputs, int n, IntPtr input);
    [LibraryImport(Library)] internal static partial IntPtr rt_pg_barrier(IntPtr group);
    [LibraryImport(Library)] internal static partial IntPtr rt_pg_monitored_barrier(IntPtr group, long timeoutMs);
    [LibraryImport(Library)] internal static partial IntPtr rt_pg_broadcast_coalesced(IntPtr group, IntPtr* tensors, int n, long bufferBytes, int root);
    [LibraryImport(Library)]
    internal static partial IntPtr rt_reducer_new(IntPtr group, IntPtr* parameters, IntPtr* names, int n, long bucketBytes, long firstBucketBytes,
        int findUnused, out IntPtr reducer);
    [LibraryImport(Library)] internal static partial IntPtr rt_reducer_free(IntPtr reducer);
    [LibraryImport(Library)] internal static partial IntPtr rt_reducer_prepare_for_forward(IntPtr reducer);
    [LibraryImport(Library)] internal static partial IntPtr rt_reducer_prepare_for_backward(IntPtr reducer, IntPtr* outputs, int n);
    [LibraryImport(Library)] internal static partial int rt_reducer_bucket_count(IntPtr reducer);

    /// <summary>Throws when <paramref name="error"/> is a native error string; frees it.</summary>
    internal static void Check(IntPtr error, string function)
    {
        if (error == IntPtr.Zero) return;
        throw new TorchException(function, TakeString(error)!);
    }

    internal static string? TakeString(IntPtr s)
    {
        if (s == IntPtr.Zero) return null;
        try { return Marshal.PtrToStringUTF8(s); }
        finally { rt_free_string(s); }
    }
}
