using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Research.Graphs;
using Research.Models;
using Research.Models.Layers;
using Research.Torch;
using Research.Torch.Golden;
using Research.Torch.Modules;
using static Research.Bench.BenchSupport;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;
using Registry = Research.Models.Models;

namespace Research.Bench;

/// <summary><c>device-check</c>: whether the kit computes on a device what it computes on the CPU, before any number
/// measured there is trusted. (a) every golden operator case, forward and backward; (b) two training steps of every
/// registered model, and of the graph models, from the same weights and batch; (c) memory that stays flat over many
/// training steps. Exit 0 when every check passes, 1 when one fails, 2 for a bad command line (nothing written).
/// With <c>--device cpu</c> the "device" is the CPU again: the results agree trivially, and the whole path runs.</summary>
internal static class DeviceCheck
{
    // float32 tolerances. Operators: PyTorch's allclose, |device - cpu| <= atol + rtol |cpu| per element. cuDNN
    // convolutions run in TF32 by default (torch.backends.cudnn.allow_tf32 is true in libtorch too), which rounds their
    // inputs to 10 mantissa bits (relative error about 5e-4 per product), hence the looser tier for them; cuBLAS matrix
    // products stay full float32 by default (allow_tf32 false for matmul), so they keep the tight tier.
    private const double OpRtol = 1e-4, OpAtol = 1e-5;
    private const double Tf32Rtol = 1e-2, Tf32Atol = 1e-2;

    // Training steps: every model has a convolution stem (TF32 on a GPU), and errors grow through the blocks, so a tensor
    // passes when max |device - cpu| <= atol + rtol * max |cpu| over the tensor (for parameters after the steps, the scale
    // is their change, max |after - before|). A wrong operator or a stale copy is off by far more than 1e-2.
    private const double StepRtol = 1e-2, StepAtol = 1e-6;
    private const double LossRtol = 1e-3;

    // SGD, not AdamW, for the comparison: Adam's first step moves each element by lr * g / (|g| + eps), nearly +-lr
    // whatever g's size, so a near-zero gradient whose sign rounding flips would differ by 2 lr and the check would
    // measure sign noise. The memory check (c) trains with AdamW on the device.
    private const double SgdLr = 0.1, SgdMomentum = 0.9;
    private const int SgdSteps = 2;
    private const int StepBatch = 4;

    // Memory: after each step's dispose scope, from step 10 on, the live tensor count equals step 10's exactly; CUDA's
    // allocated bytes may differ by this slack (allocator-internal blocks), resident memory by the other (the .NET
    // heap and glibc's arenas settle over the first hundred steps).
    private const long CudaSlackBytes = 1L << 20;
    private const long RssSlackBytes = 64L << 20;
    private const int MemoryBaselineStep = 10;

    private sealed record Check(string Name, string Status, string Tolerance, string Summary, JsonObject Data)
    {
        public bool Failed => Status == "fail";
    }

    public static int Run(string[] args)
    {
        DeviceOptions o;
        try { o = DeviceOptions.Parse("device-check", args, benchOptions: false); }
        catch (UsageException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        var total = Stopwatch.StartNew();
        var environment = DeviceReport.Environment(o.Device);
        Console.WriteLine($"device-check on {o.Device} ({environment["device_name"]}), libtorch {environment["torch_version"]}" +
                          (o.OnCuda ? "" : "; the device is the CPU, so every comparison is cpu against cpu"));

        var checks = new List<Check>();
        void Add(Check c)
        {
            checks.Add(c);
            Console.WriteLine($"  {c.Status,-4} {c.Name}: {c.Summary}");
        }
        Add(Guarded("golden operators", $"float32; rtol {OpRtol:g}, atol {OpAtol:g}; convolutions (TF32) rtol {Tf32Rtol:g}, atol {Tf32Atol:g}",
            () => GoldenOps(o.Device)));
        foreach (var entry in ModelEntries(o.Quick))
            Add(Guarded($"training step: {entry.Name} ({entry.Family})", StepTolerance, () => ModelStep(entry, o.Device)));
        Add(Guarded("training step: graph models (GCN, GraphSAGE, GAT, student MLP)", StepTolerance, () => GraphStep(o.Device)));
        int steps = o.Quick ? 50 : 500;
        Add(Guarded($"memory over {steps} AdamW steps (s2mlp_wide small)",
            $"from step {MemoryBaselineStep}: live tensors equal; CUDA allocated within {CudaSlackBytes >> 20} MiB; resident within {RssSlackBytes >> 20} MiB",
            () => Memory(o.Device, steps)));

        bool passed = checks.All(c => !c.Failed);
        var json = new JsonObject
        {
            ["command"] = "device-check",
            ["device"] = o.Device.ToString(),
            ["quick"] = o.Quick,
            ["passed"] = passed,
            ["cpu_against_cpu"] = !o.OnCuda,
            ["seconds"] = total.Elapsed.TotalSeconds,
            ["environment"] = environment,
            ["checks"] = new JsonArray(checks.Select(c => (JsonNode?)new JsonObject
            {
                ["name"] = c.Name, ["status"] = c.Status, ["tolerance"] = c.Tolerance, ["summary"] = c.Summary, ["data"] = c.Data,
            }).ToArray()),
        };
        var (jsonPath, mdPath) = DeviceReport.Write(o.Out, "device-check", json, Markdown(o, environment, checks, passed, total.Elapsed.TotalSeconds));
        Console.WriteLine($"{(passed ? "every check passed" : $"{checks.Count(c => c.Failed)} check(s) FAILED")} in {total.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"wrote {jsonPath} and {mdPath}");
        return passed ? 0 : 1;
    }

    private static readonly string StepTolerance =
        $"float32, {SgdSteps} SGD steps (lr {SgdLr}, momentum {SgdMomentum}); losses rtol {LossRtol:g}; per tensor, gradients and " +
        $"final parameters max abs diff <= {StepAtol:g} + {StepRtol:g} x max abs of the cpu's (for parameters: of their change)";

    /// <summary>A check that throws (an operator missing on the device, a tensor left on the CPU) fails with the error's
    /// first line, and the checks after it still run.</summary>
    private static Check Guarded(string name, string tolerance, Func<(bool Passed, string Summary, JsonObject Data)> run)
    {
        try
        {
            var (passed, summary, data) = run();
            return new Check(name, passed ? "pass" : "fail", tolerance, summary, data);
        }
        catch (NotApplicable e)
        {
            return new Check(name, "n/a", tolerance, e.Message, new JsonObject());
        }
        catch (Exception e)
        {
            var message = e.Message.Split('\n')[0];
            return new Check(name, "fail", tolerance, $"threw {e.GetType().Name}: {message}", new JsonObject { ["error"] = e.ToString() });
        }
    }

    private sealed class NotApplicable(string reason) : Exception(reason);

    // ----- (a) golden operators ---------------------------------------------------------------------------------

    private static (bool, string, JsonObject) GoldenOps(Device device)
    {
        var golden = SafeTensors.Load(Asset(Path.Combine("tests", "golden", "torch_ops.safetensors")));
        try
        {
            var rows = new JsonArray();
            var failed = new List<string>();
            double worst = 0;
            string worstCase = "";
            foreach (var name in GoldenOpCases.All.Keys)
            {
                using var scope = NewDisposeScope();
                bool tf32 = name.StartsWith("conv2d");
                var (rtol, atol) = tf32 ? (Tf32Rtol, Tf32Atol) : (OpRtol, OpAtol);
                var problems = new List<string>();
                double outputDiff = double.NaN, gradDiff = 0, used = 0;
                try
                {
                    var (cpuOut, cpuGrads) = GoldenOpCases.Evaluate(golden, name, Device.CPU, float32);
                    var (devOut, devGrads) = GoldenOpCases.Evaluate(golden, name, device, float32);
                    (outputDiff, used) = Elementwise("output", cpuOut, devOut, rtol, atol, problems);
                    for (int k = 0; k < (cpuGrads?.Length ?? 0); k++)
                    {
                        var (c, d) = (cpuGrads![k], devGrads![k]);
                        if ((c is null) != (d is null)) { problems.Add($"gradient {k} is {(c is null ? "absent on the cpu" : "absent on the device")}"); continue; }
                        if (c is null) continue;
                        var (diff, u) = Elementwise($"gradient {k}", c, d!, rtol, atol, problems);
                        gradDiff = Math.Max(gradDiff, diff);
                        used = Math.Max(used, u);
                    }
                }
                catch (Exception e)
                {
                    problems.Add($"threw {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                }
                if (problems.Count > 0) failed.Add(name);
                if (used > worst) (worst, worstCase) = (used, name);
                rows.Add(new JsonObject
                {
                    ["case"] = name, ["tier"] = tf32 ? "tf32" : "float32", ["pass"] = problems.Count == 0,
                    ["max_abs_diff_output"] = Finite(outputDiff), ["max_abs_diff_gradients"] = gradDiff,
                    ["tolerance_used"] = used, ["problems"] = string.Join("; ", problems),
                });
            }
            string summary = failed.Count == 0
                ? $"{rows.Count} cases agree; " + (worst == 0 ? "every difference is zero" : $"the closest to its tolerance is {worstCase} at {Percent(worst)} of it")
                : $"{failed.Count} of {rows.Count} cases differ: {string.Join(", ", failed)}";
            return (failed.Count == 0, summary, new JsonObject { ["cases"] = rows });
        }
        finally
        {
            foreach (var t in golden.Values) t.Dispose();
        }
    }

    /// <summary>Compares a device result with the CPU's element by element; returns the largest difference and the largest
    /// fraction of the tolerance any element uses (above 1 fails).</summary>
    private static (double MaxDiff, double Used) Elementwise(string what, Tensor cpu, Tensor device, double rtol, double atol, List<string> problems)
    {
        if (!cpu.shape.SequenceEqual(device.shape) || cpu.dtype != device.dtype)
        {
            problems.Add($"{what}: cpu [{string.Join(", ", cpu.shape)}] {cpu.dtype}, device [{string.Join(", ", device.shape)}] {device.dtype}");
            return (double.NaN, double.PositiveInfinity);
        }
        if (cpu.numel() == 0) return (0, 0);
        var back = device.to(Device.CPU);
        if (!cpu.is_floating_point())
        {
            bool same = back.equal(cpu);
            if (!same) problems.Add($"{what}: integer or boolean results differ");
            return same ? (0, 0) : (double.PositiveInfinity, double.PositiveInfinity);
        }
        var a = cpu.to(float64);
        var diff = (back.to(float64) - a).abs();
        double maxDiff = diff.max().ToDouble();
        double used = (diff / (a.abs() * rtol + atol)).max().ToDouble();
        if (!(used <= 1)) problems.Add($"{what}: max |diff| {maxDiff:g3} exceeds atol {atol:g} + rtol {rtol:g} |cpu|");
        return (maxDiff, used);
    }

    // ----- (b) one training step ----------------------------------------------------------------------------------

    /// <summary>Every registered variant at its small configuration; with --quick the first of each family.</summary>
    private static IEnumerable<ModelEntry> ModelEntries(bool quick)
    {
        var entries = Registry.All.Where(e => e.SmallConfig is not null);
        return quick ? entries.GroupBy(e => e.Family).Select(g => g.First()) : entries;
    }

    private static (bool, string, JsonObject) ModelStep(ModelEntry entry, Device device)
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        using var cpuModel = Registry.CreateSmall(entry.Name);
        RequireDeterministic(cpuModel);
        using var devModel = Registry.CreateSmall(entry.Name);
        devModel.to(device);
        devModel.load_state_dict(cpuModel.state_dict());
        var o = entry.SmallOptions;
        var x = randn(StepBatch, o.InChannels, o.ImageSize, o.ImageSize);
        var y = randint(0, o.NumClasses, [StepBatch]);
        var xd = x.to(device);
        var yd = y.to(device);
        var cpu = SgdStep(cpuModel, () => F.cross_entropy(cpuModel.forward(x), y));
        var dev = SgdStep(devModel, () => F.cross_entropy(devModel.forward(xd), yd));
        return CompareSteps(cpu, dev, new JsonObject { ["params"] = cpuModel.num_parameters() });
    }

    /// <summary>GCN, GraphSAGE, GAT and the student MLP on a small CSBM graph, the adjacency built on the device from the
    /// CPU's edge list. The graph layers follow their inputs' device; the FF-G2M pipeline around them (Ffg2m.Run,
    /// NodeTraining) takes no device and stays on the CPU, so it is not part of this check.</summary>
    private static (bool, string, JsonObject) GraphStep(Device device)
    {
        using var scope = NewDisposeScope();
        using var graph = Csbm.Generate(new CsbmOptions(Nodes: 200, Classes: 4, FeatureDim: 16, ValNodes: 40, Seed: 0));
        var loops = graph.WithSelfLoops;
        using var cpuAdj = Adjacency.FromIndex(graph.NumNodes, loops.Src, loops.Dst, hasSelfLoops: true);
        using var devAdj = Adjacency.FromIndex(graph.NumNodes, loops.Src.to(device), loops.Dst.to(device), hasSelfLoops: true);
        var (x, labels, train) = (graph.Features, graph.Labels, graph.TrainIndex);
        var (xd, labelsd, traind) = (x.to(device), labels.to(device), train.to(device));
        long f = graph.NumFeatures, c = graph.NumClasses;
        var builders = new (string Name, Func<NodeModel> Build)[]
        {
            ("gcn", () => new Gcn(2, f, 16, c, 0.0)),
            ("graphsage", () => new GraphSage(2, f, 16, c, 0.0)),
            ("gat", () => new Gat(2, f, 16, c, 0.0, heads: 4, attnDrop: 0.0)),
            ("student_mlp", () => new StudentMlp(2, f, 16, c, 0.0)),
        };
        bool passed = true;
        var parts = new List<string>();
        var data = new JsonObject();
        foreach (var (name, build) in builders)
        {
            manual_seed(0);
            using var cpuModel = build();
            using var devModel = build();
            devModel.to(device);
            devModel.load_state_dict(cpuModel.state_dict());
            var cpu = SgdStep(cpuModel, () => F.cross_entropy(cpuModel.forward(cpuAdj, x).index_select(0, train), labels.index_select(0, train)));
            var dev = SgdStep(devModel, () => F.cross_entropy(devModel.forward(devAdj, xd).index_select(0, traind), labelsd.index_select(0, traind)));
            var (ok, summary, detail) = CompareSteps(cpu, dev, new JsonObject { ["params"] = cpuModel.num_parameters() });
            passed &= ok;
            parts.Add($"{name}: {summary}");
            data[name] = detail;
        }
        return (passed, string.Join("; ", parts), data);
    }

    /// <summary>Dropout and stochastic depth draw from each device's own generator, so their masks differ; the small
    /// configurations turn them off, and a model that keeps one cannot be compared this way.</summary>
    private static void RequireDeterministic(nn.Module model)
    {
        var random = model.named_modules()
            .Where(m => m.module is Dropout { p: > 0 } || m.module is DropPath { drop_prob: > 0 })
            .Select(m => m.name).ToList();
        if (random.Count > 0)
            throw new NotApplicable($"its small configuration keeps random layers ({string.Join(", ", random.Take(3))}), whose draws differ between devices");
    }

    private sealed record StepOutcome(double[] Losses, List<Dictionary<string, Tensor?>> Grads,
        Dictionary<string, Tensor> Before, Dictionary<string, Tensor> After, Dictionary<string, Tensor> Buffers);

    /// <summary><see cref="SgdSteps"/> steps in training mode (forward, loss, backward, SGD), then the loss once more;
    /// CPU copies of every step's gradients and of the parameters and buffers at the end. Two steps, because a head that
    /// starts at zero (MLP-Mixer's, as its paper initialises it) passes no gradient back on the first, so only the second
    /// reaches the blocks. The tensors belong to the caller's dispose scope.</summary>
    private static StepOutcome SgdStep(nn.Module model, Func<Tensor> loss)
    {
        Tensor Copy(Tensor t) => t.detach().to(Device.CPU, copy: true);
        model.train();
        var before = model.named_parameters().ToDictionary(p => p.name, p => Copy(p.parameter));
        using var opt = new optim.SGD(model.parameters(), lr: SgdLr, momentum: SgdMomentum);
        var losses = new double[SgdSteps + 1];
        var grads = new List<Dictionary<string, Tensor?>>();
        for (int step = 0; step < SgdSteps; step++)
        {
            opt.zero_grad();
            var value = loss();
            value.backward();
            losses[step] = value.ToDouble();
            grads.Add(model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad is { } g ? Copy(g) : null));
            opt.step();
        }
        using (no_grad()) losses[SgdSteps] = loss().ToDouble();
        return new StepOutcome(losses, grads, before,
            model.named_parameters().ToDictionary(p => p.name, p => Copy(p.parameter)),
            model.named_buffers().ToDictionary(b => b.name, b => Copy(b.buffer)));
    }

    private static (bool, string, JsonObject) CompareSteps(StepOutcome cpu, StepOutcome dev, JsonObject data)
    {
        var problems = new List<string>();
        double lossUsed = cpu.Losses.Zip(dev.Losses, LossUse).Max();
        if (!(lossUsed <= 1)) problems.Add($"losses cpu {Join(cpu.Losses)}, device {Join(dev.Losses)}");

        var (gradUsed, gradAt) = (0.0, "");
        for (int step = 0; step < cpu.Grads.Count; step++)
            foreach (var (name, g) in cpu.Grads[step])
            {
                var d = dev.Grads[step][name];
                if ((g is null) != (d is null)) { problems.Add($"{name}: gradient {(g is null ? "only on the device" : "missing on the device")}"); continue; }
                if (g is null) continue;
                double used = ScaledUse(g, d!, g.abs().max().ToDouble());
                if (used > gradUsed || double.IsNaN(used)) (gradUsed, gradAt) = (used, $"{name} (step {step + 1})");
            }
        var (paramUsed, paramAt) = (0.0, "");
        foreach (var (name, p) in cpu.After)
        {
            double stepSize = (p - cpu.Before[name]).abs().max().ToDouble();
            double used = ScaledUse(p, dev.After[name], stepSize);
            if (used > paramUsed || double.IsNaN(used)) (paramUsed, paramAt) = (used, name);
        }
        var (bufferUsed, bufferAt) = (0.0, "");
        foreach (var (name, b) in cpu.Buffers)
        {
            var d = dev.Buffers[name];
            double used = b.is_floating_point() ? ScaledUse(b, d, b.abs().max().ToDouble()) : (b.equal(d) ? 0 : double.PositiveInfinity);
            if (used > bufferUsed || double.IsNaN(used)) (bufferUsed, bufferAt) = (used, name);
        }
        if (!(gradUsed <= 1)) problems.Add($"gradient of {gradAt} at {Percent(gradUsed)} of its tolerance");
        if (!(paramUsed <= 1)) problems.Add($"parameter {paramAt} after the steps at {Percent(paramUsed)} of its tolerance");
        if (!(bufferUsed <= 1)) problems.Add($"buffer {bufferAt} at {Percent(bufferUsed)} of its tolerance");

        data["losses_cpu"] = new JsonArray(cpu.Losses.Select(l => Finite(l)).ToArray());
        data["losses_device"] = new JsonArray(dev.Losses.Select(l => Finite(l)).ToArray());
        data["gradients_tolerance_used"] = Finite(gradUsed);
        data["gradients_worst"] = gradAt;
        data["parameters_tolerance_used"] = Finite(paramUsed);
        data["parameters_worst"] = paramAt;
        data["buffers_tolerance_used"] = Finite(bufferUsed);
        data["problems"] = string.Join("; ", problems);
        string summary = problems.Count == 0
            ? $"losses {Join(cpu.Losses)}; gradients at {Percent(gradUsed)}, parameters at {Percent(paramUsed)} of the tolerance"
            : string.Join("; ", problems);
        return (problems.Count == 0, summary, data);
    }

    private static string Join(double[] losses) => string.Join(", ", losses.Select(l => l.ToString("F4", CultureInfo.InvariantCulture)));

    private static double LossUse(double cpu, double device) => Math.Abs(device - cpu) / (LossRtol * Math.Max(1, Math.Abs(cpu)));

    /// <summary>max |device - cpu| as a fraction of atol + rtol * <paramref name="scale"/>.</summary>
    private static double ScaledUse(Tensor cpu, Tensor device, double scale)
    {
        if (cpu.numel() == 0) return 0;
        if (!cpu.shape.SequenceEqual(device.shape)) return double.PositiveInfinity;
        double diff = (device.to(float64) - cpu.to(float64)).abs().max().ToDouble();
        return diff / (StepAtol + StepRtol * scale);
    }

    // ----- (c) memory over many steps -----------------------------------------------------------------------------

    private static (bool, string, JsonObject) Memory(Device device, int steps)
    {
        bool onCuda = device.Type == DeviceType.CUDA;
        bool cudaBytes = onCuda && torch.cuda.memory_stats_available();
        int index = device.Index;
        manual_seed(0);
        using var model = Registry.CreateSmall("s2mlp_wide");
        model.to(device);
        model.train();
        using var opt = new optim.AdamW(model.parameters(), lr: 1e-3, weight_decay: 0.05);
        using var x = randn([32, 3, 32, 32], device: device);
        using var y = randint(0, 10, [32], device: device);
        if (cudaBytes) torch.cuda.reset_peak_memory_stats(index);

        long baseLive = 0, baseBytes = 0, baseRss = 0, endRss = 0;
        long worstLive = 0, worstBytes = 0;
        int firstDrift = 0;
        var samples = new JsonArray();
        var clock = Stopwatch.StartNew();
        double loss = double.NaN;
        for (int step = 1; step <= steps; step++)
        {
            using (var scope = NewDisposeScope())
            {
                opt.zero_grad();
                var l = F.cross_entropy(model.forward(x), y);
                l.backward();
                opt.step();
                if (step == steps) loss = l.ToDouble();
            }
            long live = LiveTensors;
            long bytes = cudaBytes ? torch.cuda.memory_allocated(index) : 0;
            if (step == MemoryBaselineStep || step == steps)
            {
                if (onCuda) torch.cuda.synchronize(index);
                long rss = System.Environment.WorkingSet;
                samples.Add(new JsonObject { ["step"] = step, ["live_tensors"] = live, ["cuda_allocated_bytes"] = cudaBytes ? JsonValue.Create(bytes) : null, ["rss_bytes"] = rss });
                if (step == MemoryBaselineStep) (baseLive, baseBytes, baseRss) = (live, bytes, rss);
                else endRss = rss;
            }
            if (step > MemoryBaselineStep)
            {
                long dLive = live - baseLive, dBytes = bytes - baseBytes;
                if (Math.Abs(dLive) > Math.Abs(worstLive)) worstLive = dLive;
                if (Math.Abs(dBytes) > Math.Abs(worstBytes)) worstBytes = dBytes;
                if (firstDrift == 0 && (dLive != 0 || Math.Abs(dBytes) > CudaSlackBytes)) firstDrift = step;
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        long rssGrowth = endRss - baseRss;
        var problems = new List<string>();
        if (worstLive != 0) problems.Add($"live tensors drift by {worstLive:+#;-#} from step {MemoryBaselineStep}'s {baseLive} (first at step {firstDrift})");
        if (Math.Abs(worstBytes) > CudaSlackBytes) problems.Add($"CUDA allocated bytes drift by {worstBytes:+#;-#} from step {MemoryBaselineStep}'s {baseBytes} (first at step {firstDrift})");
        if (rssGrowth > RssSlackBytes) problems.Add($"resident memory grew by {rssGrowth >> 20} MiB from step {MemoryBaselineStep} to {steps}");
        if (!double.IsFinite(loss)) problems.Add($"the last loss is {loss}");

        var data = new JsonObject
        {
            ["steps"] = steps, ["batch"] = 32, ["params"] = model.num_parameters(), ["seconds"] = seconds,
            ["steps_per_s"] = steps / seconds, ["last_loss"] = Finite(loss), ["samples"] = samples,
            ["live_tensors_at_baseline"] = baseLive, ["worst_live_tensor_drift"] = worstLive,
            ["cuda_memory_stats"] = cudaBytes, ["cuda_allocated_at_baseline"] = cudaBytes ? JsonValue.Create(baseBytes) : null,
            ["worst_cuda_allocated_drift_bytes"] = cudaBytes ? JsonValue.Create(worstBytes) : null,
            ["cuda_max_allocated_bytes"] = cudaBytes ? JsonValue.Create(torch.cuda.max_memory_allocated(index)) : null,
            ["cuda_reserved_bytes"] = cudaBytes ? JsonValue.Create(torch.cuda.memory_reserved(index)) : null,
            ["rss_growth_bytes"] = rssGrowth, ["problems"] = string.Join("; ", problems),
        };
        string counters = cudaBytes ? $"CUDA allocated {baseBytes >> 10} KiB (drift {worstBytes} B), "
            : onCuda ? "CUDA byte counters not built into the shim (live tensors only), " : "";
        string summary = problems.Count == 0
            ? $"{baseLive} live tensors at every step from {MemoryBaselineStep} to {steps}, {counters}resident +{rssGrowth >> 20} MiB; {steps / seconds:F0} steps/s"
            : string.Join("; ", problems);
        return (problems.Count == 0, summary, data);
    }

    // ----- the report -------------------------------------------------------------------------------------------

    private static string Markdown(DeviceOptions o, JsonObject environment, List<Check> checks, bool passed, double seconds)
    {
        var md = new StringBuilder();
        md.AppendLine($"# device-check: {o.Device}{(o.Quick ? " (quick)" : "")}");
        md.AppendLine();
        md.AppendLine($"**{(passed ? "Every check passed" : $"{checks.Count(c => c.Failed)} of {checks.Count} checks FAILED")}** in {seconds:F1} s.");
        md.AppendLine();
        if (!o.OnCuda)
        {
            md.AppendLine("Run with `--device cpu`: the \"device\" is the CPU as well, so each comparison is the CPU against itself and " +
                          "agrees trivially. It exercises the whole path (golden files, every model, the memory loop); the numbers " +
                          "that matter come from `--device cuda`.");
            md.AppendLine();
        }
        md.AppendLine("| | |");
        md.AppendLine("| --- | --- |");
        foreach (var key in new[] { "device", "device_name", "torch_version", "cuda_available", "cuda_device_count", "cuda_memory_stats_available", "cores", "threads", "dotnet", "date" })
            md.AppendLine($"| {key} | {environment[key]} |");
        md.AppendLine();
        md.AppendLine("## Checks");
        md.AppendLine();
        md.AppendLine("| status | check | tolerance | result |");
        md.AppendLine("| --- | --- | --- | --- |");
        foreach (var c in checks) md.AppendLine($"| {c.Status} | {c.Name} | {Cell(c.Tolerance)} | {Cell(c.Summary)} |");
        md.AppendLine();
        md.AppendLine("Tolerances: float32 on both sides. cuDNN convolutions run in TF32 by default (libtorch's `allow_tf32` for " +
                      "cuDNN is on), so the convolution cases and every model (each has a convolution stem) use the looser tier; " +
                      "cuBLAS matrix products stay float32. The training step is SGD with momentum rather than AdamW, whose first " +
                      "step moves every element by about ±lr whatever the gradient's size, so rounding at a near-zero gradient would " +
                      "flip a whole step. \"Tolerance used\" is the largest difference as a fraction of what is allowed.");
        md.AppendLine();
        if (checks.FirstOrDefault(c => c.Name == "golden operators")?.Data["cases"] is JsonArray cases)
        {
            md.AppendLine("## Golden operators (tests/golden/torch_ops.safetensors, cast to float32)");
            md.AppendLine();
            md.AppendLine("| case | tier | pass | max abs diff, output | max abs diff, gradients | tolerance used | problems |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
            foreach (var row in cases.OfType<JsonObject>())
                md.AppendLine($"| {row["case"]} | {row["tier"]} | {((bool)row["pass"]! ? "yes" : "NO")} | {Num(row["max_abs_diff_output"])} | " +
                              $"{Num(row["max_abs_diff_gradients"])} | {Percent((double?)row["tolerance_used"] ?? double.NaN)} | {Cell(row["problems"]?.ToString() ?? "")} |");
            md.AppendLine();
        }
        return md.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");

    private static string Num(JsonNode? value) => value is null ? "-" : ((double)value).ToString("g3", CultureInfo.InvariantCulture);

    private static string Percent(double fraction) =>
        double.IsFinite(fraction) ? (fraction * 100).ToString(fraction < 0.01 ? "0.###" : "0.#", CultureInfo.InvariantCulture) + "%" : "∞";

    /// <summary>JSON has no infinities or NaN: those become null.</summary>
    private static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;
}
