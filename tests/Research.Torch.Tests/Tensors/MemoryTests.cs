using System.Diagnostics;
using Research.Torch.Modules;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Tests;

/// <summary>Native memory stays flat over long training: every step runs in a dispose scope.</summary>
[Collection(LiveTensorCount.Name)]
public sealed class MemoryTests
{
    private sealed class Mlp : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1 = new(64, 128), fc2 = new(128, 10);
        private readonly LayerNorm norm = new(128);
        public override Tensor forward(Tensor x) => fc2.forward(norm.forward(F.gelu(fc1.forward(x))));
    }

    [Fact]
    public void TwoThousandTrainingStepsReturnToBaseline()
    {
        manual_seed(0);
        using var model = new Mlp();
        using var opt = new optim.AdamW(model.parameters(), lr: 1e-3);
        using var x = randn(32, 64);
        using var y = randint(0, 10, [32]);

        // The first step creates the optimizer state; the baseline is taken after it.
        Step(model, opt, x, y);
        CollectGarbage();
        long baselineTensors = LiveTensors;
        long baselineRss = Rss();

        double first = 0, last = 0;
        for (int i = 0; i < 2000; i++)
        {
            var loss = Step(model, opt, x, y);
            if (i == 0) first = loss;
            last = loss;
        }
        long grownMb = (Rss() - baselineRss) / (1 << 20);
        CollectGarbage();

        Assert.Equal(baselineTensors, LiveTensors);
        Assert.True(grownMb < 50, $"resident memory grew by {grownMb} MB over 2000 steps");
        Assert.True(last < first, $"the loss should fall on a fixed batch: {first} -> {last}");
    }

    private static double Step(Mlp model, optim.Optimizer opt, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        opt.zero_grad();
        var loss = F.cross_entropy(model.forward(x), y);
        loss.backward();
        opt.step();
        return loss.ToDouble();
    }

    // Tensors other tests dropped without disposing are freed by finalizers; flush them so
    // they do not move the count while this test watches it.
    private static void CollectGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static long Rss()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }

    [Fact]
    public void ScopeKeepsWhatIsMovedOut()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = LiveTensors;
        Tensor kept;
        using (var scope = NewDisposeScope())
        {
            var a = ones(3);
            kept = (a * 2).MoveToOuterDisposeScope();
            Assert.True(scope.Count >= 1);
        }
        Assert.False(kept.IsDisposed);
        Assert.Equal(before + 1, LiveTensors);
        kept.Dispose();
        Assert.Equal(before, LiveTensors);
    }

    [Fact]
    public void NestedScopesReleaseInnerFirst()
    {
        using var outer = NewDisposeScope();
        Tensor inner;
        using (NewDisposeScope()) inner = ones(2);
        Assert.True(inner.IsDisposed);
        var moved = ones(2);
        Assert.False(moved.IsDisposed);
    }

    [Fact]
    public void ParametersNeverJoinAScope()
    {
        Linear layer;
        using (NewDisposeScope()) layer = new Linear(3, 4);
        Assert.False(layer.weight.IsDisposed);
        layer.Dispose();
        Assert.True(layer.weight.IsDisposed);
    }
}
