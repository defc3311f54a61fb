using System.Diagnostics;
using Research.Torch;
using static Research.Torch.torch;

namespace Research.Graphs;

// Full-batch training for node classification, as the FF-G2M code trains teachers and students
// (src/train_and_eval.py): every epoch is one step on the whole graph, followed by one evaluation of
// every node; the model with the best validation accuracy is kept (ties go to the later epoch, `>=`),
// and training stops after `patience` epochs without a new best. Adam with L2 weight decay added to the
// gradient (torch.optim.Adam's weight_decay), not AdamW's decoupled decay.

/// <summary>One epoch: the training loss, and the accuracies of the model after the step.</summary>
public sealed record EpochRecord(int Epoch, double Loss, double TrainAcc, double ValAcc, double TestAcc);

/// <summary>Settings of one training run.</summary>
/// <param name="Lr">Adam learning rate (the official 1e-2 for teachers and students).</param>
/// <param name="WeightDecay">L2 coefficient added to the gradient, <c>g ← g + wd·θ</c> (5e-4).</param>
/// <param name="MaxEpochs">Upper bound on epochs (500).</param>
/// <param name="Patience">Stop after this many epochs without a validation accuracy at least as good as the best (50).</param>
public sealed record FitOptions(double Lr = 1e-2, double WeightDecay = 5e-4, int MaxEpochs = 500, int Patience = 50);

/// <summary>What a run ends with. <see cref="TestAcc"/> is the test accuracy at the epoch of best validation accuracy,
/// the number the FF-G2M code reports (<c>test_val</c>); the model holds that epoch's weights.</summary>
public sealed record FitResult(int BestEpoch, int Epochs, double ValAcc, double TestAcc, double TrainAcc, double Seconds, IReadOnlyList<EpochRecord> History);

/// <summary>The loop.</summary>
public static class NodeTraining
{
    /// <summary>Trains <paramref name="model"/> on <paramref name="graph"/> with the loss that <paramref name="loss"/> computes
    /// from the logits of every node (a scalar tensor; it may read <c>graph</c> for labels and edges), keeps the best
    /// validation epoch's weights, and returns its accuracies. <paramref name="onEpoch"/> hears every epoch.</summary>
    public static FitResult Fit(NodeModel model, Graph graph, Func<Tensor, Tensor> loss, FitOptions options,
        Action<EpochRecord>? onEpoch = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        MoveTo(model, graph);
        var adjacency = model.UsesGraph ? graph.WithSelfLoops : graph.WithoutSelfLoops;
        var parameters = model.parameters().ToList();
        using var optimizer = new optim.AdamW(parameters, lr: options.Lr, weight_decay: 0);
        Dictionary<string, Tensor> best;
        using (no_grad()) best = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
        var history = new List<EpochRecord>();
        double bestVal = double.NegativeInfinity, testAtBest = 0, trainAtBest = 0;
        int bestEpoch = 0, sinceBest = 0;
        try
        {
            for (int epoch = 1; epoch <= options.MaxEpochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                double lossValue;
                using (var scope = NewDisposeScope())
                {
                    model.train();
                    optimizer.zero_grad();
                    var logits = model.forward(adjacency, graph.Features);
                    var l = loss(logits);
                    l.backward();
                    if (options.WeightDecay != 0)
                        using (no_grad())
                            foreach (var p in parameters)
                                if (p.grad is { } g) g.add_(p, options.WeightDecay);
                    optimizer.step();
                    lossValue = l.ToDouble();
                }
                var (train, val, test) = Evaluate(model, graph);
                var record = new EpochRecord(epoch, lossValue, train, val, test);
                history.Add(record);
                onEpoch?.Invoke(record);
                if (val >= bestVal)
                {
                    (bestVal, testAtBest, trainAtBest, bestEpoch, sinceBest) = (val, test, train, epoch, 0);
                    using (no_grad())
                        foreach (var (key, value) in model.state_dict()) best[key].copy_(value);
                }
                else if (++sinceBest == options.Patience) break;
            }
            model.load_state_dict(best);
        }
        finally
        {
            foreach (var t in best.Values) t.Dispose();
            model.eval();
        }
        return new FitResult(bestEpoch, history.Count, bestVal, testAtBest, trainAtBest, clock.Elapsed.TotalSeconds, history);
    }

    /// <summary>Logits of every node in eval mode without gradients, <c>[N, C]</c>, in the caller's dispose scope.</summary>
    public static Tensor Predict(NodeModel model, Graph graph)
    {
        MoveTo(model, graph);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            return model.forward(model.UsesGraph ? graph.WithSelfLoops : graph.WithoutSelfLoops, graph.Features).MoveToOuterDisposeScope();
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    // Models are built on the CPU, as in PyTorch; the graph is on the default device (Graph's constructor).
    private static void MoveTo(NodeModel model, Graph graph)
    {
        if (model.parameters().FirstOrDefault() is { } p && p.device != graph.Device) model.to(graph.Device);
    }

    /// <summary>Train, validation and test accuracy of the model in eval mode.</summary>
    public static (double Train, double Val, double Test) Evaluate(NodeModel model, Graph graph)
    {
        using var scope = NewDisposeScope();
        var logits = Predict(model, graph);
        return (Accuracy(logits, graph.Labels, graph.TrainIndex), Accuracy(logits, graph.Labels, graph.ValIndex), Accuracy(logits, graph.Labels, graph.TestIndex));
    }

    /// <summary>Fraction of the nodes in <paramref name="index"/> whose arg-max logit is their label; 0 for an empty index.</summary>
    public static double Accuracy(Tensor logits, Tensor labels, Tensor index)
    {
        if (index.size(0) == 0) return 0;
        using var scope = NewDisposeScope();
        var predicted = logits.index_select(0, index).argmax(1);
        return predicted.eq(labels.index_select(0, index)).to(float64).mean().ToDouble();
    }
}
