using Research.Torch.Modules;
using Research.Models;
using Research.Models.Counting;
using Research.Models.Layers;
using Research.Shift;
using Research.Torch;
using static Research.Torch.torch;
using static Research.Tests.Models.S2MlpTests;
using Registry = Research.Models.Models;

namespace Research.Tests.Models;

/// <summary>Given S2-MLPv2 (pre-norm blocks, a 3C expansion shifted by shift-1 / shift-2 / identity and fused by
/// split attention), when it is built and run, then its sizes are those of Tables 2, 5, 6 and 7 and its
/// parts compute the paper's equations.</summary>
public sealed class S2MlpV2Tests
{
    [Fact]
    public void Split_attention_weights_sum_to_one_over_the_branches()
    {
        // Ā is a softmax over k, so K identical branches fuse to that branch whatever the weights are.
        using var scope = NewDisposeScope();
        manual_seed(5);
        var sa = new SplitAttention(8, 3);
        var x = randn(2, 4, 4, 1, 8).expand(2, 4, 4, 3, 8);                  // [B, H, W, 1, C] -> [B, H, W, K, C]
        Assert.True(sa.forward(x).allclose(x.select(3, 0), 1e-5, 1e-6));
        Assert.True(new MeanFusion().forward(x).allclose(x.select(3, 0), 1e-6, 1e-7));
        // c̄ = C/4 (ViP's reweighting MLP): fc1 [C/4, C], fc2 [3C, C/4]
        Assert.Equal(new long[] { 2, 8 }, sa.mlp.fc1.weight.shape);
        Assert.Equal(new long[] { 24, 2 }, sa.mlp.fc2.weight.shape);
    }

    [Fact]
    public void Split_attention_matches_its_equations()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var sa = new SplitAttention(4, 3);
        var x = randn(2, 3, 3, 3, 4);                                       // [B, H, W, K, C]
        // a = Σ_k mean_{H,W} X_k; â = MLP(a) read as [C, K]; softmax over k; out = Σ_k Ā_k ⊙ X_k
        var a = x.sum(3).mean([1, 2]);                                       // [B, C]
        var hat = sa.mlp.forward(a).reshape(2, 4, 3);                        // [B, C, K]
        var bar = hat.softmax(2);
        var expected = zeros(2, 3, 3, 4);
        for (int k = 0; k < 3; k++)
            expected = expected + x.select(3, k) * bar.select(2, k).reshape(2, 1, 1, 4);
        Assert.True(sa.forward(x).allclose(expected, 1e-5, 1e-6));
    }

    [Fact]
    public void The_mixer_shifts_the_three_parts_by_shift_1_shift_2_and_identity()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var mixer = new S2MlpV2Mixer(8, [ShiftPatterns.V2Shift1, ShiftPatterns.V2Shift2, ShiftPatterns.Identity], S2MlpV2Fusion.Mean);
        var x = randn(2, 5, 5, 8);
        // Eq. 6-10 written part by part
        var e = mixer.mlp1.forward(x);
        var parts = e.split(8, 3);
        var x1 = SpatialShift.shift(parts[0], ShiftPatterns.V2Shift1, ShiftImpl.Slicing);
        var x2 = SpatialShift.shift(parts[1], ShiftPatterns.V2Shift2, ShiftImpl.Slicing);
        var expected = mixer.mlp2.forward((x1 + x2 + parts[2]) / 3);
        Assert.True(mixer.forward(x).allclose(expected, 1e-5, 1e-6));
    }

    [Fact]
    public void Every_shift_implementation_gives_the_same_model()
    {
        using var scope = NewDisposeScope();
        using var model = Registry.CreateSmall("s2mlpv2_small_7");
        var v2 = Assert.IsType<S2MlpV2>(model);
        var x = randn(2, 3, 32, 32);
        Tensor? reference = null;
        foreach (var impl in Enum.GetValues<ShiftImpl>())
        {
            foreach (var block in v2.stages.SelectMany(st => st.blocks)) block.mixer.shift.Impl = impl;
            model.zero_grad();
            var logits = model.forward(x);
            logits.sum().backward();
            Assert.True(v2.stem.proj.weight.grad!.isfinite().all().item<bool>());
            reference ??= logits;
            Assert.True(logits.allclose(reference, 1e-5, 1e-6), $"{impl}: logits differ from slicing");
        }
    }

    [Fact]
    public void Block_is_pre_norm()
    {
        // Zero the last layer of each branch: a pre-norm block is then the identity (the residual stream
        // carries x unnormalised); a post-norm block would add the norms' biases.
        using var scope = NewDisposeScope();
        var block = new S2MlpV2Block(8, 3, [ShiftPatterns.V2Shift1, ShiftPatterns.V2Shift2, ShiftPatterns.Identity]);
        using (no_grad())
        {
            block.mixer.mlp2.weight.zero_(); block.mixer.mlp2.bias!.zero_();
            block.mlp.fc2.weight.zero_(); block.mlp.fc2.bias!.zero_();
            block.norm1.bias!.fill_(1.0); block.norm2.bias!.fill_(1.0);
        }
        var x = randn(1, 4, 4, 8);
        Assert.True(block.forward(x).equal(x));
        Assert.Equal(24, ((Linear)block.mlp.fc1).out_features);                       // channel MLP ratio 3
    }

    [Fact]
    public void Pyramid_merges_2x2_between_stages()
    {
        using var scope = NewDisposeScope();
        using var model = Registry.Create<S2MlpV2Config>("s2mlpv2_small_7", c => c with { EmbedDims = [8, 16], Depths = [1, 2] },
            numClasses: 10, imageSize: 56);
        using (no_grad())
            Assert.Equal(new long[] { 1, 4, 4, 16 }, model.forward_features(randn(1, 3, 56, 56)).shape);   // 56/7 = 8, merged to 4
        Assert.Contains("stages.1.downsample.proj.weight", model.state_dict().Keys);
        Assert.Contains("stages.1.blocks.1.mixer.fuse.mlp.fc2.weight", model.state_dict().Keys);
        Assert.Throws<ArgumentException>(() => Registry.Create<S2MlpV2Config>("s2mlpv2_small_7",
            c => c with { EmbedDims = [8, 16], Depths = [1, 1] }, imageSize: 21));    // 3x3 tokens cannot merge 2x2
    }

    // Parameters with the classifier (1000 classes), per block with c̄ = c/4:
    //   2 LayerNorms 4c; MLP1 3c² + 3c; split attention c²/4 + c/4 + 3c²/4 + 3c; MLP2 c² + c; channel MLP 6c² + 4c.
    // Small/7: 4 blocks at 192 (408,432 each) + 14 at 384 (1,627,872) + stem 3·49·192 + 192 + merge 4·192·384 + 384
    //          + final norm 768 + head 385,000 = 25,133,416.
    // Medium/7: 7 at 256 (724,800) + 17 at 512 (2,891,392) + 37,888 + 524,800 + 1,024 + 513,000 = 55,303,976.
    // Small/14: 18 at 384 + stem 3·196·384 + 384 + 768 + 385,000 = 29,913,640.
    // Sum fusion: Small/7 less its split attention (4·37,488 + 14·148,704) = 22,901,608; Table 6 prints 22M,
    //   which no Small/7 of 25M reaches by removing split attention (see the family header).
    // X1+X3, X1+X2: MLP1 2c² + 2c and split-attention fc2 to 2c: Small/7 less 4·46,464 + 14·185,088 = 22,356,328.
    // MACs: 10c² per token per block (MLP1 3c², MLP2 c², channel MLP 6c²; 9c² with two branches), c² per block
    // for split attention, the stem, the merge and the head. Small/14: Table 5 prints 5.7B, but
    //   18·256·10·384² + 18·384² + 256·588·384 + 384·1000 = 6.86 GMACs.
    [Theory]
    [InlineData("s2mlpv2_small_7", 25_133_416L, 6_901_767_168L)]       // Table 2: 25M, 6.9B
    [InlineData("s2mlpv2_medium_7", 55_303_976L, null)]                 // Table 2: 55M, 16.3B
    [InlineData("s2mlpv2_small_14", 29_913_640L, 6_855_613_440L)]       // Table 5: 30M, 5.7B (not reachable)
    [InlineData("s2mlpv2_small_7_sum", 22_901_608L, null)]              // Table 6: 22M (not reachable), 6.9B
    [InlineData("s2mlpv2_small_7_x1x3", 22_356_328L, null)]             // Table 7: 22M, 6.2B
    [InlineData("s2mlpv2_small_7_x1x2", 22_356_328L, null)]             // Table 7: 22M, 6.2B
    public void Sizes_are_the_configurations_and_the_papers(string name, long expectedParams, long? expectedMacs)
    {
        var count = ModelCounter.Count(name);
        Assert.Equal(expectedParams, count.Params);
        if (expectedMacs is long macs) Assert.Equal(macs, count.Macs);
        Assert.Empty(count.Unreported);
        var paper = Registry.Get(name).Paper;
        if (paper.ParamsTolerance is double tol) Near(paper.ParamsM!.Value, count.ParamsMFor(paper), tol, $"{name} params vs {paper.Source}");
        else Assert.NotNull(paper.Note);
        if (paper.GMacsTolerance is double gtol) Near(paper.GMacs!.Value, count.GMacs, gtol, $"{name} GMACs vs {paper.Source}");
        else Assert.NotNull(paper.Note);
    }
}
