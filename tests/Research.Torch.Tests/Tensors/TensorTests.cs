using static Research.Torch.torch;

namespace Research.Torch.Tests;

public sealed class TensorTests
{
    [Fact]
    public void CreationFunctionsHavePyTorchsDefaults()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(ScalarType.Float32, zeros(2, 3).dtype);
        Assert.Equal(ScalarType.Int64, arange(5).dtype);
        Assert.Equal(new long[] { 0, 2, 4 }, arange(0, 6, 2).data<long>());
        Assert.Equal(new[] { 0f, 0.25f, 0.5f, 0.75f, 1f }, linspace(0, 1, 5).data<float>());
        Assert.Equal(new[] { 1f, 0f, 0f, 1f }, eye(2).data<float>());
        Assert.Equal(new[] { 7f, 7f }, full([2], 7.0).data<float>());
        var r = randint(3, 5, [100]).data<long>();
        Assert.All(r, v => Assert.InRange(v, 3, 4));
        var u = rand(1000).data<float>();
        Assert.All(u, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(new long[] { 2, 3 }, tensor(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } }).shape);
        Assert.Equal(ScalarType.Byte, tensor(new byte[] { 1, 2 }).dtype);
    }

    [Fact]
    public void IndexingFollowsPythonSemantics()
    {
        using var scope = NewDisposeScope();
        var x = arange(24).reshape(2, 3, 4);
        Assert.Equal(new long[] { 4, 5, 6, 7 }, x[0, 1].data<long>());
        Assert.Equal(new long[] { 3, 7, 11 }, x[1, .., ^1].data<long>().Select(v => v - 12).ToArray());
        Assert.Equal(new long[] { 2, 3, 2 }, x[.., .., TensorIndex.Slice(null, null, 2)].shape);
        Assert.Equal(new long[] { 2, 1, 3, 4 }, x[.., TensorIndex.None].shape);
        Assert.Equal(new long[] { 2, 3 }, x[TensorIndex.Ellipsis, 0].shape);
        Assert.Equal(new long[] { 12, 20 }, x[1, tensor(new long[] { 0, 2 }), 0].data<long>());
        var y = zeros(3, 3);
        y[1..] = ones(2, 3);
        Assert.Equal(6f, y.sum().ToSingle());
        Assert.Throws<IndexOutOfRangeException>(() => x[0, 0, 0, 0]);
    }

    [Fact]
    public void ViewsShareStorageAndCopiesDoNot()
    {
        using var scope = NewDisposeScope();
        var x = zeros(4);
        var v = x.view(2, 2);
        v.fill_(1);
        Assert.Equal(4f, x.sum().ToSingle());
        var c = x.clone();
        c.fill_(0);
        Assert.Equal(4f, x.sum().ToSingle());
    }

    [Fact]
    public void SplitChunkAndUnbindReturnEveryPiece()
    {
        using var scope = NewDisposeScope();
        var x = arange(10);
        Assert.Equal(new[] { 3L, 3, 3, 1 }, x.split(3).Select(t => t.numel()));
        Assert.Equal(new[] { 2L, 8 }, x.split([2, 8]).Select(t => t.numel()));
        Assert.Equal(5, x.chunk(5).Length);
        Assert.Equal(2, arange(6).reshape(2, 3).unbind().Length);
        var many = arange(3000).split(1);
        Assert.Equal(3000, many.Length);
    }

    [Fact]
    public void OperatorsAndScalarsPromoteAsPyTorch()
    {
        using var scope = NewDisposeScope();
        var i = arange(3);
        Assert.Equal(ScalarType.Int64, (i + 1).dtype);
        Assert.Equal(ScalarType.Float32, (i * 0.5).dtype);
        Assert.Equal(new[] { 2f, 1f, 2f / 3 }, (2.0 / (i + 1).@float()).data<float>());
        Assert.Equal(new[] { true, false, false }, (i < 1).data<bool>());
        Assert.Equal(new[] { 1f, 0f, -1f }, (1.0 - i.@float()).data<float>());
        Assert.Equal(new long[] { 0, 2, 4 }, (i + i).data<long>());
        Assert.Equal(new long[] { 3 }, ones(2, 3).sum(0).shape);
        Assert.Equal(new long[] { 0, 0, 0 }, (i - i).data<long>());
        Assert.Equal(new long[] { 0, 3, 6 }, i.add(i, alpha: 2).data<long>());
        Assert.Equal(new[] { 0f, 0.5f, 1f }, i.@float().add(i.@float(), alpha: -0.5).data<float>());
    }

    [Fact]
    public void PrintsLikePyTorch()
    {
        using var scope = NewDisposeScope();
        Assert.Equal("tensor([[0., 1.],\n        [2., 3.]], size=(2, 2), dtype=torch.float32)", arange(4).reshape(2, 2).@float().ToString());
        Assert.Equal("tensor([0, 1, 2], size=(3,), dtype=torch.int64)", arange(3).ToString());
        Assert.Equal("tensor([ 0.5000, -1.2500], size=(2,), dtype=torch.float64)", tensor(new[] { 0.5, -1.25 }).ToString());
        Assert.Equal("tensor([1.0000e-05, 1.0000e+00], size=(2,), dtype=torch.float32)", tensor(new[] { 1e-5f, 1f }).ToString());
        var big = arange(2000).ToString();
        Assert.StartsWith("tensor([   0,    1,    2, ..., 1997, 1998, 1999]", big);
        Assert.Contains("requires_grad=True", ones([2], requires_grad: true).ToString());
    }

    [Fact]
    public void AutogradBasics()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 1.0, 2.0, 3.0 }, requires_grad: true);
        var y = (x * x).sum();
        Assert.Equal("SumBackward0", y.grad_fn);
        y.backward();
        Assert.Equal(new[] { 2.0, 4.0, 6.0 }, x.grad!.data<double>());
        var z = x * 3;
        z.backward(ones([3], float64));
        Assert.Equal(new[] { 5.0, 7.0, 9.0 }, x.grad!.data<double>());
        x.grad = null;
        Assert.Null(x.grad);
        using (no_grad())
        {
            Assert.False(is_grad_enabled());
            Assert.False((x * 2).requires_grad);
        }
        Assert.True(is_grad_enabled());
        Assert.False(x.detach().requires_grad);
    }

    [Fact]
    public void SetNumThreadsChangesTheIntraOpPool()
    {
        int before = get_num_threads();
        try
        {
            set_num_threads(1);
            Assert.Equal(1, get_num_threads());
        }
        finally { set_num_threads(before); }
        Assert.Throws<ArgumentOutOfRangeException>(() => set_num_threads(0));
    }

    [Fact]
    public void SchedulesArePureFunctionsOfTheStep()
    {
        Assert.Equal(0.1, Schedules.WarmupCosine(0, 100, 10, 1.0), 12);
        Assert.Equal(1.0, Schedules.WarmupCosine(9, 100, 10, 1.0), 12);
        Assert.Equal(1.0, Schedules.WarmupCosine(10, 100, 10, 1.0), 12);
        Assert.Equal(0.5, Schedules.WarmupCosine(55, 100, 10, 1.0), 12);
        Assert.Equal(0.01, Schedules.WarmupCosine(100, 100, 10, 1.0, 0.01), 12);
        Assert.Equal(0.01, Schedules.Step(25, 10, 1.0, 0.1), 12);
    }
}
