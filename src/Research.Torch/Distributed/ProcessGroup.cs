using System.Text.RegularExpressions;
using Research.Torch.Native;

namespace Research.Torch;

public static partial class torch
{
    public static partial class distributed
    {
        /// <summary>How <see cref="ProcessGroup.all_reduce(Tensor, ReduceOp)"/> combines the ranks' values (c10d's numbering).
        /// Gloo has no AVG: sum, then divide.</summary>
        public enum ReduceOp { SUM = 0, PRODUCT = 2, MIN = 3, MAX = 4 }

        /// <summary>c10d's process group over a store: Gloo on CPU tensors, NCCL on CUDA tensors. Every collective
        /// waits for its result up to <see cref="Timeout"/>; a failure (a peer gone, a timeout) throws a
        /// <see cref="DistributedException"/> naming this rank, the operation and, where a monitored barrier can tell,
        /// the ranks that no longer answer.</summary>
        public sealed partial class ProcessGroup : IDisposable
        {
            private IntPtr _handle;

            public ProcessGroup(string backend, Store store, int rank, int worldSize, TimeSpan? timeout = null)
            {
                if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), $"ProcessGroup: world size must be at least 1, not {worldSize}");
                if (rank < 0 || rank >= worldSize)
                    throw new ArgumentOutOfRangeException(nameof(rank), $"ProcessGroup: rank {rank} is outside 0..{worldSize - 1} for world size {worldSize}");
                if (NativeMethods.rt_dist_backend_available(backend) == 0)
                    throw new DistributedException(rank, $"ProcessGroup('{backend}')", backend == "nccl"
                        ? "this shim was built against a libtorch without NCCL (build it against a CUDA PyTorch's libtorch)"
                        : $"backend '{backend}' is not available in this build of the shim (gloo needs c10d's and Gloo's headers at build time)");
                (Backend, Rank, Size, Timeout) = (backend, rank, worldSize, timeout ?? DefaultTimeout);
                var error = NativeMethods.rt_pg_new(backend, store.Handle, rank, worldSize, (long)Timeout.TotalMilliseconds, out _handle);
                if (error != IntPtr.Zero) throw new DistributedException(rank, $"ProcessGroup('{backend}')", NativeMethods.TakeString(error)!);
            }

            public string Backend { get; }
            public int Rank { get; }
            public int Size { get; }
            public TimeSpan Timeout { get; }

            internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(ProcessGroup));

            /// <summary>Every rank's <paramref name="tensor"/> becomes their elementwise combination, in place.</summary>
            public void all_reduce(Tensor tensor, ReduceOp op = ReduceOp.SUM) => all_reduce([tensor], op);

            public unsafe void all_reduce(IReadOnlyList<Tensor> tensors, ReduceOp op = ReduceOp.SUM)
            {
                if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), $"all_reduce: unknown reduce op {(int)op}");
                WithHandles(tensors, "all_reduce", (p, n) => NativeMethods.rt_pg_all_reduce(Handle, p, n, (int)op));
            }

            /// <summary>Rank <paramref name="src"/>'s <paramref name="tensor"/> is copied into every rank's, in place.</summary>
            public unsafe void broadcast(Tensor tensor, int src = 0)
            {
                CheckRank(src, "broadcast");
                WithHandles([tensor], "broadcast", (p, n) => NativeMethods.rt_pg_broadcast(Handle, p, n, src));
            }

            /// <summary>Rank <paramref name="src"/>'s tensors into every rank's, packed into buffers of at most
            /// <paramref name="bufferBytes"/> (as DDP broadcasts a model's state at wrap).</summary>
            public unsafe void broadcast_coalesced(IReadOnlyList<Tensor> tensors, long bufferBytes = 250L << 20, int src = 0)
            {
                CheckRank(src, "broadcast_coalesced");
                if (tensors.Count == 0) return;
                WithHandles(tensors, "broadcast_coalesced", (p, n) => NativeMethods.rt_pg_broadcast_coalesced(Handle, p, n, bufferBytes, src));
            }

            /// <summary>Fills <paramref name="outputs"/>[r] with rank r's <paramref name="input"/>; one output per rank, each shaped like the input.</summary>
            public unsafe void all_gather(IReadOnlyList<Tensor> outputs, Tensor input)
            {
                if (outputs.Count != Size) throw new ArgumentException($"all_gather: needs {Size} output tensors (one per rank), got {outputs.Count}", nameof(outputs));
                WithHandles(outputs, "all_gather", (p, n) => NativeMethods.rt_pg_all_gather(Handle, p, n, input.HandleFor("all_gather")));
                GC.KeepAlive(input);
            }

            /// <summary>Returns when every rank has reached it.</summary>
            public void barrier() => Run("barrier", () => NativeMethods.rt_pg_barrier(Handle));

            /// <summary>A barrier in which rank 0 waits at most <paramref name="timeout"/> for each other rank and reports
            /// every rank it did not hear from (Gloo only).</summary>
            public void monitored_barrier(TimeSpan? timeout = null) =>
                Run("monitored_barrier", () => NativeMethods.rt_pg_monitored_barrier(Handle, (long)(timeout ?? Timeout).TotalMilliseconds));

            /// <summary>The error to raise for a failure of <paramref name="operation"/> (seen here or inside libtorch, as
            /// DDP's reducer failing in backward): names this rank and, when a short monitored barrier can tell, the
            /// ranks that no longer answer.</summary>
            public DistributedException Failure(string operation, string message, Exception? inner = null)
            {
                var missing = MissingRanks();
                string who = missing.Count > 0 ? $"; rank{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} no longer answer{(missing.Count > 1 ? "" : "s")}" : "";
                return new DistributedException(Rank, operation, message.TrimEnd() + who, missing, inner);
            }

            // Rank 0's monitored barrier names each silent rank ("Rank 1 failed to pass monitoredBarrier"); another
            // rank's names rank 0 when rank 0 is the one gone. Any rank named other than this one is missing.
            private List<int> MissingRanks()
            {
                if (Backend != "gloo" || Size < 2) return [];
                var probe = TimeSpan.FromMilliseconds(Math.Min(Timeout.TotalMilliseconds, 5000));
                var error = NativeMethods.rt_pg_monitored_barrier(Handle, (long)probe.TotalMilliseconds);
                if (error == IntPtr.Zero) return [];
                var text = NativeMethods.TakeString(error)!;
                return RankMention().Matches(text).Select(m => int.Parse(m.Groups[1].Value)).Where(r => r != Rank && r < Size).Distinct().Order().ToList();
            }

            [GeneratedRegex(@"[Rr]ank (\d+)")]
            private static partial Regex RankMention();

            private void CheckRank(int r, string operation)
            {
                if (r < 0 || r >= Size) throw new ArgumentOutOfRangeException(nameof(r), $"{operation}: source rank {r} is outside 0..{Size - 1}");
            }

            private unsafe delegate IntPtr HandlesCall(IntPtr* handles, int n);

            private unsafe void WithHandles(IReadOnlyList<Tensor> tensors, string operation, HandlesCall call)
            {
                var handles = new IntPtr[tensors.Count];
                for (int i = 0; i < handles.Length; i++) handles[i] = tensors[i].HandleFor(operation);
                IntPtr error;
                fixed (IntPtr* p = handles) error = call(p, handles.Length);
                GC.KeepAlive(tensors);
                Check(operation, error);
            }

            private void Run(string operation, Func<IntPtr> call) => Check(operation, call());

            private void Check(string operation, IntPtr error)
            {
                if (error != IntPtr.Zero) throw Failure(operation, NativeMethods.TakeString(error)!);
            }

            public void Dispose()
            {
                if (_handle != IntPtr.Zero) NativeMethods.rt_pg_free(_handle);
                _handle = IntPtr.Zero;
                GC.SuppressFinalize(this);
            }

            ~ProcessGroup() => Dispose();
        }
    }
}
