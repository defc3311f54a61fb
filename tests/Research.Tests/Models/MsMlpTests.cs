using Research.Models;
using Research.Torch;
using static Research.Torch.torch;
using Registry = Research.Models.Models;

namespace Research.Tests.Families;

public sealed class MsMlpTests
{
    /// <summary>Given the official code's definitions (tests/golden/msmlp_official.py), when our model loads its
    /// state dict by the official key names, then pooled features and logits match PyTorch's within 1e-4.</summary>
    [Fact]
    public void Official_checkpoint_loads_by_name_and_reproduces_pytorch_logits()
    {
        using var model = Registry.Create<MsMlpConfig>("msmlp_tiny", c => c with { EmbedDim = 12, Depths = [1, 2, 1, 1] }, numClasses: 6, imageSize: 64);
        GoldenFiles.AssertReproduces(model, "msmlp_tiny");
    }

    /// <summary>With every depthwise kernel a single 1 (region size 1, no bias), the token mixing is the sum of the two
    /// shifted copies: the official scheme rolls group n by −2..2 (wrapping), the paper's moves it by 0..4 and fills
    /// the vacated rows and columns with zeros.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Shift_schemes_are_the_codes_roll_by_default_and_the_papers_zero_filled_shift_as_an_option(bool paper)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var dist = paper ? MsMlpConfig.PaperShiftDist : MsMlpConfig.CodeShiftDist;
        var block = new MixShiftBlock(10, [1, 1, 1, 1, 1], dist, wrap: !paper);
        using (no_grad())
            foreach (var (name, p) in block.named_parameters())
                if (name.StartsWith("dwconv")) { if (name.EndsWith("weight")) p.fill_(1); else p.zero_(); }
        var x = randn(1, 10, 6, 6);
        var mixed = block.TokenMix(x);
        for (int n = 0; n < 5; n++)
        {
            var group = x.narrow(1, 2 * n, 2);
            int d = dist[n];
            var expected = paper ? ZeroShift(group, d, 3) + ZeroShift(group, d, 2) : group.roll(d, 3) + group.roll(d, 2);
            Close.Equal(expected, mixed.narrow(1, 2 * n, 2), 1e-6, $"group {n} (d = {d})");
        }
    }

    private static Tensor ZeroShift(Tensor x, int d, int dim)
    {
        // out[i] = x[i - d] where 0 <= i - d < n, else 0
        long n = x.size(dim);
        var result = zeros_like(x);
        if (d < n) result.narrow(dim, d, n - d).copy_(x.narrow(dim, 0, n - d));
        return result;
    }

    [Fact]
    public void Default_config_is_the_official_codes()
    {
        var tiny = (MsMlpConfig)Registry.Get("msmlp_tiny").Config;
        Assert.Equal(new[] { -2, -1, 0, 1, 2 }, tiny.ShiftDist);
        Assert.True(tiny.Wrap);
        Assert.Equal(new[] { 1, 1, 3, 5, 7 }, tiny.MixSize[0]);   // MSC configs/msmlp_tiny_patch4_shift5_224.yaml
        Assert.Equal(new[] { 1, 7, 7, 7, 7 }, tiny.MixSize[3]);
        Assert.Equal(0.1, tiny.DropPathRate);
        var paper = tiny.PaperShift();
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, paper.ShiftDist);
        Assert.False(paper.Wrap);
    }

    [Fact]
    public void Channels_split_into_groups_as_torch_chunk_does()
    {
        // ceil(C / 5) per group, the rest in the last: MS-MLP-T's stage widths 96 and 192
        Assert.Equal(new long[] { 20, 20, 20, 20, 16 }, new MixShiftBlock(96, [1, 1, 3, 5, 7], MsMlpConfig.CodeShiftDist).ChunkSizes);
        Assert.Equal(new long[] { 39, 39, 39, 39, 36 }, new MixShiftBlock(192, [1, 3, 3, 5, 7], MsMlpConfig.CodeShiftDist).ChunkSizes);
        Assert.Equal(new long[] { 3, 3, 3, 3 }, new MixShiftBlock(12, [1, 1, 3, 5, 7], MsMlpConfig.CodeShiftDist).ChunkSizes);
    }

    [Fact]
    public void Every_parameter_gets_a_gradient_under_either_scheme()
    {
        using var scope = NewDisposeScope();
        foreach (var paper in new[] { false, true })
        {
            using var model = Registry.Create<MsMlpConfig>("msmlp_tiny", c =>
            {
                var small = c with { EmbedDim = 20, Depths = [1, 1, 1, 1], LayerScaleInit = 0.5 };
                // zero-filled shifts by up to 4 empty a map smaller than 5x5, leaving those groups' kernels without
                // gradient: the paper scheme is checked on stage 1's 8x8 map only
                return paper ? small.PaperShift() with { Depths = [1, 0, 0, 0] } : small;
            }, numClasses: 10, imageSize: 32);
            var y = model.forward(randn(2, 3, 32, 32));
            y.square().sum().backward();
            foreach (var (key, p) in model.named_parameters())
            {
                var g = p.grad;
                Assert.True(g is not null && g.abs().sum().ToDouble() > 0, $"paper={paper}: {key} got no gradient");
            }
        }
    }
}
