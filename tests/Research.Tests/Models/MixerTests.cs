using Research.Models;
using Research.Torch;
using static Research.Torch.torch;
using Registry = Research.Models.Models;

namespace Research.Tests.Families;

public sealed class MixerTests
{
    private static MlpMixer Tiny(string name = "mixer_b16_224", int depth = 2, long classes = 5, long imageSize = 32, Func<MlpMixerConfig, MlpMixerConfig>? more = null) =>
        (MlpMixer)Registry.Create<MlpMixerConfig>(name, c => (more ?? (x => x))(c with { PatchSize = 8, Depth = depth, EmbedDim = 16 }),
            numClasses: classes, imageSize: imageSize);

    [Fact]
    public void Mixer_state_dict_keys_are_timms()
    {
        using var model = Tiny(depth: 1);
        var expected = new[]
        {
            "stem.proj.weight", "stem.proj.bias",
            "blocks.0.norm1.weight", "blocks.0.norm1.bias",
            "blocks.0.mlp_tokens.fc1.weight", "blocks.0.mlp_tokens.fc1.bias", "blocks.0.mlp_tokens.fc2.weight", "blocks.0.mlp_tokens.fc2.bias",
            "blocks.0.norm2.weight", "blocks.0.norm2.bias",
            "blocks.0.mlp_channels.fc1.weight", "blocks.0.mlp_channels.fc1.bias", "blocks.0.mlp_channels.fc2.weight", "blocks.0.mlp_channels.fc2.bias",
            "norm.weight", "norm.bias", "head.weight", "head.bias",
        };
        Assert.Equal(expected.Order(), model.state_dict().Keys.Order());
        // D_S = 0.5 C = 8 hidden units over N = (32 / 8)² = 16 tokens; D_C = 4 C = 64
        Assert.Equal(new long[] { 8, 16 }, model.state_dict()["blocks.0.mlp_tokens.fc1.weight"].shape);
        Assert.Equal(new long[] { 64, 16 }, model.state_dict()["blocks.0.mlp_channels.fc1.weight"].shape);
    }

    [Fact]
    public void ResMlp_state_dict_keys_are_timms()
    {
        using var model = Tiny("resmlp_12_224", depth: 1);
        var expected = new[]
        {
            "stem.proj.weight", "stem.proj.bias",
            "blocks.0.norm1.alpha", "blocks.0.norm1.beta", "blocks.0.linear_tokens.weight", "blocks.0.linear_tokens.bias",
            "blocks.0.norm2.alpha", "blocks.0.norm2.beta",
            "blocks.0.mlp_channels.fc1.weight", "blocks.0.mlp_channels.fc1.bias", "blocks.0.mlp_channels.fc2.weight", "blocks.0.mlp_channels.fc2.bias",
            "blocks.0.ls1", "blocks.0.ls2", "norm.alpha", "norm.beta", "head.weight", "head.bias",
        };
        Assert.Equal(expected.Order(), model.state_dict().Keys.Order());
        Assert.Equal(new long[] { 1, 1, 16 }, model.state_dict()["blocks.0.norm1.alpha"].shape);
        Assert.Equal(new long[] { 16, 16 }, model.state_dict()["blocks.0.linear_tokens.weight"].shape);
    }

    [Theory]
    [InlineData("resmlp_12_224", 1e-4)]   // timm: ResBlock's default init_values
    [InlineData("resmlp_24_224", 1e-5)]
    [InlineData("resmlp_36_224", 1e-6)]
    [InlineData("resmlp_big_24_224", 1e-6)]
    public void ResMlp_layer_scale_starts_at_timms_value(string name, double init)
    {
        using var model = Tiny(name, depth: 1);
        var sd = model.state_dict();
        foreach (var key in new[] { "blocks.0.ls1", "blocks.0.ls2" })
            Assert.All(sd[key].data<float>(), v => Assert.Equal(init, v, init * 1e-5));
    }

    [Fact]
    public void Mixer_head_starts_at_zero_so_the_first_logits_are_zero()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = Tiny();
        var logits = model.forward(randn(2, 3, 32, 32));
        Assert.Equal(new long[] { 2, 5 }, logits.shape);
        Assert.Equal(0.0, logits.abs().max().ToDouble());
        model.reset_classifier(3);
        Assert.Equal(3, model.num_classes);
        Assert.Equal(0.0, model.forward(randn(1, 3, 32, 32)).abs().max().ToDouble());
        model.reset_classifier(0);
        Assert.Equal(new long[] { 1, 16 }, model.forward(randn(1, 3, 32, 32)).shape);
    }

    /// <summary>The property the block-diagonal construction of MixP App. C guarantees: the enlarged token MLP
    /// applies the pretrained one to each window of the patch grid separately. Every other layer acts token by
    /// token, so on a K x K mosaic of images, each window's output tokens equal the pretrained model's tokens
    /// on that image, and (the head being linear after a mean) the logits are the mean of the images' logits.</summary>
    [Theory]
    [InlineData("mixer_b16_224", 2)]
    [InlineData("mixer_b16_224", 3)]
    [InlineData("resmlp_12_224", 2)]
    public void Higher_resolution_copy_processes_each_window_of_a_mosaic_as_the_pretrained_model(string name, int k)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        // 24x24 images, 8x8 patches: a 3 x 3 grid; random weights everywhere, head included
        using var small = Tiny(name, imageSize: 24);
        using (no_grad())
            foreach (var p in small.parameters()) p.copy_(randn(p.shape) * 0.3 + (p.shape.Length == 1 || p.shape[0] == 1 ? 1 : 0));
        using var big = MlpMixer.ForHigherResolution(small, k);
        small.eval();
        big.eval();
        Assert.Equal(k * k * small.NumPatches, big.NumPatches);

        var tiles = Enumerable.Range(0, k * k).Select(_ => randn(2, 3, 24, 24)).ToArray();
        // rows of tiles side by side: tile (a, b) covers rows 24a.., columns 24b..
        var mosaic = cat(Enumerable.Range(0, k).Select(a => cat(tiles.Skip(a * k).Take(k).ToArray(), 3)).ToArray(), 2);
        Assert.Equal(new long[] { 2, 3, 24 * k, 24 * k }, mosaic.shape);

        using (no_grad())
        {
            var bigTokens = big.forward_features(mosaic);               // [B, (3k)², C]
            var grid = bigTokens.reshape(2, 3 * k, 3 * k, 16);           // [B, N', C] -> [B, 3k, 3k, C]
            var logits = new List<Tensor>();
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                {
                    var tile = tiles[a * k + b];
                    var expected = small.forward_features(tile);        // [B, 9, C]
                    var window = grid.narrow(1, 3 * a, 3).narrow(2, 3 * b, 3).reshape(2, 9, 16);
                    Close.Equal(expected, window, 2e-4, $"{name} K={k} window ({a}, {b}) tokens");
                    logits.Add(small.forward(tile));
                }
            Close.Equal(stack(logits.ToArray()).mean(0), big.forward(mosaic), 2e-4, $"{name} K={k} logits");
        }
    }

    [Theory]
    [InlineData(true, new[] { 0.0, 0.05, 0.1 })]    // MixP App. B: linear from 0 at the first block to s at the last
    [InlineData(false, new[] { 0.1, 0.1, 0.1 })]    // timm: the same rate everywhere
    public void Stochastic_depth_rates_follow_the_schedule(bool linear, double[] expected)
    {
        using var model = Tiny(depth: 3, more: c => c with { DropPathRate = 0.1, LinearDropPath = linear });
        var rates = model.named_modules().Where(m => m.module is Research.Models.Layers.DropPath)
            .Select(m => ((Research.Models.Layers.DropPath)m.module).drop_prob).ToArray();
        Assert.Equal(expected, rates, new ToleranceComparer(1e-12));
    }

    [Fact]
    public void Every_parameter_gets_a_gradient()
    {
        using var scope = NewDisposeScope();
        // Stochastic depth drops a branch per sample; with 8 samples every branch reaches the loss through
        // some sample whatever the draws (parallel tests share libtorch's generator, so a seed cannot fix them).
        manual_seed(6);
        foreach (var name in new[] { "mixer_s16_224", "resmlp_12_224" })
        {
            using var model = Tiny(name, more: c => c with { DropPathRate = 0.1 });
            // the zero head would stop gradients reaching the body: give it values first
            using (no_grad()) foreach (var p in model.parameters()) p.add_(randn(p.shape) * 0.01);
            model.forward(randn(8, 3, 32, 32)).square().sum().backward();
            foreach (var (key, p) in model.named_parameters())
            {
                var g = p.grad;
                Assert.True(g is not null && g.abs().sum().ToDouble() > 0, $"{name}: {key} got no gradient");
            }
        }
    }
}

internal sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
{
    public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
    public int GetHashCode(double v) => 0;
}
