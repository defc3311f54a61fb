using System.Text.Json.Nodes;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Bench.BenchSupport;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Bench;

/// <summary>The tensor layer against PyTorch on the same libtorch, in one run: (a) per-call
/// overhead on small tensors, (b) one AdamW training step of a 784-1024-1024-10 MLP at batch 256,
/// (c) the machine's sgemm peak, and the MLP step's share of it. TorchSharp 0.107.0 beside them, on its own libtorch
/// (2.10), in our process settings (<see cref="TorchSharpPeer"/>).</summary>
internal static class TorchBench
{
    private const int Batch = 256;

    public static int Run(string[] args)
    {
        bool quick = Quick(args);
        int threads = get_num_threads();
        string pythonArgs = $"--threads {threads}" + (quick ? " --quick" : "");
        var python = RunPython("torch_bench.py", pythonArgs);
        // PyTorch as users run it, then with the two process settings ours makes at start
        // (a passive OpenMP wait, and glibc keeping freed blocks instead of unmapping them; see
        // NativeLibraryLocator), so the second ratio is the binding's cost and nothing else.
        var pythonOurSettings = RunPython("torch_bench.py", pythonArgs, OurProcessSettings());
        var (torchSharp, torchSharpError) = TorchSharpPeer.Run(quick ? ["torch", "--threads", $"{threads}", "--quick"] : ["torch", "--threads", $"{threads}"]);
        var sharp = torchSharp?["measurements"]?.AsObject();

        double mlpMs = MlpStep(quick ? 3 : 10, quick ? 3 : 5);
        var ours = Dispatch(quick ? 2000 : 20000, quick ? 3 : 7);
        double peak = Sgemm(quick ? 1024 : 2048, quick ? 3 : 10, quick ? 3 : 5);

        // Multiply-adds of one step: forward, and backward's two products per layer except
        // the input gradient of the first layer, which nothing needs.
        double forward = 2.0 * Batch * (784 * 1024 + 1024 * 1024 + 1024 * 10);
        double stepFlops = 3 * forward - 2.0 * Batch * 784 * 1024;
        double oursGflops = stepFlops / (mlpMs / 1e3) / 1e9;
        var pyDispatch = python["dispatch_us"]!.AsObject();
        double pyMlp = python["mlp_step_ms"]!.GetValue<double>();
        double pyMlpOurSettings = pythonOurSettings["mlp_step_ms"]!.GetValue<double>();
        var pyDispatchOurSettings = pythonOurSettings["dispatch_us"]!.AsObject();
        double pyPeak = python["sgemm_gflops"]!.GetValue<double>();

        Console.WriteLine($"libtorch {python["torch"]}, {threads} threads, OpenBLAS threads {Threads.BlasThreads}");
        Console.WriteLine(TorchSharpPeer.Describe(torchSharp, torchSharpError));
        Console.WriteLine();
        Console.WriteLine($"{"measurement",-34} {"ours",10} {"PyTorch",10} {"ratio",7} {"PyTorch, our settings",24} {"ratio",7} {"TorchSharp",11} {"ratio",7}");
        foreach (var (name, us) in ours)
        {
            double py = pyDispatch[name]!.GetValue<double>();
            double pyOurs = pyDispatchOurSettings[name]!.GetValue<double>();
            Console.WriteLine($"{"(a) " + name + " [us/call]",-34} {us,10:F2} {py,10:F2} {py / us,6:F2}x {pyOurs,24:F2} {pyOurs / us,6:F2}x {Peer(sharp?["dispatch_us"]?[name], us)}");
        }
        Console.WriteLine($"{"(b) MLP AdamW step [ms]",-34} {mlpMs,10:F2} {pyMlp,10:F2} {pyMlp / mlpMs,6:F2}x {pyMlpOurSettings,24:F2} {pyMlpOurSettings / mlpMs,6:F2}x {Peer(sharp?["mlp_step_ms"], mlpMs)}");
        Console.WriteLine("ratio = the other's time / ours: above 1 means ours is faster. TorchSharp runs its own libtorch build,");
        Console.WriteLine("so its ratio is that build's difference and the binding's together.");
        Console.WriteLine($"{"(c) sgemm peak [GFLOP/s]",-34} {peak,10:F1} {pyPeak,10:F1} {"",7} {"",24} {"",7} {(sharp is null ? "n/a" : $"{sharp["sgemm_gflops"]!.GetValue<double>():F1}"),11}");
        Console.WriteLine($"{"MLP step [GFLOP/s, % of our peak]",-34} {oursGflops,10:F1} {100 * oursGflops / peak,9:F0}%");

        var result = new JsonObject
        {
            ["ours"] = new JsonObject
            {
                ["dispatch_us"] = new JsonObject(ours.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                ["mlp_step_ms"] = mlpMs,
                ["sgemm_gflops"] = peak,
                ["mlp_step_gflops"] = oursGflops,
                ["mlp_fraction_of_peak"] = oursGflops / peak,
            },
            ["pytorch"] = python,
            ["pytorch_with_our_settings"] = pythonOurSettings,
            ["torchsharp"] = torchSharp ?? new JsonObject { ["error"] = torchSharpError },
        };
        Console.WriteLine($"\nwrote {WriteJson("torch", result)}");
        return 0;
    }

    /// <summary>TorchSharp's time and its ratio to ours, or n/a.</summary>
    private static string Peer(JsonNode? time, double ours) =>
        time is null ? $"{"n/a",11} {"",7}" : $"{time.GetValue<double>(),11:F2} {time.GetValue<double>() / ours,6:F2}x";

    private static Dictionary<string, double> Dispatch(int calls, int repeats)
    {
        using var a = ones(4, 4);
        using var b = ones(4, 4);
        var pair = new[] { a, b };
        var ops = new Dictionary<string, Func<Tensor>>
        {
            ["add"] = () => a.add(b),
            ["mul_scalar"] = () => a.mul(2.0),
            ["relu"] = () => F.relu(a),
            ["matmul_4x4"] = () => a.matmul(b),
            ["sum"] = () => a.sum(),
            ["view"] = () => a.view(16),
            ["cat"] = () => cat(pair, 0),
        };
        var result = new Dictionary<string, double>();
        foreach (var (name, op) in ops)
        {
            Timed(() => op().Dispose(), calls, 1);   // JIT tiers settle before measuring
            result[name] = Timed(() => op().Dispose(), calls, repeats) * 1e6;
        }
        return result;
    }

    private static double MlpStep(int steps, int repeats)
    {
        manual_seed(0);
        using var model = new Sequential(new Linear(784, 1024), new ReLU(), new Linear(1024, 1024), new ReLU(), new Linear(1024, 10));
        using var opt = new optim.AdamW(model.parameters(), lr: 1e-3);
        using var x = randn(Batch, 784);
        using var y = randint(0, 10, [Batch]);
        void Step()
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            F.cross_entropy(model.forward(x), y).backward();
            opt.step();
        }
        for (int i = 0; i < 5; i++) Step();
        double total = Timed(Step, steps, repeats) * 1e3;

        // Where the step's time goes: the forward alone, forward and backward, and the rest.
        double forward = Timed(() =>
        {
            using var scope = NewDisposeScope();
            F.cross_entropy(model.forward(x), y);
        }, steps, repeats) * 1e3;
        double backward = Timed(() =>
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            F.cross_entropy(model.forward(x), y).backward();
        }, steps, repeats) * 1e3;
        Console.WriteLine($"MLP step parts [ms]: forward {forward:F2}, backward {backward - forward:F2}, zero_grad + AdamW {total - backward:F2}");
        return total;
    }

    private static double Sgemm(int n, int calls, int repeats)
    {
        using var a = randn(n, n);
        using var b = randn(n, n);
        a.mm(b).Dispose();
        double seconds = Timed(() => a.mm(b).Dispose(), calls, repeats);
        return 2.0 * n * n * n / seconds / 1e9;
    }
}
