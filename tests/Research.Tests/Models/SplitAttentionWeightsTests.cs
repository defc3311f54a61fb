using Research.Models.Layers;
using Research.Torch;
using static Research.Torch.torch;

namespace Research.Tests.Models;

/// <summary>Given a split attention layer with <see cref="SplitAttention.KeepWeights"/> on, when it runs a forward,
/// then <see cref="SplitAttention.LastWeights"/> holds the Ā that produced the output.</summary>
public sealed class SplitAttentionWeightsTests
{
    [Fact]
    public void Kept_weights_are_the_softmax_that_fused_the_branches()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var sa = new SplitAttention(8, 3);
        var x = randn(2, 4, 4, 3, 8);                                       // [B, H, W, K, C]
        Assert.Null(sa.LastWeights);
        sa.KeepWeights = true;
        var y = sa.forward(x);
        var w = sa.LastWeights!;
        Assert.Equal(new long[] { 2, 3, 8 }, w.shape);                      // [B, K, C]
        Assert.False(w.requires_grad);
        Assert.True(w.sum(1).allclose(ones(2, 8), 1e-5, 1e-6));
        // out = Σ_k Ā_k ⊙ X_k with the kept Ā
        var expected = (x * w.reshape(2, 1, 1, 3, 8)).sum(3);               // [B, H, W, K, C] -> [B, H, W, C]
        Assert.True(y.allclose(expected, 1e-5, 1e-6));
        // the branches differ, so the learned weights are not uniform
        Assert.False(w.allclose(full([2, 3, 8], 1.0 / 3), 1e-4, 1e-4));
    }

    [Fact]
    public void Weights_outlive_the_callers_dispose_scope_and_are_freed_when_switched_off()
    {
        manual_seed(12);
        var sa = new SplitAttention(4, 3) { KeepWeights = true };
        using (var scope = NewDisposeScope())
            sa.forward(randn(1, 2, 2, 3, 4));
        var w = sa.LastWeights!;
        Assert.Equal(new long[] { 1, 3, 4 }, w.shape);                      // still readable after the scope closed
        Assert.True(w.sum(1).allclose(ones(1, 4), 1e-5, 1e-6));
        sa.KeepWeights = false;
        Assert.Null(sa.LastWeights);
        using (var scope = NewDisposeScope())
            sa.forward(randn(1, 2, 2, 3, 4));
        Assert.Null(sa.LastWeights);
    }
}
