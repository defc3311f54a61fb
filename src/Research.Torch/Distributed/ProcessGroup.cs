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
        /// <see cref="DistributedException"/> naming this rank, the operation and the ranks that no longer answer.
        /// The store must outlive the group.</summary>
        public sealed class ProcessGroup : IDisposable
        {
            private IntPtr _handle;

            public ProcessGroup(string backend, Store store, int rank, int worldSize, TimeSpan? timeout = null)
            {
                if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), $"ProcessGroup: world size must be at least 1, not {worldSize}");
                if (rank < 0 || rank >= worldSize)
                    throw new ArgumentOutOfRangeException(nameof(rank), $"ProcessGroup: rank {rank} is outside 0..{worldSize - 1} for world size {worldSize}");
                if (backend is not ("gloo" or "nccl")) throw new DistributedException(rank, $"ProcessGroup('{backend}')", $"unknown backend '{backend}' (gloo or nccl)");
                if (NativeMethods.rt_dist_backend_available(backend) == 0)
                    throw new DistributedException(rank, $"ProcessGroup('{backend}')", backend == "nccl"
                        ? "this shim was built against a libtorch without NCCL (build it against a CUDA PyTorch's libtorch)"
                        : "this shim was built without c10d (Gloo needs c10d's and Gloo's headers when the shim is built; see environment.md)");
                (Backend, Rank, Size, Timeout) = (backend, rank, worldSize, timeout ?? DefaultTimeout);
                var error = NativeMethods.rt_pg_new(backend, store.Handle, rank, worldSize, (long)Timeout.TotalMilliseconds, out _handle);
                if (error != IntPtr.Zero) throw new DistributedException(rank, $"ProcessGroup('{backend}')", NativeMethods.TakeString(error)!);
                _store = store;
                _heartbeat = new Timer(_ => Beat(), null, TimeSpan.Zero, HeartbeatPeriod);
            }

            private readonly Store? _store;
            private readonly Timer? _heartbeat;

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
            /// DDP's reducer failing in backward): names this rank and the ranks that no longer answer.</summary>
            public DistributedException Failure(string operation, string message, Exception? inner = null)
            {
                var missing = MissingRanks();
                string who = missing.Count > 0 ? $"; rank{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} no longer answer{(missing.Count > 1 ? "" : "s")}" : "";
                return new DistributedException(Rank, operation, message.TrimEnd() + who, missing, inner);
            }

            // Gloo's own error names a peer's socket address, not its rank. Each rank therefore counts up a key in the
            // store every second while its process lives; after a failure the ranks whose count stands still are
            // gone. A store that no longer answers means its host, rank 0, is gone.
            private List<int> MissingRanks()
            {
                if (_store is null || Size < 2) return [];
                try
                {
                    var before = AliveCounts();
                    Thread.Sleep(HeartbeatPeriod * 2.5);
                    var after = AliveCounts();
                    return Enumerable.Range(0, Size).Where(r => r != Rank && after[r] == before[r]).ToList();
                }
                catch (DistributedException) when (_store is TCPStore && Rank != 0) { return [0]; }
                catch (DistributedException) { return []; }
            }

            private long[] AliveCounts() => Enumerable.Range(0, Size).Select(r => _store!.add(AliveKey(r), 0)).ToArray();

            private static string AliveKey(int rank) => $"research/alive/{rank}";

            private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(1);

            // Under the lock, so that Dispose never returns while a beat is using the store.
            private void Beat()
            {
                lock (_beatLock)
                {
                    if (_handle == IntPtr.Zero) return;
                    try { _store?.add(AliveKey(Rank), 1); }
                    catch (Exception e) when (e is DistributedException or ObjectDisposedException) { }   // the failure shows where it matters: in a collective
                }
            }

            private readonly object _beatLock = new();

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
                _heartbeat?.Dispose();
                lock (_beatLock)
                {
                    if (_handle != IntPtr.Zero) NativeMethods.rt_pg_free(_handle);
                    _handle = IntPtr.Zero;
                }
                GC.SuppressFinalize(this);
            }

            ~ProcessGroup() => Dispose();
        }
    }
}
