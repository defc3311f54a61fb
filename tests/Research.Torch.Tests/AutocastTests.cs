using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;

namespace Research.Torch.Tests;

/// <summary>torch.autocast through libtorch's dispatch key: the operators PyTorch lists as lower-precision-safe
/// run in bfloat16 inside the region, the rest stay float32, and the state is restored on exit. CPU autocast is
/// the same mechanism as CUDA's, so this runs here.</summary>
[Collection(LiveTensorCount.Name)]
public sealed class AutocastTests
{
    [Fact]
    public void LinearRunsInBFloat16InsideTheRegionOnly()
    {
        using var scope = NewDisposeScope();
        var x = randn(4, 8);
        var w = randn(3, 8);
        Assert.False(is_autocast_enabled(DeviceType.CPU));
        using (autocast(DeviceType.CPU, bfloat16))
        {
            Assert.True(is_autocast_enabled(DeviceType.CPU));
            var y = F.linear(x, w);
            Assert.Equal(bfloat16, y.dtype);
            // Operators off autocast's lists run in their inputs' dtype.
            Assert.Equal(float32, F.relu(x).dtype);
        }
        Assert.False(is_autocast_enabled(DeviceType.CPU));
        Assert.Equal(float32, F.linear(x, w).dtype);
    }

    [Fact]
    public void GradientsReachFloat32LeavesAsFloat32()
    {
        using var scope = NewDisposeScope();
        var w = randn([3, 8], requires_grad: true);
        var x = randn(4, 8);
        Tensor loss;
        using (autocast(DeviceType.CPU, bfloat16)) loss = F.linear(x, w).@float().pow(2).sum();
        loss.backward();
        Assert.Equal(float32, w.grad!.dtype);
        // The bfloat16 product against the float32 one: close, not equal (8 bits of mantissa).
        var exact = x.matmul(w.detach().t()).mul(2).t().matmul(x);
        Assert.True(w.grad.allclose(exact, rtol: 0.05, atol: 0.5), "bfloat16 gradient far from the float32 one");
    }

    [Fact]
    public void NestedRegionsRestoreWhatTheyReplaced()
    {
        using var scope = NewDisposeScope();
        using (autocast(DeviceType.CPU, bfloat16))
        {
            using (autocast(DeviceType.CPU, bfloat16, enabled: false))
            {
                Assert.False(is_autocast_enabled(DeviceType.CPU));
                Assert.Equal(float32, F.linear(randn(2, 3), randn(4, 3)).dtype);
            }
            Assert.True(is_autocast_enabled(DeviceType.CPU));
        }
        Assert.False(is_autocast_enabled(DeviceType.CPU));
    }

    [Fact]
    public void AFullPrecisionTargetIsRejectedWithItsName()
    {
        var e = Assert.Throws<TorchException>(() => autocast(DeviceType.CPU, float64));
        Assert.Contains("bfloat16 or float16", e.Message);
        Assert.False(is_autocast_enabled(DeviceType.CPU));
    }
}

/// <summary>torch.cuda on a machine without a GPU answers as PyTorch's does: not available, nothing to seed,
/// and a clear error from the calls that need a device.</summary>
public sealed class CudaWithoutGpuTests
{
    [Fact]
    public void CallsThatNeedAGpuSaySo()
    {
        if (cuda.is_available()) return;   // the GPU bundle's device check covers a machine with one
        Assert.Equal(0, cuda.device_count());
        cuda.manual_seed_all(1);
        cuda.empty_cache();
        Assert.Contains("CUDA is not available", Assert.Throws<TorchException>(() => cuda.synchronize()).Message);
        Assert.Contains("CUDA is not available", Assert.Throws<TorchException>(() => cuda.memory_allocated()).Message);
        Assert.Contains("CUDA is not available", Assert.Throws<TorchException>(() => autocast(DeviceType.CUDA)).Message);
    }
}
