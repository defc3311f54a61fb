using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Research.Models;
using Research.Torch;
using static Research.Bench.BenchSupport;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Bench;

/// <summary>Training throughput (images/s of forward + backward + AdamW step) of S2-MLP and S2-MLPv2 at a
/// CPU-size configuration, ours beside PyTorch running the same models (bench/s2mlp.py) on the same
/// libtorch with the same threads, one process after the other. PyTorch runs twice: with the same shift
/// as ours, and with S2-MLP's Algorithm 1 slicing as public PyTorch ports write it. TorchSharp runs S2-MLP v1
/// (<see cref="TorchSharpColumn"/>), having first loaded a checkpoint of ours by key and compared the logits.</summary>
internal static class S2MlpBench
{
    private sealed record Setup(string Model, long Patch, long Width, int Depth);

    public static int Run(string[] args)
    {
        bool quick = Quick(args);
        int batch = quick ? 32 : 128, steps = quick ? 1 : 3, warmup = quick ? 1 : 2, repeats = quick ? 1 : 3;
        int threads = get_num_threads();
        // v1: 32x32 images, 4x4 patches (8x8 tokens), width 256, 8 blocks. v2: the pyramid, 2x2 patches
        // (16x16 tokens) at width 128 for 2 blocks, a 2x2 merge to 8x8 at 256 for 6.
        var only = args.Where(a => a is "v1" or "v2").ToHashSet();   // `s2mlp v2` runs one model only
        var setups = new[] { new Setup("v1", 4, 256, 8), new Setup("v2", 2, 256, 8) }.Where(s => only.Count == 0 || only.Contains(s.Model));
        // --ours-only skips PyTorch, so a profiler attached to this process sees our training steps alone.
        if (args.Contains("--ours-only")) return OursOnly(setups, batch, quick ? 3 : 30);
        Console.WriteLine($"libtorch threads {threads}, OpenBLAS threads {Threads.BlasThreads}, batch {batch}, 32x32 images; " +
                          $"process settings for both sides: {string.Join(", ", OurProcessSettings().Select(kv => $"{kv.Key}={kv.Value}"))}");
        if (setups.Any(s => s.Model == "v1")) TorchSharpPeer.Prepare();
        Console.WriteLine($"load average before: {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine($"{"model",-34} {"params",9} {"ours [img/s]",13} {"PyTorch [img/s]",16} {"ours/PyTorch",13} {"PyTorch slicing",16} {"ours/slicing",13} {"TorchSharp [img/s]",19} {"ours/TorchSharp",16}");
        var rows = new JsonArray();
        var torchSharp = new List<TorchSharpColumn>();
        foreach (var s in setups)
        {
            manual_seed(0);
            using var model = Build(s);
            string common = $"--model {s.Model} --threads {threads} --batch {batch} --patch {s.Patch} --width {s.Width} --depth {s.Depth} " +
                            $"--steps {steps} --warmup {warmup} --repeats 1";
            // Rounds alternate ours, PyTorch, PyTorch with slicing and TorchSharp, so a change in the machine's
            // load (shared with other work) falls on all alike; each figure is the median over rounds.
            var ours = new List<double>(); var py = new List<double>(); var pySlicing = new List<double>();
            var sharp = new TorchSharpColumn(s.Model);
            torchSharp.Add(sharp);
            string torchVersion = "";
            for (int round = 0; round < repeats; round++)
            {
                ours.Add(Throughput(model, batch, steps, round == 0 ? warmup : 1, 1));
                var r = RunPyTorch(common + " --shift index_select");
                py.Add(r["images_per_s"]!.GetValue<double>());
                torchVersion = r["torch"]!.GetValue<string>();
                long pyParams = r["params"]!.GetValue<long>();
                if (pyParams != model.num_parameters())
                    throw new InvalidOperationException($"{s.Model}: PyTorch's model has {pyParams} parameters, ours {model.num_parameters()}: not the same model");
                pySlicing.Add(RunPyTorch(common + " --shift slicing")["images_per_s"]!.GetValue<double>());
                sharp.Round(model, common);
            }
            double o = Median(ours), p = Median(py), ps = Median(pySlicing);
            double? t = sharp.Rounds.Count > 0 ? Median(sharp.Rounds) : null;
            string sharpColumns = t is { } tv ? $"{tv,19:F1} {o / tv,15:F2}x" : $"{"n/a",19} {"",16}";
            string label = s.Model == "v1" ? $"S2-MLP p{s.Patch} c{s.Width} N{s.Depth}" : $"S2-MLPv2 p{s.Patch} c{s.Width / 2}x{s.Depth / 4}+{s.Width}x{s.Depth - s.Depth / 4}";
            Console.WriteLine($"{label,-34} {model.num_parameters() / 1e6,8:F2}M {o,13:F1} {p,16:F1} {o / p,12:F2}x {ps,16:F1} {o / ps,12:F2}x {sharpColumns}");
            rows.Add(new JsonObject
            {
                ["model"] = label, ["params"] = model.num_parameters(), ["ours_images_per_s"] = o, ["pytorch_images_per_s"] = p,
                ["pytorch_slicing_images_per_s"] = ps, ["torch"] = torchVersion, ["torchsharp_images_per_s"] = t, ["torchsharp"] = sharp.Json(),
                ["rounds"] = new JsonObject { ["ours"] = JsonArrayOf(ours), ["pytorch"] = JsonArrayOf(py), ["pytorch_slicing"] = JsonArrayOf(pySlicing), ["torchsharp"] = JsonArrayOf(sharp.Rounds) },
            });
        }
        Console.WriteLine();
        foreach (var note in torchSharp.SelectMany(c => c.Notes())) Console.WriteLine(note);
        Console.WriteLine($"load average after: {LoadAverage()}");
        var path = WriteJson("s2mlp", new JsonObject { ["batch"] = batch, ["rows"] = rows, ["load_average_after"] = LoadAverage() });
        Console.WriteLine($"wrote {path}");
        return torchSharp.Any(c => c.LogitsDisagree) ? 1 : 0;
    }

    private static ImageClassifier Build(Setup s) => s.Model == "v1"
        ? new S2Mlp(new S2MlpConfig(PatchSize: s.Patch, EmbedDim: s.Width, Depth: s.Depth), new ModelOptions(10, 32, 3))
        : new S2MlpV2(new S2MlpV2Config(PatchSize: s.Patch, EmbedDims: [s.Width / 2, s.Width], Depths: [Math.Max(1, s.Depth / 4), s.Depth - Math.Max(1, s.Depth / 4)]),
            new ModelOptions(10, 32, 3));

    /// <summary>Training on one fixed random batch of 32x32 images: forward, backward and an AdamW step.</summary>
    private sealed class FixedBatchTraining : IDisposable
    {
        private readonly ImageClassifier model;
        private readonly optim.AdamW opt;
        private readonly Tensor x, y;

        public FixedBatchTraining(ImageClassifier model, int batch)
        {
            this.model = model;
            opt = new optim.AdamW(model.parameters(), lr: 1e-3, weight_decay: 0.05);
            x = randn(batch, 3, 32, 32);
            y = randint(0, 10, [batch]);
            model.train();
        }

        public void Step()
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            F.cross_entropy(model.forward(x), y).backward();
            opt.step();
        }

        public void Dispose()
        {
            opt.Dispose();
            x.Dispose();
            y.Dispose();
        }
    }

    /// <summary>Median over <paramref name="repeats"/> of images/s over <paramref name="steps"/> steps on a fixed batch.</summary>
    internal static double Throughput(ImageClassifier model, int batch, int steps, int warmup, int repeats)
    {
        using var training = new FixedBatchTraining(model, batch);
        for (int i = 0; i < warmup; i++) training.Step();
        var samples = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) training.Step();
            samples[r] = batch * steps / sw.Elapsed.TotalSeconds;
        }
        Array.Sort(samples);
        return samples[repeats / 2];
    }

    /// <summary>For each model, the time, page faults and resident memory of each of <paramref name="steps"/>
    /// training steps, the first ones included.</summary>
    private static int OursOnly(IEnumerable<Setup> setups, int batch, int steps)
    {
        foreach (var s in setups)
        {
            manual_seed(0);
            using var model = Build(s);
            using var training = new FixedBatchTraining(model, batch);
            var times = new List<string>();
            var faults = new List<string>();
            var residentMb = new List<string>();
            for (int i = 0; i < steps; i++)
            {
                long faultsBefore = MinorFaults();
                var sw = Stopwatch.StartNew();
                training.Step();
                times.Add($"{sw.Elapsed.TotalSeconds:F3}");
                faults.Add($"{MinorFaults() - faultsBefore}");
                using var self = Process.GetCurrentProcess();
                residentMb.Add($"{self.WorkingSet64 >> 20}");
            }
            Console.WriteLine($"{s.Model}, batch {batch}");
            Console.WriteLine($"step times [s]: {string.Join(" ", times)}");
            Console.WriteLine($"page faults:    {string.Join(" ", faults)}");
            Console.WriteLine($"resident [MB]:  {string.Join(" ", residentMb)}");
            Console.WriteLine($"CPU large-block cache: {cpu.cache_stats()}");
        }
        return 0;
    }

    // Field 10 of /proc/self/stat; the fields before it hold no spaces but the command name's parentheses.
    private static long MinorFaults() =>
        File.Exists("/proc/self/stat") ? long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7]) : 0;

    /// <summary>Runs bench/s2mlp.py with Debian's PyTorch in this process's settings; its last line is JSON.</summary>
    private static JsonObject RunPyTorch(string arguments) => RunPython("s2mlp.py", arguments, OurProcessSettings());

    private static double Median(IReadOnlyList<double> v) => v.Order().ElementAt(v.Count / 2);

    private static JsonArray JsonArrayOf(IReadOnlyList<double> v) => new(v.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
