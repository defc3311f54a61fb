using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Research.Data;
using Research.Torch;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Training;

/// <summary>The loss became NaN or infinite. Raised before that step's backward pass, so the weights are those
/// after the previous step and the model stays usable.</summary>
public sealed class TrainingDivergedException(long step, int epoch, int batch, double loss, double lr, double? lastFiniteLoss, string? where = null)
    : Exception($"Training diverged: " + (where ?? $"the loss is {loss} at step {step} (epoch {epoch}, batch {batch}, lr {lr:0.###e+00})") +
        (lastFiniteLoss is { } l ? $"; the last logged loss was {l:0.####}" : "") +
        (where is null ? $". The weights are those after step {step - 1}" : "") + ". Lower the learning rate, lengthen the warmup or set ClipGradNorm.")
{
    public long Step { get; } = step;
    public int Epoch { get; } = epoch;
    public int Batch { get; } = batch;
    public double Loss { get; } = loss;
    public double Lr { get; } = lr;

    /// <summary>On a GPU the step does not wait to read its loss, so a non-finite loss is seen when the next record
    /// closes: <paramref name="firstStep"/> opened that window of <paramref name="steps"/> steps, and the weights are
    /// those after its last step, not before the divergence.</summary>
    public static TrainingDivergedException NoticedLater(long firstStep, int epoch, int batch, double loss, double lr, double? lastFiniteLoss, long steps) =>
        new(firstStep, epoch, batch, loss, lr, lastFiniteLoss, $"the mean loss of steps {firstStep}..{firstStep + steps - 1} is {loss} " +
            $"(read when their record closed; the device does not wait each step). The weights are those after step {firstStep + steps - 1}");
}

/// <summary>Loss, top-1 accuracy and the confusion matrix <c>[true, predicted]</c> over <see cref="Images"/> images.</summary>
public sealed record EvalResult(double Loss, double Accuracy, int Images, int[,] Confusion);

/// <summary>What <see cref="Trainer.Fit"/> returns: the history (the whole run, resumes included), the final
/// evaluation, the step reached, the wall time of this call, the last checkpoint written and the step it resumed from (0 if none).</summary>
public sealed record TrainResult(TrainingHistory History, EvalRecord? FinalEval, long Steps, TimeSpan Elapsed, string? Checkpoint, long ResumedFromStep);

/// <summary>Trains any <c>nn.Module&lt;Tensor, Tensor&gt;</c> that maps images <c>[B, C, H, W]</c> to logits <c>[B, K]</c>,
/// a <see cref="nn.parallel.DistributedDataParallel"/> one included: then only rank 0 evaluates, writes metrics and
/// checkpoints and reports progress, checkpoints hold the wrapped model's own keys (so a run can resume with any
/// number of processes), and every rank resumes from the same checkpoint.
/// Each step, in its own dispose scope: lr = WarmupCosine(step), forward, cross-entropy with label smoothing (soft
/// targets when the batch was mixed), a NaN/∞ check, backward, optional clipping of the global gradient norm,
/// an optimizer step. Resume is exact: the data order and augmentations are functions of (seed, epoch, batch),
/// the schedule is a function of the step, and a checkpoint carries the weights, the optimizer state and step
/// count and libtorch's generator state.</summary>
public sealed class Trainer : IDisposable
{
    private readonly List<Parameter> _parameters;
    private readonly JsonNode? _modelInfo;
    private double _elapsedBefore;          // training seconds before this Fit call (from a checkpoint)
    private long _lastSavedStep = -1;
    private string? _lastCheckpoint;
    private Stopwatch? _fitClock;           // the current Fit call's clock, for elapsed time in checkpoints

    /// <summary>A trainer for <paramref name="model"/>; <paramref name="modelInfo"/> (name, configuration) is stored
    /// in checkpoints so they say what they hold.</summary>
    public Trainer(nn.Module<Tensor, Tensor> model, TrainerOptions? options = null, JsonNode? modelInfo = null)
    {
        Model = model;
        Options = options ?? new TrainerOptions();
        Device = ResolveDevice(Options.Device);
        if (Device.Type != DeviceType.CPU) Model.to(Device);
        _modelInfo = modelInfo;
        _parameters = model.parameters().Where(p => p.requires_grad).ToList();
        IsMainProcess = !distributed.is_initialized() || distributed.get_rank() == 0;
        Optimizer = CreateOptimizer();
    }

    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>The model itself, unwrapped from data parallelism: what is evaluated and saved.</summary>
    public nn.Module<Tensor, Tensor> Network => Model is nn.parallel.DistributedDataParallel ddp ? ddp.module : Model;

    /// <summary>Rank 0 of a data-parallel run, or the only process: the one that writes and reports.</summary>
    public bool IsMainProcess { get; }
    public TrainerOptions Options { get; }
    public optim.Optimizer Optimizer { get; }
    public Device Device { get; }

    /// <summary>Optimizer steps taken in this run, across resumes.</summary>
    public long Step { get; private set; }

    /// <summary>Every record of the run so far; kept when a run is interrupted.</summary>
    public TrainingHistory History { get; private set; } = new();

    /// <summary>The device a run names, checked: a GPU asked for on a machine without one is one clear error up front,
    /// not a failure deep inside the first forward.</summary>
    public static Device ResolveDevice(string device)
    {
        var parsed = Device.Parse(device);
        if (parsed.Type == DeviceType.CUDA && !cuda.is_available())
            throw new ArgumentException($"Trainer: the device is {device}{FromEnvironment(device)}, but CUDA is not available: this libtorch " +
                "was built without CUDA or no GPU is visible. Train on cpu, or build the shim against a CUDA PyTorch (environment.md).");
        if (parsed.Type == DeviceType.CUDA && parsed.Index >= cuda.device_count())
            throw new ArgumentException($"Trainer: the device is {device}{FromEnvironment(device)}, but this machine has {cuda.device_count()} GPU(s)");
        return parsed;
    }

    private static string FromEnvironment(string device) =>
        Environment.GetEnvironmentVariable(TrainerOptions.DeviceVariable)?.Trim() == device ? $" (from {TrainerOptions.DeviceVariable})" : "";

    private optim.Optimizer CreateOptimizer()
    {
        bool decays(Parameter p) => Options.DecayNormAndBias || p.dim() > 1;
        var groups = new[]
        {
            new optim.ParamGroup(_parameters.Where(decays), Options.Lr, Options.WeightDecay),
            new optim.ParamGroup(_parameters.Where(p => !decays(p)), Options.Lr, 0),
        }.Where(g => g.@params.Count > 0);
        return Options.Optimizer.ToLowerInvariant() switch
        {
            "adamw" => new optim.AdamW(groups, Options.Beta1, Options.Beta2),
            "sgd" => new optim.SGD(groups, Options.Momentum, 0, Options.Nesterov),
            _ => throw new ArgumentException($"Trainer: unknown optimizer '{Options.Optimizer}' (adamw or sgd)"),
        };
    }

    /// <summary>Trains until <see cref="TrainerOptions.Epochs"/> epochs of <paramref name="train"/> are done, or until
    /// step <paramref name="stopAtStep"/> (the schedule still spans the whole run, so a later Fit continues it).
    /// Evaluates on <paramref name="eval"/>, logs, checkpoints and reports progress as the options say. Cancelling
    /// <paramref name="cancellationToken"/> stops between steps, writes a checkpoint when a folder is set, and
    /// throws <see cref="OperationCanceledException"/>; the model, <see cref="History"/> and <see cref="Step"/> stay
    /// valid and a later Fit continues.</summary>
    public TrainResult Fit(DataLoader train, DataLoader? eval = null, Action<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default, long? stopAtStep = null)
    {
        int perEpoch = train.BatchesPerEpoch;
        long total = (long)Options.Epochs * perEpoch;
        long warmup = Math.Min(total, Options.WarmupSteps ?? (long)Math.Round(Options.WarmupEpochs * perEpoch));
        long resumedFrom = Options.Resume && Options.CheckpointDir is { } dir && Step == 0 && new CheckpointStore(dir).Latest() is { } latest
            ? LoadCheckpoint(latest) : 0;
        long end = Math.Min(total, stopAtStep ?? total);
        using var metrics = Options.MetricsPath is null || !IsMainProcess ? null : new MetricsWriter(Options.MetricsPath, replaceWith: History);
        if (!IsMainProcess) (eval, progress) = (null, null);
        using var run = new RunState(this, metrics, progress, total, end, perEpoch, Step);
        Model.train();
        try
        {
            while (Step < end && !cancellationToken.IsCancellationRequested)
                foreach (var batch in train.Epoch((int)(Step / perEpoch), (int)(Step % perEpoch), cancellationToken))
                {
                    using (batch) TrainStep(batch, total, warmup, run.Window);
                    run.AfterStep(eval);
                    if (Step >= end || cancellationToken.IsCancellationRequested) break;
                }
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            run.Flush();
            if (WritesCheckpoints && _lastSavedStep != Step) SaveCheckpoint();
            run.Report(force: true);
            throw;
        }
        run.Flush();
        EvalRecord? final = null;
        if (eval is not null && Step == total)
            final = History.LastEval is { } last && last.Step == Step && Options.EvalMaxBatches is null ? last : run.Evaluate(eval, maxBatches: null);
        if (WritesCheckpoints && _lastSavedStep != Step) SaveCheckpoint();
        run.Report(force: true, finished: Step == total);
        return new TrainResult(History, final, Step, run.Clock.Elapsed, _lastCheckpoint, resumedFrom);
    }

    // The step itself: everything made here is freed when the scope closes, so memory stays flat. Nothing in it
    // waits for the device: the batch is copied from pinned memory without blocking, loss and correct counts are
    // summed on the device and read when a record closes (LogWindow), so a GPU runs ahead of the host. The CPU
    // is synchronous anyway, so there the loss is checked before backward and a divergence leaves the weights intact.
    private void TrainStep(Batch batch, long total, long warmup, LogWindow window)
    {
        using var scope = NewDisposeScope();
        double lr = Schedules.WarmupCosine(Step, total, warmup, Options.Lr, Options.MinLr);
        foreach (var group in Optimizer.param_groups) group.lr = lr;
        bool onDevice = Device.Type != DeviceType.CPU;
        var images = batch.Images.to(Device, non_blocking: onDevice);
        var labels = batch.Labels.to(Device, non_blocking: onDevice);
        var targets = batch.Targets?.to(Device, non_blocking: onDevice);
        Tensor logits, loss;
        using (Autocast())
        {
            logits = Model.forward(images);
            loss = F.cross_entropy(logits, targets ?? labels, label_smoothing: Options.LabelSmoothing);
        }
        if (!onDevice && loss.item<double>() is var value && !double.IsFinite(value))
            throw new TrainingDivergedException(Step, batch.Epoch, batch.Index, value, lr, History.Train.Count > 0 ? History.Train[^1].Loss : null);
        Optimizer.zero_grad();
        Backward(loss);
        if (Options.ClipGradNorm is { } maxNorm) nn.utils.clip_grad_norm_(_parameters, maxNorm);
        Optimizer.step();
        Step++;
        window.Add(loss, logits.argmax(1).eq(labels).sum(), batch.Size, lr, Step, batch.Epoch, batch.Index);
    }

    private IDisposable? Autocast() => Options.Precision switch
    {
        Precision.Float32 => null,
        Precision.BFloat16 => autocast(Device.Type, bfloat16),
        var p => throw new ArgumentException($"Trainer: unknown precision {p}"),
    };

    private bool WritesCheckpoints => Options.CheckpointDir is not null && IsMainProcess;

    // DDP's reducer all-reduces inside backward, so a peer that died mid-step surfaces here, as libtorch's words.
    private void Backward(Tensor loss)
    {
        if (Model is not nn.parallel.DistributedDataParallel ddp)
        {
            loss.backward();
            return;
        }
        try { loss.backward(); }
        catch (TorchException e) { throw ddp.process_group.Failure($"all_reduce of gradients at step {Step + 1}", e.NativeMessage, e); }
    }

    /// <summary>Loss and accuracy of the current model on <paramref name="loader"/>, in eval mode and without gradients.</summary>
    public EvalResult Evaluate(DataLoader loader, int? maxBatches = null, CancellationToken cancellationToken = default) =>
        Evaluate(Network, loader, Options.Device, maxBatches, cancellationToken, Options.Precision);

    /// <summary>Mean cross-entropy (no smoothing), top-1 accuracy and the confusion matrix of <paramref name="model"/> on
    /// <paramref name="loader"/> (at most <paramref name="maxBatches"/> batches), in eval mode under <c>no_grad</c>;
    /// the model's training mode is restored afterwards. <paramref name="device"/> defaults to
    /// <see cref="TrainerOptions.DefaultDevice"/>. The sums stay on the device until the last batch.</summary>
    public static EvalResult Evaluate(nn.Module<Tensor, Tensor> model, DataLoader loader, string? device = null, int? maxBatches = null,
        CancellationToken cancellationToken = default, Precision precision = Precision.Float32)
    {
        var dev = ResolveDevice(device ?? TrainerOptions.DefaultDevice);
        bool onDevice = dev.Type != DeviceType.CPU;
        int k = loader.Dataset.NumClasses, n = 0, batches = 0;
        bool wasTraining = model.training;
        model.eval();
        using var lossSum = zeros([], float64, dev);
        using var counts = zeros([(long)k * k], int64, dev);   // confusion, flattened [true * k + predicted]
        try
        {
            using var noGrad = no_grad();
            foreach (var batch in loader.Epoch(0, 0, cancellationToken))
            {
                using var scope = NewDisposeScope();
                using (batch)
                {
                    var labels = batch.Labels.to(dev, non_blocking: onDevice);
                    var images = batch.Images.to(dev, non_blocking: onDevice);
                    Tensor logits;
                    using (precision == Precision.BFloat16 ? autocast(dev.Type, bfloat16) : null) logits = model.forward(images);
                    lossSum.add_(F.cross_entropy(logits.@float(), labels, reduction: "sum"));
                    counts.add_(bincount(labels.mul(k).add(logits.argmax(1)), null, (long)k * k));
                    n += batch.Size;
                }
                if (maxBatches is { } m && ++batches >= m) break;
            }
        }
        finally { model.train(wasTraining); }
        var flat = counts.cpu().data<long>();
        var confusion = new int[k, k];
        long correct = 0;
        for (int t = 0; t < k; t++)
            for (int p = 0; p < k; p++)
                confusion[t, p] = (int)flat[t * k + p];
        for (int i = 0; i < k; i++) correct += confusion[i, i];
        double loss = lossSum.item<double>();
        return new EvalResult(n == 0 ? double.NaN : loss / n, n == 0 ? double.NaN : (double)correct / n, n, confusion);
    }

    /// <summary>Writes a checkpoint of the current step to <paramref name="directory"/> (default
    /// <see cref="TrainerOptions.CheckpointDir"/>) and returns its folder.</summary>
    public string SaveCheckpoint(string? directory = null)
    {
        var store = new CheckpointStore(directory ?? Options.CheckpointDir
            ?? throw new InvalidOperationException("SaveCheckpoint: no directory given and TrainerOptions.CheckpointDir is not set"), Options.KeepCheckpoints);
        using var rng = get_rng_state();
        var sidecar = new JsonObject
        {
            ["model"] = _modelInfo?.DeepClone(),
            ["trainer"] = JsonSerializer.SerializeToNode(Options, TrainingHistory.Json),
            ["optimizer"] = new JsonObject
            {
                ["type"] = Optimizer.GetType().Name,
                ["step_count"] = Optimizer.step_count,
                ["param_groups"] = new JsonArray(Optimizer.param_groups
                    .Select(g => (JsonNode)new JsonObject { ["params"] = g.@params.Count, ["lr"] = g.lr, ["weight_decay"] = g.weight_decay }).ToArray()),
                ["state_file"] = CheckpointStore.OptimizerFile,
            },
            ["rng"] = new JsonObject { ["torch_cpu"] = Convert.ToBase64String(rng.data<byte>()) },
            ["elapsed_seconds"] = _elapsedBefore + (_fitClock?.Elapsed.TotalSeconds ?? 0),
            ["history"] = new JsonObject
            {
                ["train"] = JsonSerializer.SerializeToNode(History.Train, TrainingHistory.Json),
                ["eval"] = JsonSerializer.SerializeToNode(History.Eval, TrainingHistory.Json),
            },
        };
        _lastCheckpoint = store.Save(Step, Network.state_dict(), Optimizer.state_dict(), sidecar);
        _lastSavedStep = Step;
        return _lastCheckpoint;
    }

    /// <summary>Restores weights, optimizer state and step count, libtorch's generator, the step and the history
    /// from a checkpoint folder (or the newest in a store folder); returns the step. The model and optimizer must
    /// have the same structure as the ones saved (keys and shapes are checked).</summary>
    public long LoadCheckpoint(string path)
    {
        using var checkpoint = CheckpointStore.Load(path);
        var sidecar = checkpoint.Sidecar;
        var optimizer = sidecar["optimizer"] as JsonObject ?? throw new InvalidDataException($"{checkpoint.Path}: the sidecar has no optimizer entry");
        var type = optimizer["type"]?.GetValue<string>();
        if (type != Optimizer.GetType().Name)
            throw new InvalidOperationException($"LoadCheckpoint: {checkpoint.Path} holds {type} state, but this trainer uses {Optimizer.GetType().Name}");
        Network.load_state_dict(checkpoint.Weights);
        using (var scope = NewDisposeScope())
        {
            // Checkpoints hold CPU tensors; the optimizer's state must sit with its parameters.
            var state = Device.Type == DeviceType.CPU ? checkpoint.OptimizerState
                : checkpoint.OptimizerState.ToDictionary(kv => kv.Key, kv => kv.Value.to(Device));
            Optimizer.load_state_dict(state, optimizer["step_count"]!.GetValue<long>());
        }
        using (var rng = tensor(Convert.FromBase64String(sidecar["rng"]!["torch_cpu"]!.GetValue<string>())))
            set_rng_state(rng);
        Step = checkpoint.Step;
        _elapsedBefore = sidecar["elapsed_seconds"]?.GetValue<double>() ?? 0;
        var history = new TrainingHistory();
        if (sidecar["history"] is JsonObject h)
        {
            history.Train.AddRange(h["train"].Deserialize<List<TrainRecord>>(TrainingHistory.Json) ?? []);
            history.Eval.AddRange(h["eval"].Deserialize<List<EvalRecord>>(TrainingHistory.Json) ?? []);
        }
        History = history;
        _lastSavedStep = Step;
        _lastCheckpoint = checkpoint.Path;
        return Step;
    }

    public void Dispose() => Optimizer.Dispose();

    /// <summary>Running sums between two training records. Loss and correct counts are summed in device tensors
    /// that live across steps, and read (one host synchronisation) only when a record closes or progress is drawn.</summary>
    private sealed class LogWindow(Device device, TrainingHistory history) : IDisposable
    {
        private Tensor? _lossSum, _correct;
        private (long Step, int Epoch, int Batch) _first;
        private double _firstLr;
        public double LastLr;
        public long Images, Steps;
        public readonly Stopwatch Clock = Stopwatch.StartNew();

        public void Add(Tensor loss, Tensor correct, int images, double lr, long step, int epoch, int batch)
        {
            // Made inside a step's scope, so taken out of it: the sums outlive the step.
            _lossSum ??= zeros([], float64, device).DetachFromDisposeScope();
            _correct ??= zeros([], int64, device).DetachFromDisposeScope();
            if (Steps == 0) (_first, _firstLr) = ((step, epoch, batch), lr);
            _lossSum.add_(loss.detach());
            _correct!.add_(correct);
            Images += images;
            Steps++;
            LastLr = lr;
        }

        /// <summary>Mean loss and accuracy so far; a non-finite loss on a device is reported here, at the first read
        /// after it, since the step itself did not wait to look.</summary>
        public (double Loss, double Accuracy) Read()
        {
            double loss = _lossSum!.item<double>() / Steps, accuracy = (double)_correct!.item<long>() / Images;
            if (!double.IsFinite(loss))
                throw TrainingDivergedException.NoticedLater(_first.Step, _first.Epoch, _first.Batch, loss, _firstLr,
                    history.Train.Count > 0 ? history.Train[^1].Loss : null, Steps);
            return (loss, accuracy);
        }

        public void Reset()
        {
            _lossSum?.zero_();
            _correct?.zero_();
            Images = Steps = 0;
            Clock.Restart();
        }

        public void Dispose()
        {
            _lossSum?.Dispose();
            _correct?.Dispose();
        }
    }

    /// <summary>The bookkeeping of one Fit call: logging, evaluation, checkpoints and progress after each step.</summary>
    private sealed class RunState(Trainer t, MetricsWriter? metrics, Action<TrainingProgress>? progress, long total, long end, int perEpoch, long startStep)
        : IDisposable
    {
        public void Dispose() => Window.Dispose();

        public readonly LogWindow Window = new(t.Device, t.History);
        public readonly Stopwatch Clock = t._fitClock = Stopwatch.StartNew();
        private readonly Stopwatch _sinceReport = Stopwatch.StartNew();
        private double _evalSeconds;
        private TrainRecord? _last;

        private double Elapsed => t._elapsedBefore + Clock.Elapsed.TotalSeconds;
        private int EpochOf(long step) => (int)(Math.Max(0, step - 1) / perEpoch);

        public void AfterStep(DataLoader? eval)
        {
            var o = t.Options;
            bool epochEnd = t.Step % perEpoch == 0;
            if (t.Step % o.LogEvery == 0 || epochEnd) Flush();   // a record closes every epoch, for per-epoch curves
            if (eval is not null && t.Step < total && (o.EvalEvery is { } e ? t.Step % e == 0 : epochEnd))
                Evaluate(eval, o.EvalMaxBatches);
            if (t.WritesCheckpoints && t.Step < total && (o.CheckpointEvery is { } c ? t.Step % c == 0 : epochEnd))
                t.SaveCheckpoint();
            Report(force: false);
        }

        public void Flush()
        {
            var w = Window;
            if (w.Steps == 0) return;
            var (loss, accuracy) = w.Read();
            _last = new TrainRecord(t.Step, EpochOf(t.Step), loss, accuracy, w.LastLr,
                w.Images / Math.Max(1e-9, w.Clock.Elapsed.TotalSeconds), Elapsed);
            t.History.Train.Add(_last);
            metrics?.Write(_last);
            w.Reset();
        }

        public EvalRecord Evaluate(DataLoader eval, int? maxBatches)
        {
            var clock = Stopwatch.StartNew();
            Window.Clock.Stop();   // images/s measures training, not evaluation
            var r = Trainer.Evaluate(t.Network, eval, t.Options.Device, maxBatches, precision: t.Options.Precision);
            Window.Clock.Start();
            var record = new EvalRecord(t.Step, EpochOf(t.Step), r.Loss, r.Accuracy, r.Images, Elapsed);
            t.History.Eval.Add(record);
            metrics?.Write(record);
            _evalSeconds += clock.Elapsed.TotalSeconds;
            Report(force: true);
            return record;
        }

        public void Report(bool force, bool finished = false)
        {
            if (progress is null || (!force && _sinceReport.Elapsed.TotalSeconds < t.Options.ProgressInterval)) return;
            _sinceReport.Restart();
            var w = Window;
            long done = t.Step - startStep;
            double trainSeconds = Clock.Elapsed.TotalSeconds - _evalSeconds;
            TimeSpan? eta = done > 0 ? TimeSpan.FromSeconds(trainSeconds / done * (end - t.Step)) : null;
            var (loss, acc) = w.Steps > 0 ? w.Read() : (_last?.Loss ?? double.NaN, _last?.Accuracy ?? double.NaN);
            double ips = w.Steps > 0 ? w.Images / Math.Max(1e-9, w.Clock.Elapsed.TotalSeconds) : _last?.ImagesPerSecond ?? 0;
            progress(new TrainingProgress(t.Step, total, EpochOf(t.Step), t.Options.Epochs, loss, acc, w.Steps > 0 ? w.LastLr : _last?.Lr ?? t.Options.Lr,
                ips, TimeSpan.FromSeconds(Elapsed), eta, t.History.LastEval, finished));
        }
    }
}
