using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Research.Data;
using Research.Experiments;
using Research.Models;
using Research.Torch;
using Research.Training;
using static Research.Torch.torch;

namespace Research.Cli;

/// <summary><c>train</c>: any registered model on any dataset, with a progress bar, JSON-lines metrics, checkpoints
/// (an interrupted run continues where it stopped when started again with the same output folder) and a
/// <c>summary.json</c>.</summary>
public static class TrainCommand
{
    public const string Usage = """
        research-cli train --model NAME --dataset NAME [options]
          --model NAME           a registered model (research-cli models lists them)
          --set Key=Value        override a field of the model's configuration record (repeatable)
          --dataset NAME         fashion-mnist (default), cifar10, displacement[-vertical|-horizontal], stripes
          --data DIR             folder of the dataset files (default: the dataset's own default)
          --budget NAME          smoke | quick | full (default: RESEARCH_BUDGET, else quick); sets the
                                 defaults of --epochs and --fraction: smoke 1 epoch on 2% of the images,
                                 quick 3 epochs on 25%, full 30 epochs on all
          --epochs N  --fraction F  --batch-size B (128)  --seed S (0)
          --optimizer adamw|sgd (adamw)  --lr X (1e-3)  --min-lr X (1e-5)  --wd X (0.05)
          --warmup-epochs X (1)  --smoothing X (0.1)  --clip X (off)
          --crop-padding N  --flip true|false  (dataset defaults)  --mixup A  --cutmix A (off)
          --log-every N (50)  --eval-every N (each epoch)  --checkpoint-every N (each epoch)
          --out DIR              output folder (default out/runs/MODEL_DATASET_BUDGET_sSEED)
          --fresh                ignore checkpoints already in the output folder
          --threads N            intra-op threads (default: all cores)
          --device cpu|cuda      where to train (default: RESEARCH_DEVICE, else cpu)
          --precision fp32|bf16  bf16: forward and loss under autocast to bfloat16, float32 weights (default fp32)
          --backend gloo|nccl    data-parallel backend (default gloo on cpu, nccl on cuda); a worker joins a run
                                 when WORLD_SIZE is set, as under torchrun
        """;

    public static int Run(CommandLine cl)
    {
        var budget = Budgets.Resolve(cl.Get("budget"));
        var defaults = budget switch
        {
            Budget.Smoke => new BudgetSettings(0.02, 1, 1, MaxTestImages: 1000),
            Budget.Quick => new BudgetSettings(0.25, 3, 1),
            _ => new BudgetSettings(1.0, 30, 1),
        };
        var modelName = cl.Get("model") ?? throw new ArgumentException("train: --model is required (research-cli models lists them)");
        var datasetName = cl.Get("dataset", "fashion-mnist");
        var folder = cl.Get("data");
        int seed = cl.Int("seed") ?? 0;
        int epochs = cl.Int("epochs") ?? defaults.Epochs;
        double fraction = cl.Double("fraction") ?? defaults.DataFraction;
        int batchSize = cl.Int("batch-size") ?? 128;
        if (cl.Int("threads") is { } threads) set_num_threads(threads);
        var device = cl.Get("device", TrainerOptions.DefaultDevice);
        var precision = cl.Get("precision", "fp32") switch
        {
            "fp32" or "float32" => Precision.Float32,
            "bf16" or "bfloat16" => Precision.BFloat16,
            var p => throw new ArgumentException($"--precision: unknown precision '{p}' (fp32 or bf16)"),
        };
        // A worker of a data-parallel run (started by --nproc, torchrun-style, or by hand with its environment).
        bool parallel = Environment.GetEnvironmentVariable("WORLD_SIZE") is { Length: > 0 };
        // One GPU per local rank, as torchrun users write cuda:LOCAL_RANK.
        if (parallel && device == "cuda") device = $"cuda:{Environment.GetEnvironmentVariable("LOCAL_RANK") ?? "0"}";
        var distTimeout = cl.Double("dist-timeout") is { } seconds ? TimeSpan.FromSeconds(seconds) : distributed.DefaultTimeout;
        var backend = cl.Get("backend", device.StartsWith("cuda", StringComparison.Ordinal) ? "nccl" : "gloo");
        if (parallel) distributed.init_process_group(backend, timeout: distTimeout);
        int rank = parallel ? distributed.get_rank() : 0, world = parallel ? distributed.get_world_size() : 1;
        bool main = rank == 0;

        var train = Datasets.Load(datasetName, Split.Train, folder, seed).Fraction(fraction, seed);
        var test = Datasets.Load(datasetName, Split.Test, folder, seed);
        if (defaults.MaxTestImages is { } cap && test.Count > cap) test = test.Fraction((double)cap / test.Count, seed);
        var standard = Datasets.DefaultAugmentation(train);
        var augment = standard with
        {
            CropPadding = cl.Int("crop-padding") ?? standard.CropPadding,
            HorizontalFlip = cl.Get("flip") is { } flip ? bool.Parse(flip) : standard.HorizontalFlip,
            MixupAlpha = cl.Double("mixup") ?? 0,
            CutmixAlpha = cl.Double("cutmix") ?? 0,
        };

        var entry = Models.Models.Get(modelName);
        var config = ConfigOverrides.Apply(entry.Config, cl.Sets);
        var outDir = Path.GetFullPath(cl.Get("out") ?? Path.Combine(ResearchPaths.Out, "runs", $"{modelName}_{datasetName}_{budget.Name()}_s{seed}"));
        bool fresh = cl.Flag("fresh");
        var options = new TrainerOptions
        {
            Epochs = epochs,
            Optimizer = cl.Get("optimizer", "adamw"),
            Lr = cl.Double("lr") ?? 1e-3,
            MinLr = cl.Double("min-lr") ?? 1e-5,
            WeightDecay = cl.Double("wd") ?? 0.05,
            WarmupEpochs = cl.Double("warmup-epochs") ?? 1,
            LabelSmoothing = cl.Double("smoothing") ?? 0.1,
            ClipGradNorm = cl.Double("clip"),
            LogEvery = cl.Int("log-every") ?? 50,
            EvalEvery = cl.Int("eval-every"),
            CheckpointEvery = cl.Int("checkpoint-every"),
            CheckpointDir = Path.Combine(outDir, "checkpoints"),
            MetricsPath = Path.Combine(outDir, "metrics.jsonl"),
            Resume = !fresh,
            Device = device,
            Precision = precision,
        };
        cl.RejectUnknown();
        // Every rank must see the folder before any rank resumes from it, so only rank 0 clears it, then all meet.
        if (fresh && main && Directory.Exists(options.CheckpointDir)) Directory.Delete(options.CheckpointDir, recursive: true);
        if (parallel) distributed.barrier();

        manual_seed(seed);
        using var model = Models.Models.Create(modelName, train.NumClasses, train.Height, train.Channels, _ => config);
        if (parallel && device != "cpu") model.to(Device.Parse(device));   // DDP wraps a model where it trains
        using var ddp = parallel ? new nn.parallel.DistributedDataParallel(model) : null;
        var info = new JsonObject { ["name"] = modelName, ["family"] = entry.Family, ["config"] = ConfigJson(config) };
        var sampler = parallel ? new DistributedSampler(world, rank) : null;
        var trainLoader = new DataLoader(train, new LoaderOptions { BatchSize = batchSize, Seed = seed, Augment = augment, Sampler = sampler });
        var testLoader = new DataLoader(test, LoaderOptions.Eval(256));
        if (main)
            Console.Error.WriteLine($"{modelName} ({model.num_parameters() / 1e6:0.###}M parameters) on {train} / {test.Count} test images, " +
                $"{budget.Name()} budget: {epochs} epochs × {trainLoader.BatchesPerEpoch} steps, {get_num_threads()} threads" +
                (parallel ? $" × {world} processes ({backend}, batch {batchSize} each)" : "") + $" -> {outDir}");

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first interrupt stops after the current step and saves; a second one ends the process.
            e.Cancel = !cts.IsCancellationRequested;
            cts.Cancel();
        };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
        using var trainer = new Trainer(ddp ?? (nn.Module<Tensor, Tensor>)model, options, info);
        var render = new ProgressRenderer();
        var clock = Stopwatch.StartNew();
        TrainResult result;
        try { result = trainer.Fit(trainLoader, testLoader, render.Show, cts.Token); }
        catch (OperationCanceledException)
        {
            render.End();
            if (main) Console.Error.WriteLine($"interrupted at step {trainer.Step}; checkpoint in {options.CheckpointDir}; run the same command again to continue");
            return 130;
        }
        finally
        {
            if (parallel) distributed.destroy_process_group();
        }
        render.End();
        if (!main) return 0;

        var summary = new JsonObject
        {
            ["model"] = info,
            ["parameters"] = model.num_parameters(),
            ["dataset"] = datasetName,
            ["train_images"] = train.Count,
            ["test_images"] = test.Count,
            ["budget"] = budget.Name(),
            ["seed"] = seed,
            ["trainer"] = JsonSerializer.SerializeToNode(options),
            ["augmentation"] = JsonSerializer.SerializeToNode(augment),
            ["steps"] = result.Steps,
            ["resumed_from_step"] = result.ResumedFromStep,
            ["test_loss"] = result.FinalEval?.Loss,
            ["test_accuracy"] = result.FinalEval?.Accuracy,
            ["wall_seconds"] = clock.Elapsed.TotalSeconds,
            ["training_seconds"] = result.History.Train.Count > 0 ? result.History.Train[^1].ElapsedSeconds : 0,
            ["threads"] = get_num_threads(),
            ["processes"] = world,
            ["checkpoint"] = result.Checkpoint,
            ["metrics"] = options.MetricsPath,
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, "summary.json"), summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.Error.WriteLine($"test accuracy {100 * (result.FinalEval?.Accuracy ?? double.NaN):0.00}% after {result.Steps} steps; " +
            $"{ProgressBar.Clock(TimeSpan.FromSeconds(summary["training_seconds"]!.GetValue<double>()))} of training; summary in {Path.Combine(outDir, "summary.json")}");
        return 0;
    }

    private static JsonNode? ConfigJson(object config)
    {
        try { return JsonSerializer.SerializeToNode(config, config.GetType()); }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException) { return config.ToString(); }
    }

    /// <summary>A progress bar redrawn in place on a terminal; on a pipe or file, a line every 30 seconds and at
    /// every evaluation, so logs stay readable.</summary>
    private sealed class ProgressRenderer
    {
        private readonly bool _terminal = !Console.IsErrorRedirected;
        private readonly Stopwatch _sinceLine = Stopwatch.StartNew();
        private EvalRecord? _lastEval;
        private int _width;
        private bool _open;

        public void Show(TrainingProgress p)
        {
            var text = ProgressBar.Render(p);
            if (_terminal)
            {
                Console.Error.Write("\r" + text.PadRight(_width));
                _width = text.Length;
                _open = true;
                return;
            }
            if (p.Finished || !ReferenceEquals(p.LastEval, _lastEval) || _sinceLine.Elapsed.TotalSeconds >= 30)
            {
                Console.Error.WriteLine(text);
                _sinceLine.Restart();
                _lastEval = p.LastEval;
            }
        }

        public void End()
        {
            if (_open) Console.Error.WriteLine();
            _open = false;
        }
    }
}
