using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Research.Models;
using Research.Torch;
using static Research.Bench.BenchSupport;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Bench;

/// <summary>Data-parallel S2-MLP training over Gloo on this machine, side by side in one run: images/s with one
/// process and with two (one thread each), ours (DistributedDataParallel on c10d's Reducer) against PyTorch's
/// own DDP (bench/ddp.py) on the same libtorch, the same model and the same per-process batch. Communication's
/// share of a step is one all-reduce of a tensor the size of all gradients, timed alone, over the step time;
/// scaling efficiency is two processes' images/s over twice one process's.</summary>
internal static class DdpBench
{
    private sealed record Setup(long Patch, long Width, int Depth, int Batch, int Steps, int Warmup);

    public static int Run(string[] args)
    {
        bool quick = Quick(args);
        var s = quick ? new Setup(4, 128, 4, 32, 2, 1) : new Setup(4, 256, 8, 64, 5, 2);
        int repeats = quick ? 1 : 3;
        Console.WriteLine($"S2-MLP p{s.Patch} c{s.Width} N{s.Depth}, 32x32 images, batch {s.Batch} per process, 1 thread per process, Gloo on loopback; " +
                          $"{s.Steps} timed steps after {s.Warmup}, median of {repeats} alternating rounds");
        Console.WriteLine($"load average before: {S2MlpBench.LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine($"{"processes",9} {"ours [img/s]",13} {"PyTorch [img/s]",16} {"ours/PyTorch",13} {"ours comm",10} {"PyTorch comm",13}");
        var rows = new JsonArray();
        var byWorld = new Dictionary<int, (double Ours, double Py)>();
        foreach (int world in new[] { 1, 2 })
        {
            var ours = new List<JsonObject>();
            var py = new List<JsonObject>();
            for (int round = 0; round < repeats; round++)
            {
                ours.Add(RunRanks(world, OurWorker(s)));
                py.Add(RunRanks(world, ["/usr/bin/python3", Path.Combine(Root, "bench", "ddp.py"), "--threads", "1", "--batch", $"{s.Batch}",
                    "--patch", $"{s.Patch}", "--width", $"{s.Width}", "--depth", $"{s.Depth}", "--steps", $"{s.Steps}", "--warmup", $"{s.Warmup}"]));
            }
            var o = MedianBy(ours);
            var p = MedianBy(py);
            if (o["params"]!.GetValue<long>() != p["params"]!.GetValue<long>())
                throw new InvalidOperationException($"ours has {o["params"]} parameters, PyTorch's {p["params"]}: not the same model");
            double oi = o["images_per_s"]!.GetValue<double>(), pi = p["images_per_s"]!.GetValue<double>();
            byWorld[world] = (oi, pi);
            Console.WriteLine($"{world,9} {oi,13:F1} {pi,16:F1} {oi / pi,12:F2}x {CommShare(o),10} {CommShare(p),13}");
            rows.Add(new JsonObject
            {
                ["processes"] = world, ["params"] = o["params"]!.GetValue<long>(), ["ours"] = o, ["pytorch"] = p, ["ratio"] = oi / pi,
                ["rounds"] = new JsonObject
                {
                    ["ours"] = new JsonArray(ours.Select(r => (JsonNode?)JsonValue.Create(r["images_per_s"]!.GetValue<double>())).ToArray()),
                    ["pytorch"] = new JsonArray(py.Select(r => (JsonNode?)JsonValue.Create(r["images_per_s"]!.GetValue<double>())).ToArray()),
                },
            });
        }
        double oursScaling = byWorld[2].Ours / (2 * byWorld[1].Ours), pyScaling = byWorld[2].Py / (2 * byWorld[1].Py);
        Console.WriteLine();
        Console.WriteLine($"scaling efficiency at 2 processes: ours {oursScaling:P0}, PyTorch {pyScaling:P0} (the machine has {Environment.ProcessorCount} cores)");
        Console.WriteLine($"load average after: {S2MlpBench.LoadAverage()}");
        var path = WriteJson("ddp", new JsonObject
        {
            ["model"] = $"S2-MLP p{s.Patch} c{s.Width} N{s.Depth}", ["batch_per_process"] = s.Batch, ["rows"] = rows,
            ["scaling_efficiency"] = new JsonObject { ["ours"] = oursScaling, ["pytorch"] = pyScaling },
        });
        Console.WriteLine($"wrote {path}");
        return 0;
    }

    private static string CommShare(JsonObject r) =>
        r["allreduce_s"]!.GetValue<double>() is var c && c > 0 ? $"{c / r["step_s"]!.GetValue<double>():P1}" : "-";

    private static JsonObject MedianBy(List<JsonObject> runs) => runs.OrderBy(r => r["images_per_s"]!.GetValue<double>()).ElementAt(runs.Count / 2);

    // One thread per process on both sides (libtorch's, OpenMP's and OpenBLAS's), and the process settings ours
    // makes at start.
    private static Dictionary<string, string> WorkerSettings()
    {
        var settings = OurProcessSettings();
        settings["OMP_NUM_THREADS"] = "1";
        settings["OPENBLAS_NUM_THREADS"] = "1";
        settings["RESEARCH_NUM_THREADS"] = "1";
        return settings;
    }

    /// <summary>This benchmark again, as one rank (<c>ddp-worker</c>).</summary>
    private static string[] OurWorker(Setup s)
    {
        var host = Environment.ProcessPath!;
        string[] self = Path.GetFileNameWithoutExtension(host) == "dotnet" ? [host, Assembly.GetEntryAssembly()!.Location] : [host];
        return [.. self, "ddp-worker", $"{s.Patch}", $"{s.Width}", $"{s.Depth}", $"{s.Batch}", $"{s.Steps}", $"{s.Warmup}"];
    }

    private static readonly TimeSpan WorkerTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Starts <paramref name="world"/> processes of <paramref name="command"/> with torchrun's variables, as
    /// separate processes on both sides, and returns rank 0's result (its last line of output).</summary>
    private static JsonObject RunRanks(int world, string[] command)
    {
        int port = FreePort();
        var workers = Enumerable.Range(0, world).Select(rank =>
        {
            var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in command[1..]) info.ArgumentList.Add(a);
            foreach (var (k, v) in WorkerSettings()) info.Environment[k] = v;
            info.Environment["RANK"] = $"{rank}";
            info.Environment["WORLD_SIZE"] = $"{world}";
            info.Environment["MASTER_ADDR"] = "127.0.0.1";
            info.Environment["MASTER_PORT"] = $"{port}";
            var p = Process.Start(info)!;
            return (Process: p, Stdout: p.StandardOutput.ReadToEndAsync(), Stderr: p.StandardError.ReadToEndAsync());
        }).ToList();
        // A rank that never ends (Debian's PyTorch 1.13 could hang in its teardown) stops the benchmark with its
        // name instead of holding it for good.
        var deadline = DateTime.UtcNow + WorkerTimeout;
        for (int rank = 0; rank < workers.Count; rank++)
        {
            var left = deadline - DateTime.UtcNow;
            if (workers[rank].Process.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero)) continue;
            foreach (var w in workers) if (!w.Process.HasExited) w.Process.Kill(entireProcessTree: true);
            throw new TimeoutException($"rank {rank} of {string.Join(' ', command.Take(2))} did not finish within {WorkerTimeout.TotalMinutes:0} minutes; all ranks were killed");
        }
        foreach (var w in workers) w.Process.WaitForExit();
        foreach (var w in workers)
            if (w.Process.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} failed with exit code {w.Process.ExitCode}:\n{w.Stderr.Result}");
        return JsonNode.Parse(workers[0].Stdout.Result.Trim().Split('\n')[^1])!.AsObject();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One rank: the same steps as bench/ddp.py's worker, through the kit.</summary>
    public static int Worker(string[] args)
    {
        var v = args.Select(a => long.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        var s = new Setup(v[0], v[1], (int)v[2], (int)v[3], (int)v[4], (int)v[5]);
        int world = int.Parse(Environment.GetEnvironmentVariable("WORLD_SIZE")!, CultureInfo.InvariantCulture);
        if (world > 1) distributed.init_process_group("gloo");
        int rank = world > 1 ? distributed.get_rank() : 0;
        manual_seed(0);
        using var model = new S2Mlp(new S2MlpConfig(PatchSize: s.Patch, EmbedDim: s.Width, Depth: s.Depth), new ModelOptions(10, 32, 3));
        long parameters = model.num_parameters();
        using var ddp = world > 1 ? new nn.parallel.DistributedDataParallel(model) : null;
        nn.Module<Tensor, Tensor> net = ddp ?? (nn.Module<Tensor, Tensor>)model;
        using var opt = new optim.AdamW(model.parameters(), lr: 1e-3, weight_decay: 0.05);
        manual_seed(1 + rank);
        using var x = randn(s.Batch, 3, 32, 32);
        using var y = randint(0, 10, [s.Batch]);
        void Step()
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            F.cross_entropy(net.forward(x), y).backward();
            opt.step();
        }
        for (int i = 0; i < s.Warmup; i++) Step();
        if (world > 1) distributed.barrier();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < s.Steps; i++) Step();
        if (world > 1) distributed.barrier();
        double seconds = clock.Elapsed.TotalSeconds, comm = 0;
        if (world > 1)
        {
            const int repeats = 5;
            using var flat = zeros(parameters);
            distributed.all_reduce(flat);
            var c = Stopwatch.StartNew();
            for (int i = 0; i < repeats; i++) distributed.all_reduce(flat);
            comm = c.Elapsed.TotalSeconds / repeats;
            distributed.destroy_process_group();
        }
        if (rank == 0)
            Console.WriteLine(new JsonObject
            {
                ["world"] = world, ["params"] = parameters, ["step_s"] = seconds / s.Steps,
                ["images_per_s"] = world * s.Batch * s.Steps / seconds, ["allreduce_s"] = comm,
            }.ToJsonString());
        return 0;
    }
}
