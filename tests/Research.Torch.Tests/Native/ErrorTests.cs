using Research.Torch.Native;
using static Research.Torch.torch;

namespace Research.Torch.Tests;

/// <summary>Bad input gives a .NET exception naming the operator and the shapes or dtypes, and the process survives.</summary>
[Collection(LiveTensorCount.Name)]
public sealed class ErrorTests
{
    [Fact]
    public void ShapeMismatchNamesOperatorAndShapes()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<TorchException>(() => randn(2, 3).matmul(randn(4, 5)));
        Assert.Equal("aten::matmul", e.Function);
        Assert.Contains("float32[2, 3]", e.Message);
        Assert.Contains("float32[4, 5]", e.Message);
        Assert.Contains("cannot be multiplied", e.Message);
    }

    [Fact]
    public void DtypeMismatchNamesDtypes()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<TorchException>(() => randn(2, 3).mm(ones([3, 2], int64)));
        Assert.Equal("aten::mm", e.Function);
        Assert.Contains("int64[3, 2]", e.Message);
    }

    [Fact]
    public void WrongArgumentTypeIsRejectedBeforeTheKernel()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<TorchException>(() => ops("aten::sum", "dim_IntList").Invoke(randn(2), "not a list"));
        Assert.Contains("argument 'dim'", e.Message);
    }

    [Fact]
    public void UnknownOperatorNamesIt()
    {
        var e = Assert.Throws<TorchException>(() => ops("aten::no_such_op").Invoke(Arg.None));
        Assert.Contains("aten::no_such_op", e.Message);
    }

    [Fact]
    public void UseAfterDisposeNamesTheFunction()
    {
        var t = randn(3);
        t.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => t.exp());
        Assert.Contains("aten::exp", e.Message);
        Assert.Throws<ObjectDisposedException>(() => t.backward());
    }

    [Fact]
    public void BackwardOnNonScalarWithoutGradientExplains()
    {
        using var scope = NewDisposeScope();
        var x = randn([3], requires_grad: true);
        var e = Assert.Throws<TorchException>(() => (x * 2).backward());
        Assert.Equal("backward", e.Function);
        Assert.Contains("scalar", e.Message);
    }

    [Fact]
    public void RequiresGradOnIntegersExplains()
    {
        using var t = arange(3);
        var e = Assert.Throws<TorchException>(() => t.requires_grad = true);
        Assert.Contains("floating point", e.Message);
    }

    [Fact]
    public void DataWithWrongElementTypeExplains()
    {
        using var t = arange(3);
        var e = Assert.Throws<InvalidOperationException>(() => t.data<float>());
        Assert.Contains("int64", e.Message);
    }

    [Fact]
    public void ItemOnManyElementsExplains()
    {
        using var t = ones(3);
        Assert.Throws<InvalidOperationException>(() => t.item<float>());
    }

    [Fact]
    public void MissingNativeLibraryGivesAClearError()
    {
        var e = Assert.Throws<DllNotFoundException>(() => NativeLibraryLocator.Load(["/nonexistent/libresearch_native.so"]));
        Assert.Contains("/nonexistent/libresearch_native.so", e.Message);
        Assert.Contains("./research setup", e.Message);
    }

    [Fact]
    public void ManyFailingCallsLeaveNoHandlesBehind()
    {
        using var a = randn(2, 3);
        using var b = randn(4, 5);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = LiveTensors;
        for (int i = 0; i < 500; i++)
            Assert.Throws<TorchException>(() => a.matmul(b));
        Assert.Equal(before, LiveTensors);
    }
}
