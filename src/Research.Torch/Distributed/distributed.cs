using System.Globalization;
using Research.Torch.Native;

namespace Research.Torch;

public static partial class torch
{
    /// <summary><c>torch.distributed</c>: one default process group per process, made by
    /// <see cref="init_process_group"/> from the environment <c>torchrun</c> (and <c>./research train --nproc</c>) sets,
    /// and the collectives on it.</summary>
    public static partial class distributed
    {
        /// <summary>c10d's default: 30 minutes, long enough for a slow first step, short enough to end a hung run.</summary>
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

        private static ProcessGroup? _group;
        private static Store? _store;

        /// <summary>Whether this shim was built with c10d (and so has at least Gloo).</summary>
        public static bool is_available() => NativeMethods.rt_dist_backend_available("gloo") != 0;

        public static bool is_gloo_available() => is_available();

        public static bool is_nccl_available() => NativeMethods.rt_dist_backend_available("nccl") != 0;

        public static bool is_initialized() => _group is not null;

        /// <summary>The default group made by <see cref="init_process_group"/>.</summary>
        public static ProcessGroup group => _group ?? throw new InvalidOperationException(
            "torch.distributed: the default process group is not initialized; call init_process_group first");

        public static int get_rank() => group.Rank;
        public static int get_world_size() => group.Size;
        public static string get_backend() => group.Backend;

        /// <summary>Joins the default process group. Without <paramref name="store"/>, rendezvous is <c>env://</c> as in
        /// PyTorch: <c>MASTER_ADDR</c>, <c>MASTER_PORT</c>, and <c>RANK</c>, <c>WORLD_SIZE</c> unless given; rank 0 serves the
        /// TCPStore. Every rank then checks through the store that all agree on the world size and that no rank is
        /// claimed twice, so a mismatched launch fails at once with both values named.</summary>
        public static ProcessGroup init_process_group(string backend = "gloo", int rank = -1, int world_size = -1, TimeSpan? timeout = null, Store? store = null)
        {
            if (_group is not null) throw new InvalidOperationException("init_process_group: the default process group is already initialized (destroy_process_group first)");
            var wait = timeout ?? DefaultTimeout;
            if (rank < 0) rank = EnvInt("RANK", 0, int.MaxValue);
            if (world_size < 0) world_size = EnvInt("WORLD_SIZE", 1, int.MaxValue);
            if (rank >= world_size) throw new ArgumentException($"init_process_group: RANK {rank} is outside 0..{world_size - 1} for WORLD_SIZE {world_size}");
            Store? own = null;
            if (store is null)
            {
                var host = Environment.GetEnvironmentVariable("MASTER_ADDR") is { Length: > 0 } h ? h
                    : throw new ArgumentException("init_process_group: MASTER_ADDR is not set (the address of rank 0's machine; torchrun and ./research train --nproc set it)");
                int port = EnvInt("MASTER_PORT", 1, 65535);
                store = own = new TCPStore(host, port, world_size, isMaster: rank == 0, wait);
            }
            try
            {
                CheckAgreement(store, rank, world_size);
                _group = new ProcessGroup(backend, store, rank, world_size, wait);
                _store = own;
                return _group;
            }
            catch
            {
                own?.Dispose();
                throw;
            }
        }

        // A rank that believes in another world size, a second process with the same rank, or fewer processes than
        // WORLD_SIZE would otherwise surface as Gloo's "Socket Timeout".
        private static void CheckAgreement(Store store, int rank, int worldSize)
        {
            try
            {
                if (store.add($"research/rank/{rank}", 1) > 1)
                    throw new DistributedException(rank, "init_process_group", $"another process already joined as rank {rank}; each process needs its own RANK");
                store.set($"research/world_size/{rank}", worldSize.ToString(CultureInfo.InvariantCulture));
                long joined = store.add("research/joined", 1);
                if (rank != 0)
                {
                    var master = int.Parse(store.get_string("research/world_size/0"), CultureInfo.InvariantCulture);
                    if (master != worldSize)
                        throw new DistributedException(rank, "init_process_group", $"WORLD_SIZE is {worldSize} here but {master} on rank 0; every process must be started with the same WORLD_SIZE");
                }
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (joined < worldSize)
                {
                    if (clock.Elapsed > store.Timeout)
                        throw new DistributedException(rank, "init_process_group", $"only {joined} of WORLD_SIZE={worldSize} processes joined within {store.Timeout.TotalSeconds:0.#} s; " +
                            $"start {worldSize} processes, or set WORLD_SIZE to the number started");
                    Thread.Sleep(50);
                    joined = store.add("research/joined", 0);
                }
            }
            catch (DistributedException e) when (e.Rank < 0)
            {
                throw new DistributedException(rank, "init_process_group", e.Message, inner: e);
            }
        }

        private static int EnvInt(string name, int min, int max)
        {
            var text = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(text))
                throw new ArgumentException($"init_process_group: {name} is not set (torchrun and ./research train --nproc set it)");
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
                throw new ArgumentException(name == "MASTER_PORT"
                    ? $"init_process_group: MASTER_PORT must be a port number in 1..65535, not '{text}'"
                    : $"init_process_group: {name} must be an integer >= {min}, not '{text}'");
            return value;
        }

        /// <summary>Leaves the default group and closes the store this process served or joined.</summary>
        public static void destroy_process_group()
        {
            _group?.Dispose();
            _store?.Dispose();
            _group = null;
            _store = null;
        }

        public static void all_reduce(Tensor tensor, ReduceOp op = ReduceOp.SUM, ProcessGroup? group = null) => (group ?? distributed.group).all_reduce(tensor, op);
        public static void broadcast(Tensor tensor, int src, ProcessGroup? group = null) => (group ?? distributed.group).broadcast(tensor, src);
        public static void all_gather(IReadOnlyList<Tensor> tensor_list, Tensor tensor, ProcessGroup? group = null) => (group ?? distributed.group).all_gather(tensor_list, tensor);
        public static void barrier(ProcessGroup? group = null) => (group ?? distributed.group).barrier();
        public static void monitored_barrier(TimeSpan? timeout = null, ProcessGroup? group = null) => (group ?? distributed.group).monitored_barrier(timeout);
    }
}
