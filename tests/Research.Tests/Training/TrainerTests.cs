using System.Text.Json.Nodes;
using Research.Data;
using Research.Torch;
using Research.Training;
using static Research.Torch.torch;

namespace Research.Tests.Training;

public sealed class TrainerTests
{
    private static (DataLoader Train, DataLoader Test) Stripes(int batch = 32, int trainCount = 256)
    {
        var train = Synthetic.OrientedStripes(trainCount, Split.Train, diagonals: false);
        var test = Synthetic.OrientedStripes(128, Split.Test, diagonals: false);
        return (new DataLoader(train, new LoaderOptions { BatchSize = batch }), new DataLoader(test, LoaderOptions.Eval(64)));
    }

    [Fact]
    public void Fit_LearnsASeparableTask_AndWritesEveryMetricAsJsonLines()
    {
        using var dir = new TempDir();
        var (train, test) = Stripes();
        using var model = new TinyMlp(256, 32, 2);
        using var trainer = new Trainer(model, new TrainerOptions { Epochs = 4, Lr = 3e-3, LogEvery = 4, MetricsPath = dir["metrics.jsonl"] });
        var result = trainer.Fit(train, test);

        Assert.Equal(32, result.Steps);
        Assert.True(result.FinalEval!.Accuracy > 0.9, $"test accuracy {result.FinalEval.Accuracy:P1}");
        var lines = File.ReadAllLines(dir["metrics.jsonl"]).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var trainLines = lines.Where(l => (string?)l["kind"] == "train").ToList();
        Assert.Equal(8, trainLines.Count);
        foreach (var key in new[] { "step", "epoch", "loss", "accuracy", "lr", "images_per_second", "elapsed_seconds" })
            Assert.All(trainLines, l => Assert.NotNull(l[key]));
        Assert.Equal(new long[] { 4, 8, 12, 16, 20, 24, 28, 32 }, trainLines.Select(l => (long)l["step"]!));
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 2, 3, 3 }, trainLines.Select(l => (int)l["epoch"]!));
        // Evaluations after epochs 1..3 and the final one, each over all 128 test images.
        var evals = lines.Where(l => (string?)l["kind"] == "eval").ToList();
        Assert.Equal(new long[] { 8, 16, 24, 32 }, evals.Select(l => (long)l["step"]!));
        Assert.All(evals, l => Assert.Equal(128, (int)l["images"]!));
        var reread = TrainingHistory.ReadJsonLines(dir["metrics.jsonl"]);
        Assert.Equal(result.History.Loss, reread.Loss);
    }

    [Fact]
    public void Fit_LearningRate_FollowsLinearWarmupThenCosine()
    {
        var (train, _) = Stripes(batch: 32);   // 8 batches per epoch
        using var model = new TinyMlp(256, 16, 2);
        var options = new TrainerOptions { Epochs = 2, Lr = 0.01, MinLr = 1e-4, WarmupSteps = 4, LogEvery = 1 };
        using var trainer = new Trainer(model, options);
        var history = trainer.Fit(train).History;
        Assert.Equal(16, history.Train.Count);
        foreach (var r in history.Train)
            Assert.Equal(Schedules.WarmupCosine(r.Step - 1, 16, 4, 0.01, 1e-4), r.Lr, 12);
        Assert.Equal(0.0025, history.Lr[0], 12);   // step 0 of a 4-step warmup: 0.01 · 1/4
        Assert.Equal(0.01, history.Lr[3], 12);     // the peak at the end of warmup
        Assert.True(history.Lr[15] < 0.001);
    }

    [Fact]
    public void Fit_ClosesATrainingRecordAtEveryEpochEnd()
    {
        var (train, _) = Stripes(batch: 32);   // 8 batches per epoch
        using var model = new TinyMlp(256, 16, 2);
        using var trainer = new Trainer(model, new TrainerOptions { Epochs = 2, LogEvery = 5 });
        var history = trainer.Fit(train).History;
        Assert.Equal(new long[] { 5, 8, 10, 15, 16 }, history.Train.Select(r => r.Step));
        Assert.Equal(new[] { 0, 0, 1, 1, 1 }, history.Train.Select(r => r.Epoch));
    }

    private sealed class Probe(nn.Module<Tensor, Tensor> inner) : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> inner = inner;
        [nn.Ignore] public readonly List<(bool Grad, bool Training)> Calls = new();
        [nn.Ignore] public int PoisonAtCall = -1;

        public override Tensor forward(Tensor x)
        {
            Calls.Add((is_grad_enabled(), training));
            var y = inner.forward(x);
            if (Calls.Count != PoisonAtCall) return y;
            using (y) return y * double.NaN;
        }
    }

    [Fact]
    public void Evaluate_RunsInEvalModeWithoutGradients_AndRestoresTrainingMode()
    {
        var (_, test) = Stripes();
        using var probe = new Probe(new TinyMlp(256, 16, 2));
        probe.train();
        var r = Trainer.Evaluate(probe, test);
        Assert.Equal(2, probe.Calls.Count);   // 128 images in batches of 64
        Assert.All(probe.Calls, c => Assert.Equal((false, false), c));
        Assert.True(probe.training);
        Assert.Equal(128, r.Images);
        int trace = r.Confusion[0, 0] + r.Confusion[1, 1];
        Assert.Equal(128, r.Confusion.Cast<int>().Sum());
        Assert.Equal(trace / 128.0, r.Accuracy, 12);
    }

    [Fact]
    public void Fit_NaNLoss_NamesTheStep_AndLeavesTheWeightsOfThePreviousStep()
    {
        var (train, _) = Stripes();
        using var probe = new Probe(new TinyMlp(256, 16, 2)) { PoisonAtCall = 4 };
        using var trainer = new Trainer(probe, new TrainerOptions { Epochs = 1, LogEvery = 1 });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(train));
        Assert.Equal(3, e.Step);          // the fourth step, counted from 0
        Assert.Equal((0, 3), (e.Epoch, e.Batch));
        Assert.Contains("NaN at step 3", e.Message);
        Assert.Equal(3, trainer.Step);
        Assert.All(probe.parameters(), p =>
        {
            using var finite = p.isfinite().all();
            Assert.True(finite.item<bool>());
        });
        using var x = randn(2, 1, 16, 16);
        using var y = probe.forward(x);
        using var ok = y.isfinite().all();
        Assert.True(ok.item<bool>());
    }

    [Fact]
    public void ClipGradNorm_BoundsTheSgdUpdateByLrTimesMaxNorm()
    {
        var (train, _) = Stripes();
        double UpdateNorm(double? clip)
        {
            manual_seed(3);
            using var model = new TinyMlp(256, 16, 2, dropout: 0);
            var before = model.parameters().Select(p => p.data<float>()).ToArray();
            using var trainer = new Trainer(model, new TrainerOptions
            {
                Epochs = 1, Optimizer = "sgd", Momentum = 0, WeightDecay = 0, Lr = 1.0, WarmupSteps = 0, LabelSmoothing = 0, ClipGradNorm = clip,
            });
            trainer.Fit(train, stopAtStep: 1);
            var after = model.parameters().Select(p => p.data<float>()).ToArray();
            return Math.Sqrt(before.Zip(after).Sum(t => t.First.Zip(t.Second).Sum(v => (double)(v.Second - v.First) * (v.Second - v.First))));
        }
        Assert.True(UpdateNorm(null) > 0.01);
        Assert.InRange(UpdateNorm(1e-3), 0.9e-3, 1.0001e-3);   // ‖Δθ‖ = lr · ‖g‖ clipped to 1e-3
    }

    [Fact]
    public void Progress_IsReportedWithAnEtaAndEndsFinished()
    {
        var (train, test) = Stripes();
        using var model = new TinyMlp(256, 16, 2);
        var seen = new List<TrainingProgress>();
        using var trainer = new Trainer(model, new TrainerOptions { Epochs = 2, ProgressInterval = 0 });
        trainer.Fit(train, test, seen.Add);
        Assert.Contains(seen, p => p.Eta is not null && !p.Finished);
        var last = seen[^1];
        Assert.True(last.Finished);
        Assert.Equal(16, last.Step);
        var text = ProgressBar.Render(last);
        Assert.Contains("100% 16/16", text);
        Assert.Contains("done", text);
        Assert.Contains("| test", text);
        Assert.StartsWith("<div style=\"font-family:monospace\"><progress value=\"1\" max=\"1\"", ProgressBar.Html(last));
    }

    [Fact]
    public void BFloat16_TrainsUnderAutocast_WithFloat32WeightsAndTheSameRecords()
    {
        var (train, test) = Stripes();
        using var model = new TinyMlp(256, 32, 2);
        // the float32 reference starts from the same weights, copied: tests running beside this one draw from the same
        // generator, so seeding twice would not give the same initialisation
        using var same = new TinyMlp(256, 32, 2);
        same.load_state_dict(model.state_dict());
        using var trainer = new Trainer(model, new TrainerOptions { Epochs = 4, Lr = 3e-3, LogEvery = 4, Precision = Precision.BFloat16 });
        var result = trainer.Fit(train, test);
        Assert.True(result.FinalEval!.Accuracy > 0.9, $"bf16 test accuracy {result.FinalEval.Accuracy:P1}");
        Assert.All(model.parameters(), p => Assert.Equal(float32, p.dtype));
        Assert.Equal(8, result.History.Train.Count);
        Assert.False(is_autocast_enabled(DeviceType.CPU));   // the region closed with the step
        // The bf16 forward really ran in bf16: its first loss differs from the float32 one from the same weights.
        using var fp32 = new Trainer(same, new TrainerOptions { Epochs = 4, Lr = 3e-3, LogEvery = 4 });
        var reference = fp32.Fit(train, stopAtStep: 4).History.Train[0].Loss;
        Assert.NotEqual(reference, result.History.Train[0].Loss);
        Assert.Equal(reference, result.History.Train[0].Loss, 1);
    }

    [Fact]
    public void ACudaDeviceWithoutCuda_IsOneClearErrorBeforeTraining()
    {
        if (cuda.is_available()) return;   // the bundle's device check covers a machine with a GPU
        using var model = new TinyMlp(256, 8, 2);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainerOptions { Device = "cuda" }));
        Assert.Contains("the device is cuda", e.Message);
        Assert.Contains("CUDA is not available", e.Message);
        Assert.Throws<ArgumentException>(() => Trainer.Evaluate(model, Stripes().Test, "cuda:1"));
        Assert.Equal(DeviceType.CPU, model.parameters().First().device.Type);
    }
}

/// <summary>Tests that depend on libtorch's global generator or on the live tensor count: alone, not in parallel.</summary>
[Collection("Serial")]
public sealed class TrainerExactnessTests
{
    private static DataLoader Loader() =>
        new(Synthetic.Displacement(96, Axis.Both, seed: 2, size: 12, minDistance: 3, maxDistance: 5),
            new LoaderOptions { BatchSize = 24, Seed = 7, Augment = new() { CropPadding = 1, MixupAlpha = 0.4, CutmixAlpha = 1.0 } });

    private static TrainerOptions Options(string optimizer, string? dir = null) => new()
    {
        Epochs = 3, Optimizer = optimizer, Lr = 3e-3, WarmupSteps = 3, LogEvery = 2, ClipGradNorm = 5, CheckpointDir = dir,
    };

    private static Dictionary<string, float[]> Weights(nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>());

    [Theory]
    [InlineData("adamw")]
    [InlineData("sgd")]
    public void Resume_HalfwayFromACheckpoint_GivesBitwiseTheSameWeightsAsTrainingStraight(string optimizer)
    {
        // 4 batches per epoch, 12 steps; stopping at 6 resumes mid-epoch (epoch 1, batch 2).
        using var dir = new TempDir();
        manual_seed(11);
        using var straightModel = new TinyMlp(144, 24, 4, dropout: 0.2);
        using var straight = new Trainer(straightModel, Options(optimizer));
        straight.Fit(Loader());

        manual_seed(11);
        using var firstModel = new TinyMlp(144, 24, 4, dropout: 0.2);
        using var first = new Trainer(firstModel, Options(optimizer));
        first.Fit(Loader(), stopAtStep: 6);
        first.SaveCheckpoint(dir.Path);

        manual_seed(12345);   // a different initialisation and generator state, both replaced by the checkpoint
        using var resumedModel = new TinyMlp(144, 24, 4, dropout: 0.2);
        using var resumed = new Trainer(resumedModel, Options(optimizer));
        Assert.Equal(6, resumed.LoadCheckpoint(dir.Path));
        var result = resumed.Fit(Loader());

        Assert.Equal(12, result.Steps);
        var a = Weights(straightModel);
        var b = Weights(resumedModel);
        Assert.Equal(a.Keys, b.Keys);
        foreach (var key in a.Keys) Assert.Equal(a[key], b[key]);
        Assert.Equal(straight.History.Loss, result.History.Loss);
        foreach (var (key, t) in straight.Optimizer.state_dict())
            Assert.Equal(t.data<float>(), resumed.Optimizer.state_dict()[key].data<float>());
    }

    [Fact]
    public void Cancel_StopsBetweenSteps_SavesACheckpoint_AndTheNextFitResumesToTheEnd()
    {
        using var dir = new TempDir();
        manual_seed(5);
        using var model = new TinyMlp(144, 24, 4);
        using var cts = new CancellationTokenSource();
        using var trainer = new Trainer(model, Options("adamw", dir.Path) with { ProgressInterval = 0 });
        Assert.ThrowsAny<OperationCanceledException>(() =>
            trainer.Fit(Loader(), progress: p => { if (p.Step >= 5) cts.Cancel(); }, cancellationToken: cts.Token));
        Assert.Equal(5, trainer.Step);
        using (var y = model.forward(randn(2, 1, 12, 12)))
        using (var finite = y.isfinite().all())
            Assert.True(finite.item<bool>());
        Assert.EndsWith("step-00000005", new CheckpointStore(dir.Path).Latest());

        using var again = new TinyMlp(144, 24, 4);
        using var next = new Trainer(again, Options("adamw", dir.Path));
        var result = next.Fit(Loader());
        Assert.Equal((5L, 12L), (result.ResumedFromStep, result.Steps));
        Assert.Equal(trainer.History.Train.Select(r => r.Step), result.History.Train.Select(r => r.Step).Where(s => s <= 5));
    }

    [Fact]
    public void Fit_ManySteps_KeepsTheNumberOfLiveTensorsFlat()
    {
        manual_seed(1);
        using var model = new TinyCnn(1, 8, 4);
        using var trainer = new Trainer(model, Options("adamw") with { Epochs = 20 });
        var loader = Loader();
        trainer.Fit(loader, stopAtStep: 4);
        long afterWarmup = LiveTensorCount.Settled();
        trainer.Fit(loader, stopAtStep: 44);
        Assert.Equal(afterWarmup, LiveTensorCount.Settled());
    }
}
