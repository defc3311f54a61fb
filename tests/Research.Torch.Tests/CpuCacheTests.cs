using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Tests;

/// <summary>The CPU's large-block cache: freed blocks of 32 MB and more come back for the next request of their
/// size, and everything that frees memory (tensors, oneDNN's scratch buffers) finds its way back.</summary>
[Collection(LiveTensorCount.Name)]   // run alone: a test beside it could take the block it waits for
public sealed class CpuCacheTests
{
    // 9,500,001 floats: 38 MB, over the 32 MB threshold and of a size no other test allocates.
    private static readonly long[] LargeShape = [9_500_001];

    [Fact]
    public void AFreedLargeBlockServesTheNextRequestOfItsSize()
    {
        Assert.True(cpu.cache_stats().LimitBytes > 0, "the cache should be on by default");
        IntPtr first;
        using (var a = empty(LargeShape)) first = a.data_ptr();
        var before = cpu.cache_stats();
        Assert.True(before.IdleBytes >= LargeShape[0] * 4, $"the freed block should be idle in the cache: {before}");

        using var b = zeros(LargeShape);
        var after = cpu.cache_stats();
        Assert.Equal(first, b.data_ptr());
        Assert.Equal(before.Hits + 1, after.Hits);
        Assert.Equal(0.0, b.abs().max().ToDouble());   // a reused block holds old data until the operator writes it
    }

    [Fact]
    public void SmallTensorsAreLeftToMalloc()
    {
        var before = cpu.cache_stats();
        using (var small = ones(1000, 1000)) Assert.Equal(1e6, small.sum().ToDouble());   // 4 MB
        var after = cpu.cache_stats();
        Assert.Equal(before.Hits + before.Misses, after.Hits + after.Misses);
    }

    [Fact]
    public void EmptyCacheReturnsEveryIdleBlock()
    {
        using (empty(LargeShape)) { }
        Assert.True(cpu.cache_stats().IdleBlocks > 0);
        cpu.empty_cache();
        var stats = cpu.cache_stats();
        Assert.Equal(0, stats.IdleBlocks);
        Assert.Equal(0, stats.IdleBytes);
    }

    [Fact]
    public void OneDnnConvolutionFreesThroughTheCache()
    {
        // oneDNN allocates and frees its buffers through the allocator's raw deleter, which receives the
        // pointer alone; an output of 8 x 64 x 128 x 128 floats (32 MB) is a large block.
        manual_seed(0);
        using var scope = NewDisposeScope();
        var x = randn(8, 64, 128, 128);
        var w = randn(64, 64, 3, 3) * 0.05;
        x.requires_grad = w.requires_grad = true;
        var y = F.conv2d(x, w, null, 1, 1);
        y.square().mean().backward();
        Assert.Equal([8, 64, 128, 128], y.shape);
        Assert.True(double.IsFinite(x.grad!.abs().sum().ToDouble()));
        var expected = F.conv2d(x.narrow(0, 0, 1).detach(), w.detach(), null, 1, 1);
        Assert.True(expected.allclose(y.narrow(0, 0, 1).detach(), rtol: 1e-4, atol: 1e-5), "the first sample's output should not depend on its batch");
    }
}
