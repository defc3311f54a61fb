using Research.Models;
using Research.Torch;
using static Research.Torch.torch;
using Registry = Research.Models.Models;

namespace Research.Tests.Families;

/// <summary>Given a checkpoint written by timm's own classes (tests/golden/timm_metaformer_v2.py: PoolFormerV2, ConvFormer,
/// CAFormer, per-stage MetaFormer options, gMLP and a Mixer with another activation and norm, tiny sizes), when our model
/// built through the registry with the same configuration loads it strictly by key and runs the golden input, then the
/// pre-logits and the logits equal timm's within 1e-4.</summary>
public sealed class TimmBaselineCheckpointTests
{
    public static TheoryData<string> Cases => new()
    {
        "poolformerv2_tiny", "convformer_tiny", "caformer_tiny", "metaformer_tiny_stagewise", "gmlp_tiny", "mixer_tiny_silu_affine",
    };

    private static readonly int[] TinyDims = [4, 8, 12, 16];

    /// <summary>The tiny configurations the golden script builds, made through the registry.</summary>
    internal static ImageClassifier Build(string golden) => golden switch
    {
        "poolformerv2_tiny" => MetaFormer("poolformerv2_s12", c => c with { Depths = [1, 1, 2, 1] }),
        "convformer_tiny" => MetaFormer("convformer_s18", c => c),
        "caformer_tiny" => MetaFormer("caformer_s18", c => c with { AttentionHeadDim = 4 }),
        "metaformer_tiny_stagewise" => MetaFormer("poolformerv2_s12", c => c with
        {
            StageNorms = [MetaFormerNorm.GroupNorm1, MetaFormerNorm.LayerNorm, MetaFormerNorm.GroupNorm1, MetaFormerNorm.LayerNorm],
            LayerScaleInits = [1e-5, null, 1e-6, null],
            ResScaleInits = [1.0, null, null, 1.0],
        }),
        "gmlp_tiny" => Registry.Create<MlpMixerConfig>("gmlp_s16_224", c => c with { PatchSize = 8, Depth = 2, EmbedDim = 16 },
            numClasses: 5, imageSize: 32),
        "mixer_tiny_silu_affine" => Registry.Create<MlpMixerConfig>("mixer_s16_224",
            c => c with { PatchSize = 8, Depth = 2, EmbedDim = 16, Activation = "silu", Norm = MixerNorm.Affine }, numClasses: 5, imageSize: 32),
        _ => throw new ArgumentException(golden),
    };

    private static ImageClassifier MetaFormer(string name, Func<MetaFormerConfig, MetaFormerConfig> more) =>
        Registry.Create<MetaFormerConfig>(name, c => more(c with { Depths = [1, 1, 1, 1], Dims = TinyDims }), numClasses: 5, imageSize: 48);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Timm_checkpoint_loads_by_name_and_reproduces_timms_logits(string golden)
    {
        using var model = Build(golden);
        GoldenFiles.AssertReproduces(model, $"timm_{golden}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Our_state_dict_has_exactly_the_checkpoint_keys_and_shapes(string golden)
    {
        using var model = Build(golden);
        GoldenFiles.AssertSameKeysAndShapes(model, $"timm_{golden}");
    }
}
