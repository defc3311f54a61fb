using Research.Torch.Native;

namespace Research.Torch;

public static partial class torch
{
    /// <summary>PyTorch's <c>torch.cuda</c>: devices, their synchronisation, seeds and the caching allocator's
    /// counters. On a libtorch without CUDA, <see cref="is_available"/> is false and the calls that need a GPU throw
    /// a <see cref="TorchException"/> that says so.</summary>
    public static class cuda
    {
        public static bool is_available() => NativeMethods.rt_cuda_is_available() != 0;

        public static int device_count() => NativeMethods.rt_cuda_device_count();

        /// <summary>Waits until every kernel queued on <paramref name="device"/> (-1: the current one) has finished:
        /// what a timing must do before it reads the clock, since CUDA calls return before their work is done.</summary>
        public static void synchronize(int device = -1) =>
            NativeMethods.Check(NativeMethods.rt_cuda_synchronize(device), "cuda.synchronize");

        /// <summary>Seeds every GPU's generator (nothing to do without one). <see cref="manual_seed"/> seeds these too.</summary>
        public static void manual_seed_all(long seed) =>
            NativeMethods.Check(NativeMethods.rt_cuda_manual_seed_all((ulong)seed), "cuda.manual_seed_all");

        /// <summary>True when the native library was built with CUDA's runtime headers, which the allocator's
        /// counters need (src/native/CMakeLists.txt).</summary>
        public static bool memory_stats_available() => NativeMethods.rt_cuda_memory_stats_built() != 0;

        /// <summary>Bytes held by live tensors on <paramref name="device"/>.</summary>
        public static long memory_allocated(int device = -1) => Stats(device, "cuda.memory_allocated")[0];

        /// <summary>The most bytes held by live tensors since start or <see cref="reset_peak_memory_stats"/>.</summary>
        public static long max_memory_allocated(int device = -1) => Stats(device, "cuda.max_memory_allocated")[1];

        /// <summary>Bytes the caching allocator holds from the driver, in use or idle.</summary>
        public static long memory_reserved(int device = -1) => Stats(device, "cuda.memory_reserved")[2];

        public static void reset_peak_memory_stats(int device = -1) =>
            NativeMethods.Check(NativeMethods.rt_cuda_reset_peak_memory_stats(device), "cuda.reset_peak_memory_stats");

        /// <summary>Hands idle cached blocks back to the driver; memory held by live tensors stays.</summary>
        public static void empty_cache() => NativeMethods.Check(NativeMethods.rt_cuda_empty_cache(), "cuda.empty_cache");

        private static unsafe long[] Stats(int device, string function)
        {
            var stats = new long[4];
            fixed (long* p = stats) NativeMethods.Check(NativeMethods.rt_cuda_memory_stats(device, p), function);
            return stats;
        }
    }
}
