using Research.Models;
using Research.Torch;
using static Research.Torch.torch;
using F = Research.Torch.torch.nn.functional;
using Registry = Research.Models.Models;

namespace Research.Tests.Families;

public sealed class RaftMlpTests
{
    private static RaftMlp Build(string golden) => golden switch
    {
        "raftmlp_v1_tiny" => (RaftMlp)Registry.Create<RaftMlpConfig>("raftmlp_12",
            c => c with { Depths = [2], Dims = [16], PatchSizes = [8], RaftSizes = [4] }, numClasses: 5, imageSize: 32),
        "raftmlp_v2_tiny" => (RaftMlp)Registry.Create<RaftMlpConfig>("raftmlp_s",
            c => c with { Depths = [1, 1], Dims = [16, 24], PatchSizes = [4, 2], RaftSizes = [2, 4], EmbeddingKernels = [[4, 8], [2, 4]] },
            numClasses: 5, imageSize: 32),
        _ => throw new ArgumentException(golden),
    };

    /// <summary>Given the official code's definitions (tests/golden/raftmlp_official.py, its layouts taken from the
    /// einops patterns), when our model loads the official state dict through <see cref="RaftMlp.FromOfficialStateDict"/>,
    /// then the logits match within 1e-4: at the built size, and (v2) on 36x36 images, where stage 1's 9x9 grid is
    /// resized to 8x8 around the token mixing and stage 2's 9x9 input is first resized to 10x10.</summary>
    [Theory]
    [InlineData("raftmlp_v1_tiny", "32")]
    [InlineData("raftmlp_v2_tiny", "32")]
    [InlineData("raftmlp_v2_tiny", "36")]
    public void Official_checkpoint_reproduces_pytorch_logits(string golden, string size)
    {
        using var scope = NewDisposeScope();
        using var model = Build(golden);
        var weights = GoldenFiles.Load($"{golden}.weights.safetensors");
        var io = GoldenFiles.Load($"{golden}.io.safetensors");
        try
        {
            model.load_state_dict(RaftMlp.FromOfficialStateDict(weights), strict: true);
            model.eval();
            using (no_grad())
            {
                using var features = model.forward_features(io[$"input_{size}"]);
                Close.Equal(io[$"pre_logits_{size}"], model.forward_head(features, pre_logits: true), 1e-4, $"{golden} @{size} pre-logits");
                Close.Equal(io[$"logits_{size}"], model.forward_head(features), 1e-4, $"{golden} @{size} logits");
            }
        }
        finally
        {
            foreach (var t in weights.Values.Concat(io.Values)) t.Dispose();
        }
    }

    [Fact]
    public void Raft_token_mixing_widths_follow_listing_1()
    {
        // RaftMLP-12: c = 768, r = 4, 14x14 tokens: the vertical MLP maps r·h = 56 -> 2·56 -> 56 (Listing 1: Linear(r*h, r*h*e))
        using var model = Registry.Create<RaftMlpConfig>("raftmlp_12", c => c with { Depths = [1] });
        var sd = model.state_dict();
        Assert.Equal(new long[] { 112, 56 }, sd["stages.0.blocks.0.vertical.fc1.weight"].shape);
        Assert.Equal(new long[] { 56, 112 }, sd["stages.0.blocks.0.horizontal.fc2.weight"].shape);
        Assert.Equal(new long[] { 768 }, sd["stages.0.blocks.0.vertical.norm.weight"].shape);
        Assert.Equal(new long[] { 3072, 768 }, sd["stages.0.blocks.0.channel.mlp.fc1.weight"].shape);
        // RaftP1 Eq. 4-7: raft token mixing costs h r (2 e h r + e + 1) + w r (2 e w r + e + 1) per block, against
        // h w (2 e h w + e + 1) for Mixer's token MLP
        long raftParams = sd.Where(kv => kv.Key.Contains("vertical.fc") || kv.Key.Contains("horizontal.fc")).Sum(kv => kv.Value.numel());
        Assert.Equal(2L * (14 * 4 * (2 * 2 * 14 * 4 + 2 + 1)), raftParams);
    }

    [Fact]
    public void V2_cross_scale_embedding_reads_every_kernels_windows()
    {
        using var model = Registry.Create("raftmlp_s", numClasses: 10, imageSize: 32);
        var sd = model.state_dict();
        // stage 1: kernels 4 and 8 over 3 channels: (16 + 64)·3 inputs; stage 4: kernel 2 over 256 channels
        Assert.Equal(new long[] { 64, 240 }, sd["stages.0.embed.fc.weight"].shape);
        Assert.Equal(new long[] { 512, 1024 }, sd["stages.3.embed.fc.weight"].shape);
        Assert.Equal(new long[] { 8, 4, 2, 1 }, ((RaftMlp)model).GridSizes);
    }

    [Fact]
    public void A_size_that_is_not_a_multiple_of_the_patch_is_resized_bicubically_first()
    {
        using var scope = NewDisposeScope();
        manual_seed(9);
        using var model = Registry.Create<RaftMlpConfig>("raftmlp_12", c => c with { Depths = [1], Dims = [16], PatchSizes = [8] },
            numClasses: 4, imageSize: 32);
        model.eval();
        var x = randn(1, 3, 44, 44);
        using (no_grad())
        {
            // 44 is not a multiple of 8: the stage sees the image resized to 48x48, a 6x6 grid mixed at its 4x4
            var direct = model.forward(x);
            var resized = model.forward(F.interpolate(x, size: [48, 48], mode: "bicubic", align_corners: false));
            Close.Equal(resized, direct, 1e-5, "non-divisible input");
            Assert.Equal(new long[] { 1, 4 }, direct.shape);
        }
    }

    [Fact]
    public void Every_parameter_gets_a_gradient()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        foreach (var name in new[] { "raftmlp_12", "raftmlp_m" })
        {
            var entry = Registry.Get(name);
            using var model = Registry.Create(name, numClasses: 10, imageSize: 32, configure: _ => entry.SmallConfig!);
            model.forward(randn(2, 3, 32, 32)).square().sum().backward();
            foreach (var (key, p) in model.named_parameters())
            {
                var g = p.grad;
                Assert.True(g is not null && g.abs().sum().ToDouble() > 0, $"{name}: {key} got no gradient");
            }
        }
    }
}
