using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Research.Bench.TorchSharp;

/// <summary>The measurements of bench/Research.Bench's TorchBench and S2MlpBench, timed the same way, against
/// TorchSharp.</summary>
internal static class Benchmarks
{
    /// <summary>TorchBench's three: per-call overhead on 4x4 tensors, one AdamW step of a 784-1024-1024-10 MLP at batch
    /// 256, and the sgemm peak.</summary>
    public static JsonObject Torch(bool quick)
    {
        var dispatch = Dispatch(quick ? 2000 : 20000, quick ? 3 : 7);
        double mlp = MlpStep(quick ? 3 : 10, quick ? 3 : 5);
        double sgemm = Sgemm(quick ? 1024 : 2048, quick ? 3 : 10, quick ? 3 : 5);
        return new JsonObject
        {
            ["dispatch_us"] = new JsonObject(dispatch.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["mlp_step_ms"] = mlp,
            ["sgemm_gflops"] = sgemm,
        };
    }

    private static Dictionary<string, double> Dispatch(int calls, int repeats)
    {
        using var a = ones(4, 4);
        using var b = ones(4, 4);
        var ops = new Dictionary<string, Func<Tensor>>
        {
            ["add"] = () => a.add(b),
            ["mul_scalar"] = () => a.mul(2.0),
            ["relu"] = () => F.relu(a),
            ["matmul_4x4"] = () => a.matmul(b),
            ["sum"] = () => a.sum(),
            ["view"] = () => a.view(16),
            ["cat"] = () => cat([a, b], 0),
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
        random.manual_seed(0);
        using var model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10));
        using var opt = optim.AdamW(model.parameters(), lr: 1e-3);
        using var x = randn(256, 784);
        using var y = randint(0, 10, [256]);
        void Step()
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            F.cross_entropy(model.forward(x), y).backward();
            opt.step();
        }
        for (int i = 0; i < 5; i++) Step();
        return Timed(Step, steps, repeats) * 1e3;
    }

    private static double Sgemm(int n, int calls, int repeats)
    {
        using var a = randn(n, n);
        using var b = randn(n, n);
        a.mm(b).Dispose();
        return 2.0 * n * n * n / Timed(() => a.mm(b).Dispose(), calls, repeats) / 1e9;
    }

    /// <summary>S2MlpBench's training throughput: images/s of forward, backward and an AdamW step (lr 1e-3, weight
    /// decay 0.05) on one fixed random batch of 32x32 images, the median of <paramref name="repeats"/>.</summary>
    public static JsonObject S2MlpThroughput(S2Mlp model, int batch, int steps, int warmup, int repeats)
    {
        using var opt = optim.AdamW(model.parameters(), lr: 1e-3, weight_decay: 0.05);
        using var x = randn(batch, 3, 32, 32);
        using var y = randint(0, 10, [batch]);
        model.train();
        void Step()
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            F.cross_entropy(model.forward(x), y).backward();
            opt.step();
        }
        for (int i = 0; i < warmup; i++) Step();
        var samples = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) Step();
            samples[r] = batch * steps / sw.Elapsed.TotalSeconds;
        }
        Array.Sort(samples);
        return new JsonObject
        {
            ["params"] = model.parameters().Sum(p => p.numel()),
            ["images_per_s"] = samples[repeats / 2],
        };
    }

    /// <summary>Loads the kit's checkpoint <paramref name="weightsPath"/> into <paramref name="model"/> by key (every key
    /// on both sides, or it throws) and compares the logits on the input of <paramref name="ioPath"/> (tensors
    /// <c>input</c> and <c>logits</c>, both the kit's) in eval mode.</summary>
    public static JsonObject CheckpointLogits(S2Mlp model, string weightsPath, string ioPath)
    {
        using var scope = NewDisposeScope();
        var weights = SafeTensorsReader.Load(weightsPath);
        var (missing, unexpected) = model.load_state_dict(weights, strict: false);
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException($"{weightsPath} does not match TorchSharp's S2-MLP by key: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
        var io = SafeTensorsReader.Load(ioPath);
        model.eval();
        using var noGrad = no_grad();
        var logits = model.forward(io["input"]);
        double maxAbsDiff = (logits - io["logits"]).abs().max().item<float>();
        return new JsonObject
        {
            ["weights"] = weightsPath,
            ["keys"] = weights.Count,
            ["logits_shape"] = string.Join("x", logits.shape),
            ["max_abs_diff"] = maxAbsDiff,
            ["max_abs_logit"] = io["logits"].abs().max().item<float>(),
        };
    }

    /// <summary>Minimum over <paramref name="repeats"/> of the mean seconds per call over <paramref name="calls"/>
    /// calls, as Research.Bench's BenchSupport.Timed.</summary>
    private static double Timed(Action action, int calls, int repeats)
    {
        var best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++) action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds / calls);
        }
        return best;
    }
}
