using System.Text.Json.Nodes;
using Research.Experiments;
using Research.Models;
using Research.Models.Layers;
using Research.Torch;
using Research.Torch.Modules;
using static Research.Torch.torch;
using Registry = Research.Models.Models;

namespace Research.Tests.Families;

/// <summary>timm's options for the MetaFormer baselines and gMLP, one at a time: each does what its equation says, each
/// leaves the keys timm leaves, and none changes a configuration that does not set it.</summary>
public sealed class MetaFormerBaselineTests
{
    private static MetaFormer Small(string name, Func<MetaFormerConfig, MetaFormerConfig>? more = null) =>
        (MetaFormer)Registry.Create<MetaFormerConfig>(name, c => (more ?? (x => x))(c with { Depths = [1, 1, 1, 1], Dims = [8, 16, 24, 32] }),
            numClasses: 5, imageSize: 48);

    [Fact]
    public void StarReLU_is_s_times_relu_squared_plus_b()
    {
        using var scope = NewDisposeScope();
        using var act = new StarReLU(scaleValue: 2.0, biasValue: 0.5);
        var x = tensor(new float[] { -2f, -0.5f, 0f, 0.5f, 3f });
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f, 1f, 18.5f }, act.forward(x).data<float>());
        Assert.Equal(["bias", "scale"], act.state_dict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { 0f, 0f, 0f, 0.25f, 9f }, new SquaredReLU().forward(x).data<float>());
    }

    [Fact]
    public void StarReLU_starts_as_squared_relu_and_learns_its_scale_and_bias()
    {
        using var scope = NewDisposeScope();
        using var act = new StarReLU();
        var x = tensor(new float[] { -1f, 2f });
        Assert.Equal(new[] { 0f, 4f }, act.forward(x).data<float>());
        act.forward(x).sum().backward();
        Assert.All(act.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void ResScale_at_one_is_the_plain_shortcut_and_any_other_value_changes_the_output()
    {
        using var scope = NewDisposeScope();
        using var plain = Small("poolformerv2_s12", c => c with { ResScaleInits = null });
        using var scaled = Small("poolformerv2_s12", c => c with { ResScaleInits = [1.0, 1.0, 1.0, 1.0] });
        var resKeys = scaled.state_dict().Keys.Where(k => k.Contains("res_scale")).ToList();
        Assert.Equal(8, resKeys.Count);
        Assert.DoesNotContain(plain.state_dict().Keys, k => k.Contains("res_scale"));
        var (missing, unexpected) = scaled.load_state_dict(plain.state_dict(), strict: false);
        Assert.Equal(resKeys.Order(), missing.Order());
        Assert.Empty(unexpected);
        plain.eval();
        scaled.eval();
        var x = randn(2, 3, 48, 48);
        using (no_grad())
        {
            Close.Equal(plain.forward(x), scaled.forward(x), 1e-6, "ResScale 1");
            scaled.state_dict()["stages.2.blocks.0.res_scale1.scale"].fill_(0.5);
            Assert.True(Close.MaxAbsDiff(plain.forward(x), scaled.forward(x)) > 1e-3, "ResScale 0.5 left the output unchanged");
        }
    }

    [Fact]
    public void PoolFormerV2_has_res_scale_in_stages_3_and_4_only_and_no_layer_scale()
    {
        using var model = Small("poolformerv2_s12");
        var keys = model.state_dict().Keys.ToList();
        Assert.Equal(["stages.2.blocks.0.res_scale1.scale", "stages.2.blocks.0.res_scale2.scale", "stages.3.blocks.0.res_scale1.scale",
            "stages.3.blocks.0.res_scale2.scale"], keys.Where(k => k.Contains("res_scale")).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(keys, k => k.Contains("layer_scale"));
    }

    [Theory]
    [InlineData("poolformerv2_s12")]
    [InlineData("convformer_s18")]
    [InlineData("caformer_s18")]
    public void Bias_free_norms_mlps_and_mixers_have_no_bias_keys_but_the_convolutions_and_the_head_do(string name)
    {
        using var model = Small(name);
        var keys = model.state_dict().Keys.ToHashSet();
        var withoutBias = keys.Where(k => k.EndsWith(".weight") && !k.StartsWith("head.") && !k.Contains(".conv.")).ToList();
        Assert.NotEmpty(withoutBias);
        foreach (var key in withoutBias) Assert.DoesNotContain(key[..^".weight".Length] + ".bias", keys);
        Assert.Contains("stem.norm.weight", keys);
        Assert.Contains("stages.1.downsample.norm.weight", keys);
        Assert.Contains("stem.conv.bias", keys);
        Assert.Contains("stages.3.downsample.conv.bias", keys);
        Assert.Contains("head.norm.bias", keys);
        Assert.Contains("stages.0.blocks.0.mlp.act.scale", keys);
    }

    [Fact]
    public void ConvFormer_has_timms_sepconv_and_mlp_head_keys_and_a_new_head_keeps_its_form()
    {
        using var model = Small("convformer_s18");
        var keys = model.state_dict().Keys.ToHashSet();
        foreach (var key in new[]
                 {
                     "stages.0.blocks.0.token_mixer.pwconv1.weight", "stages.0.blocks.0.token_mixer.act1.scale",
                     "stages.0.blocks.0.token_mixer.dwconv.weight", "stages.0.blocks.0.token_mixer.pwconv2.weight",
                     "head.fc.fc1.weight", "head.fc.fc1.bias", "head.fc.norm.weight", "head.fc.norm.bias", "head.fc.fc2.weight", "head.fc.fc2.bias",
                 })
            Assert.Contains(key, keys);
        Assert.Equal(new long[] { 16, 1, 7, 7 }, model.state_dict()["stages.0.blocks.0.token_mixer.dwconv.weight"].shape);
        Assert.Equal(new long[] { 128, 32 }, model.state_dict()["head.fc.fc1.weight"].shape);
        model.reset_classifier(3);
        Assert.Equal(new long[] { 3, 128 }, model.state_dict()["head.fc.fc2.weight"].shape);
        using var y = model.forward(randn(2, 3, 48, 48));
        Assert.Equal(new long[] { 2, 3 }, y.shape);
    }

    [Fact]
    public void CAFormer_attention_stages_are_channels_last_without_projection_bias_or_position_embedding()
    {
        using var model = Small("caformer_s18");
        var state = model.state_dict();
        Assert.Equal(new long[] { 128, 32 }, state["stages.3.blocks.0.mlp.fc1.weight"].shape);    // Linear, as timm's attention stages
        Assert.Equal(new long[] { 64, 16, 1, 1 }, state["stages.1.blocks.0.mlp.fc1.weight"].shape); // 1x1 conv in the SepConv stages
        Assert.Contains("stages.2.blocks.0.token_mixer.qkv.weight", state.Keys);
        Assert.DoesNotContain("stages.2.blocks.0.token_mixer.proj.bias", state.Keys);
        Assert.DoesNotContain(state.Keys, k => k.Contains("pos_embed"));
    }

    [Fact]
    public void Per_stage_lists_override_the_single_values_stage_by_stage()
    {
        using var model = Small("poolformer_s12", c => c with
        {
            StageNorms = [MetaFormerNorm.LayerNorm, MetaFormerNorm.GroupNorm1, MetaFormerNorm.None, MetaFormerNorm.GroupNorm1],
            LayerScaleInits = [null, 0.25, null, null],
        });
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        Assert.IsType<ChannelLayerNorm>(modules["stages.0.blocks.0.norm1"]);
        Assert.IsType<GroupNorm>(modules["stages.1.blocks.0.norm1"]);
        Assert.IsType<Identity>(modules["stages.2.blocks.0.norm1"]);
        var scales = model.state_dict().Where(kv => kv.Key.Contains("layer_scale")).ToList();
        Assert.Equal(["stages.1.blocks.0.layer_scale1.scale", "stages.1.blocks.0.layer_scale2.scale"], scales.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        Assert.All(scales, kv => Assert.All(kv.Value.data<float>(), v => Assert.Equal(0.25f, v)));
        Assert.Throws<ArgumentException>(() => Small("poolformer_s12", c => c with { ResScaleInits = [1.0, 1.0] }));
    }

    [Fact]
    public void The_new_options_appear_in_a_run_key_only_when_set()
    {
        var caformer = (JsonObject)RunKey.Describe(Registry.Get("caformer_s18").Config)!;
        Assert.True((bool)caformer["use_mlp_head"]!);
        Assert.True((bool)caformer["bias_free_norms"]!);
        Assert.Equal("[null,null,1,1]", caformer["res_scale_inits"]!.ToJsonString());
        var poolformer = (JsonObject)RunKey.Describe(Registry.Get("poolformer_s12").Config)!;
        foreach (var key in new[] { "stage_norms", "bias_free_norms", "downsample_norm", "layer_scale_inits", "res_scale_inits", "bias_free_mlp", "use_mlp_head" })
            Assert.False(poolformer.ContainsKey(key), key);
        var gmlp = (JsonObject)RunKey.Describe(Registry.Get("gmlp_s16_224").Config)!;
        Assert.False(gmlp.ContainsKey("activation") || gmlp.ContainsKey("norm"));
        var silu = (JsonObject)RunKey.Describe(((MlpMixerConfig)Registry.Get("mixer_s16_224").Config) with { Activation = "silu", Norm = MixerNorm.Affine })!;
        Assert.Equal("silu", (string)silu["activation"]!);
        Assert.Equal("Affine", (string)silu["norm"]!);
    }

    [Fact]
    public void A_spatial_gating_unit_starts_as_the_identity_on_its_first_half()
    {
        using var scope = NewDisposeScope();
        using var gate = new SpatialGatingUnit(dim: 8, seqLen: 5);
        var x = randn(2, 5, 8);
        using (no_grad())
        {
            var y = gate.forward(x);
            Assert.Equal(new long[] { 2, 5, 4 }, y.shape);
            // the gate is W·LayerNorm(v) + 1 with W ~ N(0, 1e-6): y = u up to a few 1e-6
            Close.Equal(x.narrow(-1, 0, 4), y, 1e-4, "gate at init");
        }
    }

    [Fact]
    public void GMlp_has_timms_keys_and_a_gate_over_the_tokens()
    {
        using var model = Registry.Create<MlpMixerConfig>("gmlp_s16_224", c => c with { PatchSize = 8, Depth = 1, EmbedDim = 16 }, numClasses: 5, imageSize: 32);
        var state = model.state_dict();
        Assert.Equal(new long[] { 96, 16 }, state["blocks.0.mlp_channels.fc1.weight"].shape);
        Assert.Equal(new long[] { 48 }, state["blocks.0.mlp_channels.gate.norm.weight"].shape);
        Assert.Equal(new long[] { 16, 16 }, state["blocks.0.mlp_channels.gate.proj.weight"].shape);    // N x N, N = (32/8)²
        Assert.Equal(new long[] { 16, 48 }, state["blocks.0.mlp_channels.fc2.weight"].shape);
        Assert.All(state["blocks.0.mlp_channels.gate.proj.bias"].data<float>(), v => Assert.Equal(1f, v));
        Assert.True(state["blocks.0.mlp_channels.gate.proj.weight"].abs().max().item<float>() < 1e-4);
    }
}
