using Research.Shift;
using Research.Torch;
using static Research.Torch.torch;
using static Research.Tests.Shift.ShiftTestSupport;

namespace Research.Tests.Shift;

/// <summary>Given the spatial-shift operator, when each implementation runs on the seed article's 5x5 example
/// and on random inputs for every direction set, then outputs and input gradients agree with an oracle
/// written with plain arrays, and so with each other.</summary>
public sealed class SpatialShiftTests
{
    public static IEnumerable<object[]> Impls => Enum.GetValues<ShiftImpl>().Select(i => new object[] { i });

    // Table 7 (a)-(j) and "none", S2-MLPv2's two patterns, an interleaved layout, and the 3C pattern of an
    // S2-MLPv2 block; each with both tensor layouts and every implementation.
    private static IEnumerable<ShiftPattern> Patterns =>
        ShiftPatterns.All
            .Append(ShiftPatterns.Eight with { Name = "b-interleaved", Layout = ChannelLayout.Interleaved })
            .Append(ShiftPattern.Concat("v2", ShiftPatterns.V2Shift1, ShiftPatterns.V2Shift2, ShiftPatterns.Identity));

    public static IEnumerable<object[]> Cases =>
        from p in Patterns
        from impl in Enum.GetValues<ShiftImpl>()
        from channelsLast in new[] { true, false }
        select new object[] { p.Name, impl, channelsLast };

    private static ShiftPattern Find(string name) => Patterns.Single(p => p.Name == name);

    [Theory]
    [MemberData(nameof(Impls))]
    public void Seed_5x5_example_gives_the_expected_output(ShiftImpl impl)
    {
        // Fixture: 8 channels of (row, column) index pairs; channels 0-1 right, 2-3 left, 4-5 down, 6-7 up
        // (S2-MLP Alg. 1's four groups, setting (a) of Table 7).
        var (input, expected) = LoadSeedFixture();
        using var scope = NewDisposeScope();
        var x = ChannelsLast(input);
        var want = ChannelsLast(expected);
        Assert.True(SpatialShift.shift(x, ShiftPatterns.Default, impl).equal(want), $"{impl}: channels-last output differs from the fixture");

        var xc = x.permute(0, 3, 1, 2).contiguous();                       // [1, H, W, C] -> [1, C, H, W]
        var yc = SpatialShift.shift(xc, ShiftPatterns.Default, impl, channelsLast: false);
        Assert.True(yc.permute(0, 2, 3, 1).equal(want), $"{impl}: channels-first output differs from the fixture");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_match_the_oracle(string patternName, ShiftImpl impl, bool channelsLast)
    {
        var pattern = Find(patternName);
        const long b = 2, h = 5, w = 6;
        long c = patternName == "v2" ? 24 : 8;
        var per = pattern.PerChannel(c);
        using var scope = NewDisposeScope();
        manual_seed(7);
        var x = randn(b, h, w, c);                                          // channels-last values
        var g = randn(b, h, w, c);
        var xData = x.data<float>();
        var gData = g.data<float>();

        var input = (channelsLast ? x : x.permute(0, 3, 1, 2).contiguous()).requires_grad_();   // [B, H, W, C] -> [B, C, H, W]
        var y = SpatialShift.shift(input, pattern, impl, channelsLast);
        var yLast = channelsLast ? y : y.permute(0, 2, 3, 1);               // [B, C, H, W] -> [B, H, W, C]
        Assert.Equal(OracleForward(xData, b, h, w, c, per), yLast.contiguous().data<float>());

        var gradOut = channelsLast ? g : g.permute(0, 3, 1, 2);
        (y * gradOut).sum().backward();
        var grad = channelsLast ? input.grad! : input.grad!.permute(0, 2, 3, 1);
        var got = grad.contiguous().data<float>();
        var want = OracleBackward(gData, b, h, w, c, per);
        // A corner can receive up to four gradient terms; implementations may add them in another order.
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(got[i] - want[i]) <= 1e-5, $"{pattern.Name} {impl}: grad[{i}] = {got[i]}, expected {want[i]}");
    }

    [Theory]
    [MemberData(nameof(Impls))]
    public void A_diagonal_shift_is_its_H_shift_then_its_W_shift(ShiftImpl impl)
    {
        // The 8-direction setting (b) has no pseudocode in the paper; a diagonal is two Algorithm 1 copies
        // in turn, which is what replicate padding, one-hot kernels and border sampling all compute.
        using var scope = NewDisposeScope();
        manual_seed(3);
        var x = randn(1, 4, 5, 4);
        var diagonal = new ShiftPattern("diag", [ShiftDirection.DownRight, ShiftDirection.DownLeft, ShiftDirection.UpRight, ShiftDirection.UpLeft]);
        var rows = new ShiftPattern("rows", [ShiftDirection.Down, ShiftDirection.Down, ShiftDirection.Up, ShiftDirection.Up]);
        var cols = new ShiftPattern("cols", [ShiftDirection.Right, ShiftDirection.Left, ShiftDirection.Right, ShiftDirection.Left]);
        var twoSteps = SpatialShift.shift(SpatialShift.shift(x, rows, ShiftImpl.Slicing), cols, ShiftImpl.Slicing);
        Assert.True(SpatialShift.shift(x, diagonal, impl).equal(twoSteps));
    }

    [Theory]
    [MemberData(nameof(Impls))]
    public void Input_gradient_is_contiguous_so_a_GELU_before_the_shift_backpropagates_correctly(ShiftImpl impl)
    {
        // libtorch 1.13's CPU gelu_backward (exact form) is wrong for a non-contiguous incoming gradient;
        // S2-MLP puts GELU right before the shift, so every implementation must hand back a contiguous one.
        using var scope = NewDisposeScope();
        manual_seed(9);
        var x = randn(2, 4, 5, 8).requires_grad_();
        var g = randn(2, 4, 5, 8);
        var a = nn.functional.gelu(x);
        var captured = torch.autograd.grad([(SpatialShift.shift(a, ShiftPatterns.Eight, impl) * g).sum()], [a])[0]!;
        Assert.True(captured.is_contiguous(), $"{impl}: the gradient reaching the layer before the shift is not contiguous");

        (SpatialShift.shift(nn.functional.gelu(x), ShiftPatterns.Eight, impl) * g).sum().backward();
        var got = x.grad!.clone();
        x.grad = null;
        (SpatialShift.shift(nn.functional.gelu(x), ShiftPatterns.Eight, ShiftImpl.Slicing) * g).sum().backward();
        Assert.True(got.allclose(x.grad!, 1e-5, 1e-6), $"{impl}: gradient through GELU differs from slicing");
    }

    [Fact]
    public void Depthwise_kernels_equal_slicing_for_every_direction()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var x = randn(1, 4, 6, 5);                                          // [B, C, H, W] with C = 4
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
            {
                var d = new ShiftDirection(dy, dx);
                var pattern = new ShiftPattern(d.ToString(), [d]);
                var kernels = SpatialShift.DepthwiseKernels(pattern, 4);
                Assert.Equal(new long[] { 4, 1, 3, 3 }, kernels.shape);
                var k = kernels.data<float>();
                // one 1 per channel, at tap (1 - dy, 1 - dx): a convolution reads in[y + i - 1, x + j - 1]
                for (int ch = 0; ch < 4; ch++)
                    for (int tap = 0; tap < 9; tap++)
                        Assert.Equal(tap == (1 - dy) * 3 + (1 - dx) ? 1f : 0f, k[ch * 9 + tap]);
                var padded = nn.functional.pad(x, [1, 1, 1, 1], "replicate");
                var conv = nn.functional.conv2d(padded, kernels, null, 1, 0, 1, 4);
                var slicing = SpatialShift.shift(x, pattern, ShiftImpl.Slicing, channelsLast: false);
                Assert.True(conv.equal(slicing), $"direction {d}: one-hot convolution differs from slicing");
            }
    }

    [Fact]
    public void The_vacated_border_keeps_its_value_without_zero_fill_or_wrap()
    {
        using var scope = NewDisposeScope();
        var x = arange(1.0, 6.0).reshape(1, 1, 5, 1);                       // [B, H, W, C] = one row 1..5
        var right = SpatialShift.shift(x, new ShiftPattern("j", [ShiftDirection.Right]));
        var left = SpatialShift.shift(x, new ShiftPattern("i", [ShiftDirection.Left]));
        Assert.Equal(new float[] { 1, 1, 2, 3, 4 }, right.data<float>());
        Assert.Equal(new float[] { 2, 3, 4, 5, 5 }, left.data<float>());
    }

    [Fact]
    public void The_layer_caches_per_shape_and_any_implementation_gives_the_same_output()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var layer = new SpatialShiftLayer(ShiftPatterns.Eight);
        foreach (var shape in new[] { new long[] { 2, 3, 4, 16 }, new long[] { 1, 7, 2, 8 } })
        {
            var x = randn(shape);
            var reference = SpatialShift.shift(x, ShiftPatterns.Eight, ShiftImpl.Slicing);
            foreach (var impl in Enum.GetValues<ShiftImpl>())
            {
                layer.Impl = impl;
                Assert.True(layer.forward(x).equal(reference), $"{impl} on [{string.Join(", ", shape)}]");
                Assert.True(layer.forward(x).equal(reference), $"{impl} second call (cached plan)");
            }
        }
        Assert.Empty(layer.parameters());
    }

    [Fact]
    public void Channel_counts_that_do_not_split_into_the_groups_are_refused()
    {
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 3, 6);
        var error = Assert.Throws<ArgumentException>(() => SpatialShift.shift(x, ShiftPatterns.Default));
        Assert.Contains("6 channels", error.Message);
    }

    [Fact]
    public void The_native_operator_refuses_groups_that_leave_channels_uncovered_or_run_past_them()
    {
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 3, 6);
        var uncovered = Assert.Throws<TorchException>(() =>
            NativeKernels.spatial_shift(x, [new NativeKernels.ShiftGroup(0, 4, 1, 0)], channelDim: 3, heightDim: 1, widthDim: 2));
        Assert.Contains("cover 4 of 6 channels", uncovered.Message);
        var pastTheEnd = Assert.Throws<TorchException>(() =>
            NativeKernels.spatial_shift(x, [new NativeKernels.ShiftGroup(4, 4, 0, 1)], channelDim: 3, heightDim: 1, widthDim: 2));
        Assert.Contains("bad group (start 4, length 4", pastTheEnd.Message);
    }
}
