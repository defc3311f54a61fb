using Research.Models;
using Research.Torch;
using Registry = Research.Models.Models;

namespace Research.Tests.Families;

/// <summary>Given each variant built at ImageNet size (224², 1000 classes), when its parameters are counted
/// from the module tree, then the count is the one the configuration implies (worked out in the comment)
/// and lies within 2% of the paper's, or the gap is the one documented beside the variant.</summary>
public sealed class ParameterCountTests
{
    /// <summary>Counts the parameters of the real module tree. Building the large models spends its time in
    /// weight init; the count does not depend on the values.</summary>
    internal static long Count(string name, long? numClasses = null, Func<object, object>? configure = null)
    {
        using var model = Registry.Create(name, numClasses: numClasses, configure: configure);
        return model.num_parameters();
    }

    private static void AssertNearPaper(double paperM, long count, double tolerance = 0.02)
    {
        double gap = Math.Abs(count / 1e6 - paperM) / paperM;
        Assert.True(gap <= tolerance, $"{count / 1e6:F2}M vs paper {paperM}M: {gap:P1} gap > {tolerance:P0}");
    }

    // MixP Table 1 counts exclude the head, so the models are built with numClasses: 0.
    // Per block: 2 LayerNorms (4C) + token MLP (2 N D_S + D_S + N) + channel MLP (2 C D_C + D_C + C);
    // stem 3 P² C + C; final LayerNorm 2C.
    [Theory]
    [InlineData("mixer_s32_224", 18_591_624L, 19, 0.025)]   // 2.2% gap: 18.59M is reported rounded to whole millions
    [InlineData("mixer_s16_224", 18_015_264L, 18, 0.02)]
    [InlineData("mixer_b32_224", 59_524_428L, 60, 0.02)]
    [InlineData("mixer_b16_224", 59_111_472L, 59, 0.02)]
    [InlineData("mixer_l32_224", 205_914_264L, 206, 0.02)]
    [InlineData("mixer_l16_224", 207_171_168L, 207, 0.02)]
    [InlineData("mixer_h14_224", 431_069_952L, 431, 0.02)]
    public void Mixer_counts_match_table_1(string name, long expected, double paperM, double tolerance)
    {
        long count = Count(name, numClasses: 0);
        Assert.Equal(expected, count);
        AssertNearPaper(paperM, count, tolerance);
        Assert.Equal(paperM, Registry.Get(name).Paper.ParamsM);
    }

    // ResMLP counts include the head (1000 classes). Per block: 2 Affines (4C) + token layer (N² + N) +
    // channel MLP (8C² + 5C) + 2 LayerScales (2C); stem 3·256·C + C; final Affine 2C; head 1000 C + 1000.
    [Theory]
    [InlineData("resmlp_12_224", 15_350_872L, 15, 0.025)]   // 2.3% gap: 15.35M is reported rounded to whole millions
    [InlineData("resmlp_24_224", 30_020_680L, 30, 0.02)]
    [InlineData("resmlp_36_224", 44_690_488L, 45, 0.02)]
    public void ResMlp_counts_match_the_paper(string name, long expected, double paperM, double tolerance)
    {
        long count = Count(name);
        Assert.Equal(expected, count);
        AssertNearPaper(paperM, count, tolerance);
    }

    [Fact]
    public void ResMlp_B24_with_16x16_patches_matches_the_papers_116M_and_timms_8x8_version_is_larger()
    {
        long b24 = Count("resmlp_big_24_224", configure: c => ((MlpMixerConfig)c) with { PatchSize = 16 });
        Assert.Equal(115_736_776L, b24);
        AssertNearPaper(116, b24);
        // timm's resmlp_big_24_224: 8x8 patches, N = 784, so each token layer holds 784² + 784 parameters
        long b24Patch8 = Count("resmlp_big_24_224");
        Assert.Equal(b24 + 24L * (784 * 784 + 784 - 196 * 196 - 196) - (3L * 256 * 768 - 3L * 64 * 768), b24Patch8);
    }

    // PoolFormer: stem 3·49·C1 + C1; downsampling 9·C_{i-1}·C_i + C_i; per block 2 GroupNorms (4C), 2 LayerScales
    // (2C), the 1x1-conv MLP (8C² + 5C); head LayerNorm 2C4 and fc 1000·C4 + 1000. Pooling has no parameters.
    [Theory]
    [InlineData("poolformer_s12", 11_915_176L, 11.9)]   // PFP Table 1
    [InlineData("poolformer_s24", 21_388_968L, 21.4)]
    [InlineData("poolformer_s36", 30_862_760L, 30.8)]
    [InlineData("poolformer_m36", 56_172_520L, 56.1)]
    [InlineData("poolformer_m48", 73_473_448L, 73.4)]
    // PFP Table 5 rows on S12: a depthwise 3x3 conv adds 10C per block; a spatial FC N² per block; attention
    // (head dim 32, qkv without bias) 4C² + C per block plus a C·N position embedding before its first stage.
    [InlineData("metaformer_id_s12", 11_915_176L, 11.9)]
    [InlineData("metaformer_random_s12", 11_915_176L, 11.9)]
    [InlineData("metaformer_dwconv_s12", 11_948_456L, 11.9)]
    [InlineData("metaformer_shift_s12", 11_915_176L, 11.9)]
    [InlineData("metaformer_pppa_s12_224", 14_038_440L, 14.0)]
    [InlineData("metaformer_ppaa_s12_224", 16_535_592L, 16.5)]
    [InlineData("metaformer_pppf_s12_224", 11_919_978L, 11.9)]
    [InlineData("metaformer_ppff_s12_224", 12_150_474L, 12.2)]
    public void MetaFormer_counts_match_the_paper(string name, long expected, double paperM)
    {
        long count = Count(name);
        Assert.Equal(expected, count);
        AssertNearPaper(paperM, count);
        Assert.Equal(paperM, Registry.Get(name).Paper.ParamsM);
    }

    [Fact]
    public void PoolFormer_table_5_component_and_norm_rows_match_the_paper()
    {
        // "no channel MLP": 2.5M (PFP Table 5); the norms do not change the count: 11.9M
        long noMlp = Count("poolformer_s12", configure: c => ((MetaFormerConfig)c) with { ChannelMlp = false });
        Assert.Equal(2_451_368L, noMlp);
        AssertNearPaper(2.5, noMlp);
        foreach (var norm in new[] { MetaFormerNorm.LayerNorm, MetaFormerNorm.BatchNorm })
            Assert.Equal(11_915_176L, Count("poolformer_s12", configure: c => ((MetaFormerConfig)c) with { Norm = norm }));
        AssertNearPaper(11.9, Count("poolformer_s12", configure: c => ((MetaFormerConfig)c) with { Norm = MetaFormerNorm.None }));
    }

    // MS-MLP (head included): stem 48C + C + LN 2C; per block two sets of per-group depthwise convs
    // (Σ_n c_n r_n² + c_n each, groups as torch.chunk splits C), LN 2C, MLP 8C² + 5C, γ C; between stages a
    // 2x2 conv 8C² + 2C and LN 4C; final LN and head.
    [Theory]
    [InlineData("msmlp_tiny", 28_656_232L, 28, 0.025)]   // MSP Table 3; 2.3% gap: see the note beside the variant
    [InlineData("msmlp_small", 50_303_752L, 50, 0.02)]
    [InlineData("msmlp_base", 88_696_792L, 88, 0.02)]
    public void MsMlp_counts_match_table_3(string name, long expected, double paperM, double tolerance)
    {
        long count = Count(name);
        Assert.Equal(expected, count);
        AssertNearPaper(paperM, count, tolerance);
    }

    // RaftMLP v1 (head included): patch Linear 256·3·C + C; per block vertical and horizontal raft MLPs
    // (LN 2C + 2·e·(rL)² + e·rL + rL each, L = 14) and the channel MLP (LN 2C + 8C² + 5C); final LN 2C; head.
    [Theory]
    [InlineData("raftmlp_12", 58_390_696L, 58)]   // RaftP1 Table 1
    [InlineData("raftmlp_36", 43_532_296L, 44)]
    public void RaftMlp_counts_match_table_1(string name, long expected, double paperM)
    {
        long count = Count(name);
        Assert.Equal(expected, count);
        AssertNearPaper(paperM, count);
    }
}
