using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Tests;

/// <summary>c10d through the shim, with the ranks of a group as threads of this process (each with its own store
/// client and Gloo group, as separate processes would have): collectives agree across ranks, failures name the
/// rank and the operation within the timeout, and DDP's gradients are the mean over ranks.</summary>
public sealed class DistributedTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="world"/> ranks at once, each in a thread with its own
    /// store and group, and rethrows what any rank threw.</summary>
    private static void OnRanks(int world, Action<distributed.ProcessGroup> body, TimeSpan? timeout = null, Func<int, distributed.Store>? store = null)
    {
        int port = FreePort();
        store ??= rank => new distributed.TCPStore("127.0.0.1", port, world, isMaster: rank == 0, Timeout);
        var errors = new Exception?[world];
        var threads = Enumerable.Range(0, world).Select(rank => new Thread(() =>
        {
            try
            {
                using var s = store(rank);
                using var group = new distributed.ProcessGroup("gloo", s, rank, world, timeout ?? Timeout);
                using var scope = NewDisposeScope();
                body(group);
            }
            catch (Exception e) { errors[rank] = e; }
        })).ToList();
        threads.ForEach(t => t.Start());
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(90)), "a rank did not finish");
        var failed = errors.Where(e => e is not null).ToList();
        if (failed.Count > 0) throw new AggregateException(failed!);
    }

    [Fact]
    public void Collectives_GiveEveryRankTheSameCombinedValues()
    {
        OnRanks(3, g =>
        {
            var x = tensor(new float[] { g.Rank + 1, 10 * (g.Rank + 1) });
            g.all_reduce(x);
            Assert.Equal(new float[] { 6, 60 }, x.data<float>());
            var m = tensor(new float[] { g.Rank, -g.Rank });
            g.all_reduce(m, distributed.ReduceOp.MAX);
            Assert.Equal(new float[] { 2, 0 }, m.data<float>());

            var b = full([4], (double)g.Rank);
            g.broadcast(b, src: 1);
            Assert.All(b.data<float>(), v => Assert.Equal(1f, v));

            var outputs = Enumerable.Range(0, g.Size).Select(_ => zeros(2, 2)).ToList();
            g.all_gather(outputs, full([2, 2], 100.0 + g.Rank));
            for (int r = 0; r < g.Size; r++) Assert.All(outputs[r].data<float>(), v => Assert.Equal(100f + r, v));

            var many = Enumerable.Range(0, 5).Select(i => full([3 + i], (double)(g.Rank * 10 + i))).ToList();
            g.broadcast_coalesced(many, bufferBytes: 16);
            for (int i = 0; i < many.Count; i++) Assert.All(many[i].data<float>(), v => Assert.Equal((float)i, v));
            g.barrier();
        });
    }

    [Fact]
    public void FileStore_JoinsTheRanksOfOneMachine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"research-filestore-{Guid.NewGuid():N}");
        try
        {
            OnRanks(2, g =>
            {
                var x = tensor(new double[] { g.Rank + 0.5 });
                g.all_reduce(x);
                Assert.Equal(2.0, x.item<double>());
            }, store: _ => new distributed.FileStore(path, 2, Timeout));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Barrier_ThatAPeerNeverReaches_FailsWithinTheTimeout_NamingRankAndOperation()
    {
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<AggregateException>(() => OnRanks(2, g =>
        {
            if (g.Rank == 1) Thread.Sleep(TimeSpan.FromSeconds(6));   // joined, but never reaches the barrier
            else g.barrier();
        }, timeout: TimeSpan.FromSeconds(2)));
        var failure = Assert.IsType<DistributedException>(Assert.Single(error.InnerExceptions));
        Assert.Equal(0, failure.Rank);
        Assert.Equal("barrier", failure.Operation);
        Assert.StartsWith("rank 0: barrier failed: ", failure.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void StoreClient_WithNoMaster_FailsWithinItsTimeout_NamingTheAddress()
    {
        int port = FreePort();
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<DistributedException>(() => new distributed.TCPStore("127.0.0.1", port, 2, isMaster: false, TimeSpan.FromSeconds(2)));
        Assert.Contains($"could not reach the master at 127.0.0.1:{port} within 2 s", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void BadArguments_AreNamedBeforeAnythingStarts()
    {
        Assert.Contains("port must be in 1..65535", Assert.Throws<ArgumentOutOfRangeException>(() => new distributed.TCPStore("127.0.0.1", 70000, 2, true)).Message);
        using var store = new distributed.FileStore(Path.Combine(Path.GetTempPath(), $"research-filestore-{Guid.NewGuid():N}"), 1);
        Assert.Contains("rank 2 is outside 0..1", Assert.Throws<ArgumentOutOfRangeException>(() => new distributed.ProcessGroup("gloo", store, 2, 2)).Message);
        Assert.Contains("without NCCL", Assert.Throws<DistributedException>(() => new distributed.ProcessGroup("nccl", store, 0, 1)).Message);
        Assert.Contains("unknown backend", Assert.Throws<DistributedException>(() => new distributed.ProcessGroup("mpi", store, 0, 1)).Message);
    }

    // ----- DistributedDataParallel -------------------------------------------------------------------------

    private sealed class TwoLayer : nn.Module<Tensor, Tensor>
    {
        private readonly Modules.Linear fc1 = nn.Linear(6, 16), fc2 = nn.Linear(16, 3);
        public override Tensor forward(Tensor x) => fc2.forward(F.gelu(fc1.forward(x)));
    }

    // Values from System.Random, not libtorch's generator, which the rank threads would share.
    private static Tensor Values(int seed, params long[] shape)
    {
        var rng = new Random(seed);
        var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return tensor(data, shape);
    }

    private static TwoLayer Model(int seed)
    {
        var m = new TwoLayer();
        m.load_state_dict(m.state_dict().ToDictionary(kv => kv.Key, kv => Values(seed + kv.Key.Length, kv.Value.shape)));
        return m;
    }

    private static (Tensor X, Tensor Y) Batch(int rank) => (Values(100 + rank, 8, 6), tensor(Enumerable.Range(0, 8).Select(i => (long)((i + rank) % 3)).ToArray()));

    private static Dictionary<string, float[]> LocalGrads(TwoLayer model, int rank)
    {
        model.zero_grad();
        var (x, y) = Batch(rank);
        F.cross_entropy(model.forward(x), y).backward();
        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.data<float>());
    }

    [Fact]
    public void Ddp_BroadcastsRankZerosWeights_AveragesGradientsInBuckets_AndNoSyncAccumulatesLocally()
    {
        const int world = 2;
        Dictionary<string, float[]>[] local;
        Dictionary<string, float[]> weights;
        using (var scope = NewDisposeScope())
        {
            var reference = Model(seed: 0);
            weights = reference.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>());
            local = Enumerable.Range(0, world).Select(r => LocalGrads(reference, r)).ToArray();
        }
        var mean = local[0].ToDictionary(kv => kv.Key, kv => kv.Value.Select((v, i) => (v + local[1][kv.Key][i]) / world).ToArray());

        OnRanks(world, g =>
        {
            var model = Model(seed: g.Rank);   // rank 1 starts from other weights: the wrap must replace them
            using var ddp = new nn.parallel.DistributedDataParallel(model, g, bucket_cap_mb: 256.0 / (1 << 20));
            foreach (var (name, p) in model.named_parameters()) AssertClose(weights[name], p.data<float>(), 0);

            var (x, y) = Batch(g.Rank);
            F.cross_entropy(ddp.forward(x), y).backward();
            Assert.True(ddp.bucket_count > 1, $"{ddp.bucket_count} bucket(s) with a 256-byte cap");
            foreach (var (name, p) in model.named_parameters()) AssertClose(mean[name], p.grad!.data<float>(), 1e-6);

            model.zero_grad();
            using (ddp.no_sync()) F.cross_entropy(ddp.forward(x), y).backward();
            foreach (var (name, p) in model.named_parameters()) AssertClose(local[g.Rank][name], p.grad!.data<float>(), 1e-6);
            F.cross_entropy(ddp.forward(x), y).backward();   // synchronised again: the mean of what each rank accumulated
            foreach (var (name, p) in model.named_parameters()) AssertClose(mean[name].Select(v => 2 * v).ToArray(), p.grad!.data<float>(), 2e-6);
            Assert.StartsWith("module.", ddp.state_dict().Keys.First());
        });
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
