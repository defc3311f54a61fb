using Research.Models;
using Research.Models.Counting;
using Research.Shift;
using Research.Torch;
using static Research.Torch.torch;
using Registry = Research.Models.Models;

namespace Research.Tests.Families;

public sealed class MetaFormerTests
{
    // 64x64 images leave a 2x2 map in the last stage; at 1x1 pooling minus its input is zero, so norm1 there gets no gradient
    private static MetaFormer Small(string name = "poolformer_s12", Func<MetaFormerConfig, MetaFormerConfig>? more = null, long imageSize = 64) =>
        (MetaFormer)Registry.Create<MetaFormerConfig>(name, c => (more ?? (x => x))(c with { Depths = [1, 1, 2, 1], Dims = [16, 32, 48, 64] }),
            numClasses: 10, imageSize: imageSize);

    [Fact]
    public void PoolFormer_state_dict_keys_are_timms()
    {
        using var model = Small(more: c => c with { Depths = [1, 1, 1, 1] });
        var keys = model.state_dict().Keys.ToHashSet();
        foreach (var key in new[]
                 {
                     "stem.conv.weight", "stem.conv.bias",
                     "stages.0.blocks.0.norm1.weight", "stages.0.blocks.0.norm1.bias", "stages.0.blocks.0.layer_scale1.scale",
                     "stages.0.blocks.0.norm2.weight", "stages.0.blocks.0.mlp.fc1.weight", "stages.0.blocks.0.mlp.fc1.bias",
                     "stages.0.blocks.0.mlp.fc2.weight", "stages.0.blocks.0.layer_scale2.scale",
                     "stages.1.downsample.conv.weight", "stages.3.downsample.conv.bias",
                     "head.norm.weight", "head.norm.bias", "head.fc.weight", "head.fc.bias",
                 })
            Assert.Contains(key, keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("stages.0.downsample"));
        // 2 (stem) + 4 blocks x 10 (norm1 2, ls1, norm2 2, fc1 2, fc2 2, ls2) + 3 downsamplings x 2 + head norm 2 + fc 2
        Assert.Equal(52, keys.Count);
        Assert.Equal(new long[] { 64, 16, 1, 1 }, model.state_dict()["stages.0.blocks.0.mlp.fc1.weight"].shape);
    }

    [Theory]
    [InlineData("poolformer_s12", 1e-5, 0.1)]   // PFP Table 6
    [InlineData("poolformer_s24", 1e-5, 0.1)]
    [InlineData("poolformer_s36", 1e-6, 0.2)]
    [InlineData("poolformer_m36", 1e-6, 0.3)]
    [InlineData("poolformer_m48", 1e-6, 0.4)]
    public void LayerScale_and_stochastic_depth_follow_table_6(string name, double layerScale, double dropPath)
    {
        var config = (MetaFormerConfig)Registry.Get(name).Config;
        Assert.Equal(layerScale, config.LayerScaleInit);
        Assert.Equal(dropPath, config.DropPathRate);
        using var model = Small(name);
        var scale = model.state_dict()["stages.2.blocks.1.layer_scale2.scale"];
        Assert.All(scale.data<float>(), v => Assert.Equal(layerScale, v, layerScale * 1e-5));
        // linear over all five blocks: 0, r/4, r/2, 3r/4, r
        var rates = model.named_modules().Where(m => m.module is Research.Models.Layers.DropPath && m.name.EndsWith("drop_path1"))
            .Select(m => ((Research.Models.Layers.DropPath)m.module).drop_prob).ToArray();
        Assert.Equal(new[] { 0, dropPath / 4, dropPath / 2, 3 * dropPath / 4, dropPath }, rates, new ToleranceComparer(1e-12));
    }

    [Fact]
    public void Pooling_of_a_constant_map_is_zero_everywhere_because_padding_is_left_out_of_the_mean()
    {
        using var scope = NewDisposeScope();
        var x = full([1, 4, 5, 5], 3.0);
        var y = new Pooling(3).forward(x);
        Assert.Equal(0.0, y.abs().max().ToDouble(), 6);
        // a single pixel of value 9 in the middle: each 3x3 window around it averages 9 real pixels
        var point = new float[25];
        point[12] = 9f;
        var spread = new Pooling(3).forward(tensor(point, [1, 1, 5, 5])).data<float>();
        Assert.Equal(1.0 - 9.0, spread[12], 5);
        Assert.Equal(1.0, spread[6], 5);
        // value 4 in a corner: the corner's window holds 4 real pixels (mean 1), its neighbour's 6 (mean 2/3);
        // counting the padding would give 4/9 instead
        var corner = new float[25];
        corner[0] = 4f;
        var atCorner = new Pooling(3).forward(tensor(corner, [1, 1, 5, 5])).data<float>();
        Assert.Equal(1.0 - 4.0, atCorner[0], 5);
        Assert.Equal(4.0 / 6, atCorner[1], 5);
    }

    [Fact]
    public void Random_mixing_is_a_frozen_row_stochastic_buffer_of_21M_values_at_S12_size()
    {
        using var scope = NewDisposeScope();
        using var small = Small("metaformer_random_s12");
        Assert.DoesNotContain(small.named_parameters(), p => p.name.Contains("random_matrix"));
        var buffers = small.named_buffers().Where(b => b.name.EndsWith("random_matrix")).ToList();
        Assert.Equal(5, buffers.Count);
        foreach (var (_, r) in buffers)
        {
            Assert.True(r.min().ToDouble() > 0);
            Assert.True(r.sum(1).sub(1.0).abs().max().ToDouble() < 1e-5, "rows sum to one");
        }
        // PFP Table 5: "+21M frozen parameters" at 224²: per block (H_i W_i)² over tokens 56², 28², 14², 7²
        long frozen = 2L * 3136 * 3136 + 2L * 784 * 784 + 6L * 196 * 196 + 2L * 49 * 49;
        Assert.Equal(21_133_602L, frozen);
        using var full224 = Registry.Create("metaformer_random_s12");
        Assert.Equal(frozen, full224.named_buffers().Where(b => b.name.EndsWith("random_matrix")).Sum(b => b.buffer.numel()));
    }

    [Fact]
    public void Spatial_shift_mixer_is_the_S2MLP_shift_of_the_shift_issue()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var mixer = new SpatialShiftLayer(ShiftPatterns.Default, channelsLast: false);
        var x = randn(2, 8, 5, 5);
        var ours = mixer.forward(x);
        // group 0 (channels 0-1) moves right along W: column w reads column w - 1, the first column keeps its value
        Close.Equal(x.narrow(1, 0, 2).narrow(3, 0, 4), ours.narrow(1, 0, 2).narrow(3, 1, 4), 0, "right shift");
        using var model = Small("metaformer_shift_s12");
        Assert.Contains(model.named_modules(), m => m.module is SpatialShiftLayer);
        Assert.Equal(new long[] { 2, 10 }, model.forward(randn(2, 3, 64, 64)).shape);
    }

    [Fact]
    public void Head_follows_timm_by_default_and_the_papers_order_as_an_option()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var timmHead = Small();
        using var paperHead = Small(more: c => c with { HeadNormBeforePool = true });
        Assert.Equal(new long[] { 64 }, timmHead.state_dict()["head.norm.weight"].shape);
        Assert.Contains(paperHead.named_modules(), m => m.name == "head.norm" && m.module is Research.Torch.Modules.GroupNorm);
        // features [B, C, 1, 1] for 32x32 images: then both orders normalise the same vector but with different eps
        var features = randn(2, 64, 3, 3);
        var a = timmHead.forward_head(features, pre_logits: true);
        var b = paperHead.forward_head(features, pre_logits: true);
        Assert.Equal(new long[] { 2, 64 }, a.shape);
        Assert.True((a - b).abs().max().ToDouble() > 1e-3, "normalising before or after pooling differs on a 3x3 map");
    }

    [Theory]
    [InlineData("poolformer_s12", 1.8)]              // PFP Table 2 (fvcore MACs)
    [InlineData("metaformer_random_s12", 3.3)]       // PFP Table 5
    [InlineData("metaformer_ppff_s12_224", 1.9)]
    [InlineData("metaformer_pppa_s12_224", 1.9)]
    public void Macs_at_224_match_the_paper(string name, double paperGMacs)
    {
        var count = ModelCounter.Count(name);
        Assert.Empty(count.Unreported);
        Assert.True(Math.Abs(count.GMacs - paperGMacs) / paperGMacs <= 0.03, $"{name}: {count.GMacs:F3} GMACs vs paper {paperGMacs}");
    }

    [Theory]
    [InlineData("poolformer_s12")]
    [InlineData("metaformer_id_s12")]
    [InlineData("metaformer_random_s12")]
    [InlineData("metaformer_dwconv_s12")]
    [InlineData("metaformer_shift_s12")]
    [InlineData("metaformer_ppaa_s12_224")]
    [InlineData("metaformer_ppff_s12_224")]
    public void Every_token_mixer_trains_every_parameter(string name)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var model = Small(name, c => c with { DropPathRate = 0.1, LayerScaleInit = 0.5 });
        // Drop path drops a block per sample; with 8 samples every block reaches the loss through some
        // sample whatever the draws (other tests share libtorch's generator, so the seed alone cannot fix them).
        var y = model.forward(randn(8, 3, 64, 64));
        Assert.Equal(new long[] { 8, 10 }, y.shape);
        Assert.False(y.isnan().any().ToSingle() > 0);
        y.square().sum().backward();
        foreach (var (key, p) in model.named_parameters())
        {
            var g = p.grad;
            Assert.True(g is not null && g.abs().sum().ToDouble() > 0, $"{name}: {key} got no gradient");
        }
    }

    [Theory]
    [InlineData(MetaFormerNorm.LayerNorm)]
    [InlineData(MetaFormerNorm.BatchNorm)]
    [InlineData(MetaFormerNorm.None)]
    public void Norm_and_activation_options_build_and_run(MetaFormerNorm norm)
    {
        using var scope = NewDisposeScope();
        foreach (var act in new[] { "relu", "silu" })
        {
            using var model = Small(more: c => c with { Norm = norm, Activation = act, PoolSize = 5, Residual = norm != MetaFormerNorm.None });
            Assert.Equal(new long[] { 2, 10 }, model.forward(randn(2, 3, 64, 64)).shape);
        }
    }
}
