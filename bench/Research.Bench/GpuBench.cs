using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Research.Models;
using Research.Models.Counting;
using Research.Torch;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Bench;

/// <summary><c>gpu</c>: training throughput (images/s of forward + backward + AdamW step on one fixed batch) of S2-MLP,
/// S2-MLPv2 and MLP-Mixer on one device, in float32 and in bfloat16 autocast, ours beside PyTorch eager running the same
/// models (bench/gpu.py) on the same device; the device's matrix-product peaks; and each step's achieved TFLOP/s as a
/// share of the bf16 peak. Rounds alternate between the two sides (and which goes first), each figure is the median
/// over rounds. Sized to finish in about four minutes on one H200 (see <see cref="Settings"/>).</summary>
internal static class GpuBench
{
    private const int Image = 32;
    private const double RatioTarget = 1.0, Bf16Target = 1.5;

    /// <summary>A model as both sides build it: ours, and its description for bench/gpu.py's <c>build</c>.</summary>
    private sealed record Spec(string Key, string Label, Func<ImageClassifier> Build, JsonObject Python);

    /// <summary>How long each side trains. <paramref name="FirstWarmup"/> covers the first round's one-off costs
    /// (cuDNN's algorithm search, the allocator's first blocks, the JIT's tiers).</summary>
    private sealed record Settings(int Batch, int FirstWarmup, int Warmup, int Steps, int Rounds, int MatmulN, int MatmulCalls, bool Tiny);

    // The budget on one H200 (estimated): at batch 256 a step of these models takes 3-20 ms, so 6 model-precision pairs x
    // 2 sides x 5 rounds x 33 steps is under 40 s, PyTorch's start under 20 s, the peaks a few seconds; well inside 4 min.
    private static Settings For(DeviceOptions o) => (o.OnCuda, o.Quick) switch
    {
        (true, false) => new(256, 10, 3, 30, 5, 8192, 20, false),
        (true, true) => new(256, 5, 2, 10, 3, 8192, 10, false),
        // On the CPU the same models at batch 256 take seconds a step; --quick shrinks them so the path runs in seconds.
        (false, false) => new(256, 2, 1, 3, 3, 2048, 3, false),
        (false, true) => new(8, 1, 1, 2, 2, 256, 3, true),
    };

    private static Spec[] Specs(bool tiny)
    {
        var options = new ModelOptions(10, Image, 3);
        // v1: 4x4 patches (8x8 tokens), width 256, 8 blocks; v2: 2x2 patches (16x16 tokens) at width 128 for 2 blocks, a
        // 2x2 merge to 8x8 at 256 for 6 (as `bench s2mlp`); Mixer: 4x4 patches, width 256, 8 blocks, D_S = 128, D_C = 1024.
        long width = tiny ? 32 : 256;
        int depth = tiny ? 2 : 8;
        int[] depths = tiny ? [1, 1] : [2, 6];
        long[] dims = [width / 2, width];
        return
        [
            new("s2mlp", $"S2-MLP p4 c{width} N{depth}",
                () => new S2Mlp(new S2MlpConfig(PatchSize: 4, EmbedDim: width, Depth: depth), options),
                new JsonObject { ["family"] = "s2mlp", ["patch"] = 4, ["width"] = width, ["depth"] = depth, ["image"] = Image }),
            new("s2mlpv2", $"S2-MLPv2 p2 c{dims[0]}x{depths[0]}+{dims[1]}x{depths[1]}",
                () => new S2MlpV2(new S2MlpV2Config(PatchSize: 2, EmbedDims: dims, Depths: depths), options),
                new JsonObject { ["family"] = "s2mlpv2", ["patch"] = 2, ["dims"] = new JsonArray(dims.Select(d => (JsonNode?)d).ToArray()),
                    ["depths"] = new JsonArray(depths.Select(d => (JsonNode?)d).ToArray()), ["image"] = Image }),
            new("mixer", $"MLP-Mixer p4 c{width} N{depth}",
                () => new MlpMixer(new MlpMixerConfig(PatchSize: 4, Depth: depth, EmbedDim: (int)width), options),
                new JsonObject { ["family"] = "mixer", ["patch"] = 4, ["width"] = width, ["depth"] = depth, ["image"] = Image }),
        ];
    }

    private sealed record Row(string Model, string Label, string Precision, long Params, long Macs, List<double> Ours, List<double> PyTorch)
    {
        /// <summary>Why the row has no numbers: both sides failed alike (the libtorch lacks the feature), or one did.</summary>
        public string? NotRun { get; init; }

        /// <summary>Whether only one side failed: the benchmark then exits 1.</summary>
        public bool Failed { get; init; }

        public bool Measured => NotRun is null;

        public double OursMedian => Median(Ours);
        public double PyTorchMedian => Median(PyTorch);
        public double Ratio => OursMedian / PyTorchMedian;

        // Training costs about 3 forward passes (the backward pass computes two products per forward one), 2 flops a MAC.
        public double TflopsOf(double imagesPerS) => 3.0 * 2.0 * Macs * imagesPerS / 1e12;
    }

    public static int Run(string[] args)
    {
        DeviceOptions o;
        try { o = DeviceOptions.Parse("gpu", args, benchOptions: true); }
        catch (UsageException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        var s = For(o);
        var total = Stopwatch.StartNew();
        PyTorchWorker python;
        try { python = PyTorchWorker.Start(o.Python, o.Device); }
        catch (PyTorchWorker.NotStarted e)
        {
            Console.Error.WriteLine(e.Message);
            return e.BadArgument ? 2 : 1;
        }
        using (python)
        {
            try { return Measure(o, s, python, total); }
            catch (PyTorchWorker.Failed e)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
            catch (TorchException e)   // past the probe of each row: the device failed mid-run
            {
                Console.Error.WriteLine($"ours failed: {e.Message}");
                return 1;
            }
        }
    }

    private static int Measure(DeviceOptions o, Settings s, PyTorchWorker python, Stopwatch total)
    {
        var environment = DeviceReport.Environment(o.Device);
        environment["pytorch"] = python.Info;
        Console.WriteLine($"gpu bench on {o.Device} ({environment["device_name"]}); ours: libtorch {environment["torch_version"]}, " +
                          $"PyTorch {python.Info["torch"]}; batch {s.Batch}, {Image}x{Image} images, {s.Rounds} rounds of {s.Steps} steps" +
                          (s.Tiny ? " (tiny models: --device cpu --quick)" : ""));
        var rows = new List<Row>();
        foreach (var spec in Specs(s.Tiny).Where(sp => o.Models.Contains(sp.Key)))
        {
            manual_seed(0);
            using var model = spec.Build();
            long macs = ModelCounter.Count(model, new ModelOptions(10, Image, 3)).Macs;   // on the CPU, before the move
            model.to(o.Device);
            long pyParams = python.Call(new JsonObject { ["op"] = "build", ["key"] = spec.Key, ["spec"] = spec.Python.DeepClone(), ["batch"] = s.Batch })["params"]!.GetValue<long>();
            if (pyParams != model.num_parameters())
                throw new PyTorchWorker.Failed($"{spec.Label}: PyTorch's model has {pyParams} parameters, ours {model.num_parameters()}: not the same model");
            using var training = new Training(model, s.Batch, o.Device);
            foreach (var precision in o.Precisions)
            {
                var row = Probe(new Row(spec.Key, spec.Label, precision, model.num_parameters(), macs, [], []), training, python);
                if (!row.Measured)
                {
                    Console.WriteLine($"  {spec.Label} {precision}: not run: {row.NotRun}");
                    rows.Add(row);
                    continue;
                }
                for (int round = 0; round < s.Rounds; round++)
                {
                    int warmup = round == 0 ? s.FirstWarmup : s.Warmup;
                    double Py() => python.Call(new JsonObject { ["op"] = "train", ["key"] = spec.Key, ["precision"] = precision, ["steps"] = s.Steps, ["warmup"] = warmup })["images_per_s"]!.GetValue<double>();
                    // Who goes first alternates too, so a drift of the machine (clocks, temperature) falls on both alike.
                    if (round % 2 == 0) { row.Ours.Add(training.ImagesPerS(precision, s.Steps, warmup)); row.PyTorch.Add(Py()); }
                    else { row.PyTorch.Add(Py()); row.Ours.Add(training.ImagesPerS(precision, s.Steps, warmup)); }
                }
                Console.WriteLine($"  {spec.Label} {precision}: ours {row.OursMedian:F0}, PyTorch {row.PyTorchMedian:F0} images/s");
                rows.Add(row);
            }
        }

        var peaks = new JsonObject();
        foreach (var precision in new[] { "bf16", "fp32" })
        {
            double ours = MatmulTflops(s.MatmulN, precision == "bf16" ? bfloat16 : float32, o.Device, s.MatmulCalls, 3);
            double py = python.Call(new JsonObject { ["op"] = "matmul", ["n"] = s.MatmulN, ["precision"] = precision, ["calls"] = s.MatmulCalls, ["repeats"] = 3 })["tflops"]!.GetValue<double>();
            peaks[precision] = new JsonObject { ["n"] = s.MatmulN, ["ours_tflops"] = ours, ["pytorch_tflops"] = py };
        }
        // The machine's peak is the better of the two measurements: both run the same cuBLAS call.
        double bf16Peak = Math.Max(peaks["bf16"]!["ours_tflops"]!.GetValue<double>(), peaks["bf16"]!["pytorch_tflops"]!.GetValue<double>());
        double fp32Peak = Math.Max(peaks["fp32"]!["ours_tflops"]!.GetValue<double>(), peaks["fp32"]!["pytorch_tflops"]!.GetValue<double>());

        var table = Table(rows, bf16Peak);
        var targets = Targets(rows);
        var json = new JsonObject
        {
            ["command"] = "gpu",
            ["device"] = o.Device.ToString(),
            ["quick"] = o.Quick,
            ["settings"] = new JsonObject
            {
                ["batch"] = s.Batch, ["image"] = Image, ["rounds"] = s.Rounds, ["steps"] = s.Steps, ["warmup"] = s.Warmup,
                ["first_warmup"] = s.FirstWarmup, ["tiny_models"] = s.Tiny, ["optimizer"] = "AdamW lr 1e-3, weight decay 0.05",
                ["flops_per_image"] = "3 x 2 x forward MACs (ModelCounter, Linear, Conv2d and matmul)",
            },
            ["peak_matmul"] = peaks,
            ["bf16_peak_tflops"] = bf16Peak,
            ["fp32_peak_tflops"] = fp32Peak,
            ["not_run"] = new JsonArray(rows.Where(r => !r.Measured).Select(r => (JsonNode?)new JsonObject
            {
                ["model"] = r.Model, ["label"] = r.Label, ["precision"] = r.Precision, ["reason"] = r.NotRun, ["failed"] = r.Failed,
            }).ToArray()),
            ["rows"] = new JsonArray(rows.Where(r => r.Measured).Select(r => (JsonNode?)new JsonObject
            {
                ["model"] = r.Model, ["label"] = r.Label, ["precision"] = r.Precision, ["params"] = r.Params, ["forward_macs_per_image"] = r.Macs,
                ["ours_images_per_s"] = r.OursMedian, ["pytorch_images_per_s"] = r.PyTorchMedian, ["ours_over_pytorch"] = r.Ratio,
                ["ours_tflops"] = r.TflopsOf(r.OursMedian), ["pytorch_tflops"] = r.TflopsOf(r.PyTorchMedian),
                ["ours_share_of_bf16_peak"] = r.TflopsOf(r.OursMedian) / bf16Peak,
                ["pytorch_share_of_bf16_peak"] = r.TflopsOf(r.PyTorchMedian) / bf16Peak,
                ["ours_share_of_own_precision_peak"] = r.TflopsOf(r.OursMedian) / (r.Precision == "bf16" ? bf16Peak : fp32Peak),
                ["ours_bf16_over_fp32"] = Bf16OverFp32(rows, r) is { } b ? JsonValue.Create(b) : null,
                ["rounds"] = new JsonObject { ["ours"] = Numbers(r.Ours), ["pytorch"] = Numbers(r.PyTorch) },
            }).ToArray()),
            ["targets"] = targets,
            ["seconds"] = total.Elapsed.TotalSeconds,
            ["environment"] = environment,
        };
        var md = new StringBuilder();
        md.AppendLine($"# gpu bench: {o.Device}{(o.Quick ? " (quick)" : "")}");
        md.AppendLine();
        md.AppendLine(Header(o, s, environment, peaks, bf16Peak, fp32Peak, total.Elapsed.TotalSeconds));
        md.AppendLine();
        md.Append(table);
        md.AppendLine();
        foreach (var r in rows.Where(r => !r.Measured)) md.AppendLine($"- {r.Label} {r.Precision} not run: {r.NotRun}");
        md.AppendLine();
        md.AppendLine(Notes);
        var (jsonPath, mdPath) = DeviceReport.Write(o.Out, "gpu-bench", json, md.ToString());
        Console.WriteLine();
        Console.Write(table);
        Console.WriteLine();
        Console.WriteLine($"bf16 peak {Num(bf16Peak)} TFLOP/s, fp32 peak {Num(fp32Peak)} TFLOP/s ({s.MatmulN}x{s.MatmulN} products); {total.Elapsed.TotalSeconds:F0} s in all");
        Console.WriteLine($"wrote {jsonPath} and {mdPath}");
        if (rows.Any(r => r.Failed))
        {
            Console.Error.WriteLine($"FAILED: {string.Join("; ", rows.Where(r => r.Failed).Select(r => $"{r.Label} {r.Precision}: {r.NotRun}"))}");
            return 1;
        }
        return 0;
    }

    /// <summary>One step on each side before the rounds: a precision this libtorch cannot run fails on both sides alike
    /// (libtorch 1.13's CPU autocast has no float32 rule for layer_norm, for one), and then the row says so instead of
    /// ending the benchmark; a failure on one side only is a fault of that side.</summary>
    private static Row Probe(Row row, Training training, PyTorchWorker python)
    {
        string? ours = null;
        try { training.Step(row.Precision); }
        catch (TorchException e) { ours = e.Message.Split('\n')[0]; }
        var (_, py) = python.TryCall(new JsonObject { ["op"] = "train", ["key"] = row.Model, ["precision"] = row.Precision, ["steps"] = 1, ["warmup"] = 0 });
        return (ours, py) switch
        {
            (null, null) => row,
            (not null, not null) => row with { NotRun = $"both sides fail, so this libtorch cannot: ours \"{ours}\"; PyTorch \"{py}\"" },
            (not null, null) => row with { NotRun = $"ours fails where PyTorch runs: {ours}", Failed = true },
            _ => row with { NotRun = $"PyTorch fails where ours runs: {py}", Failed = true },
        };
    }

    private static double? Bf16OverFp32(List<Row> rows, Row r)
    {
        if (r.Precision != "bf16" || !r.Measured) return null;
        var fp32 = rows.FirstOrDefault(x => x.Model == r.Model && x.Precision == "fp32" && x.Measured);
        return fp32 is null ? null : r.OursMedian / fp32.OursMedian;
    }

    private static string Table(List<Row> rows, double bf16Peak)
    {
        var t = new StringBuilder();
        t.AppendLine($"| model | precision | params | ours [img/s] | PyTorch [img/s] | ours/PyTorch (target >= {RatioTarget:F1}x) | " +
                     $"ours [TFLOP/s] | ours, % of bf16 peak | PyTorch, % of bf16 peak | ours bf16/fp32 (target >= {Bf16Target:F1}x on S2-MLP) |");
        t.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in rows)
        {
            if (!r.Measured)
            {
                t.AppendLine($"| {r.Label} | {r.Precision} | {r.Params / 1e6:F2}M | not run{(r.Failed ? " (FAILED)" : "")} | | | | | | |");
                continue;
            }
            string speedup = Bf16OverFp32(rows, r) is { } b ? Mark(b, r.Model == "s2mlp" ? Bf16Target : null) : "";
            t.AppendLine($"| {r.Label} | {r.Precision} | {r.Params / 1e6:F2}M | {r.OursMedian:F0} | {r.PyTorchMedian:F0} | {Mark(r.Ratio, RatioTarget)} | " +
                         $"{Num(r.TflopsOf(r.OursMedian))} | {100 * r.TflopsOf(r.OursMedian) / bf16Peak:F1}% | {100 * r.TflopsOf(r.PyTorchMedian) / bf16Peak:F1}% | {speedup} |");
        }
        return t.ToString();
    }

    /// <summary>Three significant digits for the small numbers of a CPU run, two decimals from 1 up.</summary>
    private static string Num(double value) =>
        value.ToString(Math.Abs(value) >= 1 ? "F2" : "G3", CultureInfo.InvariantCulture);

    private static string Mark(double value, double? target) =>
        value.ToString("F2", CultureInfo.InvariantCulture) + "x" + (target is null ? "" : value >= target ? " (met)" : " (missed)");

    private static JsonArray Targets(List<Row> rows)
    {
        var targets = new JsonArray();
        foreach (var r in rows.Where(r => r.Measured))
            targets.Add(new JsonObject { ["name"] = $"ours/PyTorch {r.Model} {r.Precision}", ["value"] = r.Ratio, ["target"] = RatioTarget, ["met"] = r.Ratio >= RatioTarget });
        foreach (var r in rows.Where(r => r.Model == "s2mlp"))
            if (Bf16OverFp32(rows, r) is { } b)
                targets.Add(new JsonObject { ["name"] = "ours bf16/fp32 s2mlp", ["value"] = b, ["target"] = Bf16Target, ["met"] = b >= Bf16Target });
        return targets;
    }

    private static string Header(DeviceOptions o, Settings s, JsonObject env, JsonObject peaks, double bf16Peak, double fp32Peak, double seconds)
    {
        var py = env["pytorch"]!;
        return $"Device {o.Device}: {env["device_name"]}. Ours: libtorch {env["torch_version"]} through the kit; PyTorch {py["torch"]} eager " +
               $"(`{o.Python} bench/gpu.py`). Batch {s.Batch} of {Image}x{Image} RGB images, 10 classes, one fixed batch on the device; " +
               $"{s.Rounds} rounds of {s.Steps} timed steps after warm-up steps ({s.FirstWarmup} in the first round, {s.Warmup} in the others), " +
               $"the two sides taking turns; medians over rounds." + (s.Tiny ? " Tiny models (width 32, 2 blocks), as `--device cpu --quick` runs them." : "") +
               $"\n\nMatrix-product peak ({s.MatmulN}x{s.MatmulN}): bf16 {Num(bf16Peak)} TFLOP/s (ours {Peak(peaks, "bf16", "ours")}, PyTorch " +
               $"{Peak(peaks, "bf16", "pytorch")}), fp32 {Num(fp32Peak)} TFLOP/s (ours {Peak(peaks, "fp32", "ours")}, PyTorch {Peak(peaks, "fp32", "pytorch")}). " +
               $"{seconds:F0} s in all.";
    }

    private static string Peak(JsonObject peaks, string precision, string side) => Num(peaks[precision]![$"{side}_tflops"]!.GetValue<double>());

    private const string Notes =
        "TFLOP/s: 3 x 2 flops x the forward pass's multiply-accumulates per image (Linear, Conv2d and matmul, counted by " +
        "`ModelCounter` on a real forward as `bench counts` does) x images/s; the backward pass costs about two forward " +
        "passes, element-wise work is not counted. The share is of the bf16 peak for both precisions (the JSON also has each " +
        "fp32 row's share of the fp32 peak). Both sides: AdamW (lr 1e-3, weight decay 0.05) as each library ships it (PyTorch's " +
        "default implementation for the device; the kit's multi-tensor `_foreach_` step on a GPU, its fused kernel on the CPU), `zero_grad` to None, bf16 as autocast " +
        "around forward and loss with float32 parameters. CUDA clocks are read after `torch.cuda.synchronize()` on both sides.";

    /// <summary>The best over <paramref name="repeats"/> of the mean rate of <paramref name="calls"/> n x n products.</summary>
    private static double MatmulTflops(int n, ScalarType dtype, Device device, int calls, int repeats)
    {
        using var scope = NewDisposeScope();
        var a = randn([n, n], device: device).to(dtype);
        var b = randn([n, n], device: device).to(dtype);
        for (int i = 0; i < 3; i++) a.mm(b).Dispose();
        double best = 0;
        for (int r = 0; r < repeats; r++)
        {
            Sync(device);
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++) a.mm(b).Dispose();
            Sync(device);
            best = Math.Max(best, 2.0 * n * n * n * calls / sw.Elapsed.TotalSeconds / 1e12);
        }
        return best;
    }

    private static void Sync(Device device)
    {
        if (device.Type == DeviceType.CUDA) torch.cuda.synchronize(device.Index);
    }

    /// <summary>Training on one fixed random batch on the device: forward and loss (inside autocast for bf16), backward,
    /// AdamW. The loss is never read: on a GPU that would wait for every step.</summary>
    private sealed class Training : IDisposable
    {
        private readonly ImageClassifier model;
        private readonly Device device;
        private readonly int batch;
        private readonly optim.AdamW opt;
        private readonly Tensor x, y;

        public Training(ImageClassifier model, int batch, Device device)
        {
            (this.model, this.batch, this.device) = (model, batch, device);
            opt = new optim.AdamW(model.parameters(), lr: 1e-3, weight_decay: 0.05);
            x = randn([batch, 3, Image, Image], device: device);
            y = randint(0, 10, [batch], device: device);
            model.train();
        }

        public void Step(string precision)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            Tensor loss;
            using (autocast(device.Type, bfloat16, enabled: precision == "bf16"))
                loss = F.cross_entropy(model.forward(x), y);
            loss.backward();
            opt.step();
        }

        public double ImagesPerS(string precision, int steps, int warmup)
        {
            for (int i = 0; i < warmup; i++) Step(precision);
            Sync(device);
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) Step(precision);
            Sync(device);
            return batch * steps / sw.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            opt.Dispose();
            x.Dispose();
            y.Dispose();
        }
    }

    private static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);

    private static JsonArray Numbers(List<double> v) => new(v.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
}
