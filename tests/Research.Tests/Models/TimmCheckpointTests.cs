using Research.Models;
using Research.Torch;
using static Research.Torch.torch;
using Registry = Research.Models.Models;

namespace Research.Tests.Families;

/// <summary>Given a checkpoint written with timm's key names by tests/golden/timm_*.py (the blocks as timm
/// defines them, in PyTorch), when our model loads it strictly and runs the golden input, then the
/// pooled features and the logits equal PyTorch's within 1e-4.</summary>
public sealed class TimmCheckpointTests
{
    public static TheoryData<string> Cases => new() { "mixer_tiny", "resmlp_tiny", "poolformer_tiny", "poolformer_tiny_s36ls" };

    /// <summary>The tiny configurations the golden script builds, made through the registry.</summary>
    internal static ImageClassifier Build(string golden) => golden switch
    {
        "mixer_tiny" => Registry.Create<MlpMixerConfig>("mixer_s16_224", c => c with { PatchSize = 8, Depth = 2, EmbedDim = 16 },
            numClasses: 5, imageSize: 32),
        "resmlp_tiny" => Registry.Create<MlpMixerConfig>("resmlp_12_224", c => c with { PatchSize = 8, Depth = 2, EmbedDim = 16, LayerScaleInit = 0.1 },
            numClasses: 5, imageSize: 32),
        "poolformer_tiny" => Registry.Create<MetaFormerConfig>("poolformer_s12", c => c with { Depths = [1, 1, 2, 1], Dims = [8, 16, 24, 32] },
            numClasses: 5, imageSize: 64),
        "poolformer_tiny_s36ls" => Registry.Create<MetaFormerConfig>("poolformer_s36", c => c with { Depths = [1, 2, 1, 1], Dims = [8, 12, 16, 24] },
            numClasses: 7, imageSize: 48),
        _ => throw new ArgumentException(golden),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Timm_checkpoint_loads_by_name_and_reproduces_pytorch_logits(string golden)
    {
        using var model = Build(golden);
        GoldenFiles.AssertReproduces(model, $"timm_{golden}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Our_state_dict_saved_as_safetensors_has_exactly_the_checkpoint_keys_and_shapes(string golden)
    {
        using var model = Build(golden);
        GoldenFiles.AssertSameKeysAndShapes(model, $"timm_{golden}");
    }
}
