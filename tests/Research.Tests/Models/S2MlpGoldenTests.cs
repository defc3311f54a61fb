using Research.Models;
using Research.Shift;
using Research.Torch;
using static Research.Torch.torch;
using Registry = Research.Models.Models;

namespace Research.Tests.Models;

/// <summary>Given the PyTorch S2-MLP and S2-MLPv2 of bench/s2mlp.py with random weights (tests/golden/s2mlp.py),
/// when our models load those state dicts by name and run the same images, then the logits agree: the two
/// sides are the same functions with the same keys, so the benchmark races like against like.</summary>
public sealed class S2MlpGoldenTests
{
    public static IEnumerable<object[]> Cases =>
    [
        ["v1_tiny"], ["v1_tiny_affine_eight"], ["v2_tiny"], ["v2_tiny_mean_x1x2"],
    ];

    private static ImageClassifier Build(string name) => name switch
    {
        "v1_tiny" => Registry.Create<S2MlpConfig>("s2mlp_wide", c => c with { PatchSize = 4, EmbedDim = 16, Depth = 2, MlpRatio = 2 },
            numClasses: 5, imageSize: 16),
        "v1_tiny_affine_eight" => Registry.Create<S2MlpConfig>("s2mlp_deep",
            c => c with { PatchSize = 4, EmbedDim = 16, Depth = 2, MlpRatio = 2, Shift = ShiftPatterns.Eight }, numClasses: 5, imageSize: 16),
        "v2_tiny" => Registry.Create<S2MlpV2Config>("s2mlpv2_small_7", c => c with { PatchSize = 4, EmbedDims = [8, 16], Depths = [1, 2] },
            numClasses: 5, imageSize: 32),
        "v2_tiny_mean_x1x2" => Registry.Create<S2MlpV2Config>("s2mlpv2_small_7_x1x2",
            c => c with { PatchSize = 4, EmbedDims = [8, 16], Depths = [1, 1], Fusion = S2MlpV2Fusion.Mean }, numClasses: 5, imageSize: 32),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Logits_match_PyTorch(string name)
    {
        var dir = Path.Combine(Shift.ShiftTestSupport.RepoRoot, "tests", "golden");
        using var scope = NewDisposeScope();
        var weights = SafeTensors.Load(Path.Combine(dir, $"s2mlp_{name}.weights.safetensors"));
        var io = SafeTensors.Load(Path.Combine(dir, $"s2mlp_{name}.io.safetensors"));
        using var model = Build(name);
        model.load_state_dict(weights);                                       // strict: every key, every shape
        model.eval();
        using (no_grad())
        {
            var logits = model.forward(io["input"]);
            double diff = (logits - io["logits"]).abs().max().ToDouble();
            Assert.True(diff < 1e-4, $"{name}: max |logit difference| {diff:E2}");
        }
    }
}
