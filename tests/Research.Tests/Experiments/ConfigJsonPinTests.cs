using Research.Experiments;
using Research.Models;
using Registry = Research.Models.Models;

namespace Research.Tests.Experiments;

/// <summary>Committed results (notebook 14's 60 runs among them) are found by the canonical JSON of their model
/// configuration. Given the configurations that existed before timm's MetaFormer-baselines and gMLP options were added,
/// when they are described for a run key, then the JSON is the one pinned here, computed with the code before the change:
/// every new option is left out while it keeps its default.</summary>
public sealed class ConfigJsonPinTests
{
    [Theory]
    [InlineData("poolformer_s12",
        "{\"activation\":\"gelu\",\"attention_head_dim\":32,\"channel_mlp\":true,\"depths\":[2,2,6,2],\"dims\":[64,128,320,512],\"drop_path_rate\":0.1,\"drop_rate\":0,\"head_norm_before_pool\":false,\"layer_scale_init\":1E-05,\"mlp_ratio\":4,\"norm\":\"GroupNorm1\",\"pool_size\":3,\"residual\":true,\"token_mixers\":null}")]
    [InlineData("metaformer_ppaa_s12_224",
        "{\"activation\":\"gelu\",\"attention_head_dim\":32,\"channel_mlp\":true,\"depths\":[2,2,6,2],\"dims\":[64,128,320,512],\"drop_path_rate\":0.1,\"drop_rate\":0,\"head_norm_before_pool\":false,\"layer_scale_init\":1E-05,\"mlp_ratio\":4,\"norm\":\"LayerNorm\",\"pool_size\":3,\"residual\":true,\"token_mixers\":[\"Pooling\",\"Pooling\",\"Attention\",\"Attention\"]}")]
    [InlineData("mixer_s16_224",
        "{\"block\":\"Mixer\",\"channel_mlp_ratio\":4,\"depth\":8,\"drop_path_rate\":0,\"drop_rate\":0,\"embed_dim\":512,\"layer_scale_init\":0.0001,\"linear_drop_path\":true,\"patch_size\":16,\"stem_norm\":false,\"token_mlp_ratio\":0.5}")]
    [InlineData("resmlp_12_224",
        "{\"block\":\"ResMlp\",\"channel_mlp_ratio\":4,\"depth\":12,\"drop_path_rate\":0,\"drop_rate\":0,\"embed_dim\":384,\"layer_scale_init\":0.0001,\"linear_drop_path\":true,\"patch_size\":16,\"stem_norm\":false,\"token_mlp_ratio\":0.5}")]
    public void An_existing_variant_s_config_serialises_as_before(string name, string expected) =>
        Assert.Equal(expected, RunKey.Describe(Registry.Get(name).Config)!.ToJsonString());
}
